/**
 * The unannotated background of a culture: flattened cells and debris whose outlines make a
 * faint network of thin lines over the whole well (visible everywhere in the competition's
 * SH-SY5Y images). Drawn as the edges of a Voronoi diagram of jittered grid seeds, computed on
 * smoothly warped coordinates so the edges curve, with a smoothly varying strength so the
 * network fades in and out.
 *
 * Shapes: the layer is row-major [H, W] optical thickness; coordinates are pixels.
 */
import type { Random } from '../../utils/random.js';
import { planeWaves } from './waves.js';

/** Half-width of a network line, in pixels. */
const LINE_HALF_WIDTH = 0.8;
/** Peak displacement of the coordinate warp, in pixels. */
const WARP = 16;

/**
 * A [H, W] layer of network lines of peak thickness `strength` around cells about `spacing`
 * pixels across. Returns zeros when `strength` is 0.
 */
export function substrateLayer(rng: Random, height: number, width: number, spacing: number, strength: number): Float32Array {
  const layer = new Float32Array(height * width);
  if (strength === 0) return layer;
  const cols = Math.ceil(width / spacing) + 2;
  const rows = Math.ceil(height / spacing) + 2;
  // Seed of grid cell (gx, gy) at ((gx - 1 + u) * spacing, (gy - 1 + v) * spacing), u, v uniform.
  const seeds = new Float64Array(2 * cols * rows);
  for (let g = 0; g < cols * rows; g++) {
    seeds[2 * g] = ((g % cols) - 1 + rng.next()) * spacing;
    seeds[2 * g + 1] = (Math.floor(g / cols) - 1 + rng.next()) * spacing;
  }
  // Three waves of 50-150 px each: curves a few meshes long.
  const warpX = planeWaves(rng, height, width, 3, 50, 150);
  const warpY = planeWaves(rng, height, width, 3, 50, 150);
  const fade = planeWaves(rng, height, width, 3, 50, 150);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const px = x + 0.5 + WARP * warpX[p];
      const py = y + 0.5 + WARP * warpY[p];
      const gx = Math.floor(px / spacing) + 1;
      const gy = Math.floor(py / spacing) + 1;
      let best = -1;
      let bestD2 = Infinity;
      let second = -1;
      let secondD2 = Infinity;
      for (let j = Math.max(0, gy - 1); j <= Math.min(rows - 1, gy + 1); j++) {
        for (let i = Math.max(0, gx - 1); i <= Math.min(cols - 1, gx + 1); i++) {
          const g = j * cols + i;
          const d2 = (seeds[2 * g] - px) ** 2 + (seeds[2 * g + 1] - py) ** 2;
          if (d2 < bestD2) {
            second = best;
            secondD2 = bestD2;
            best = g;
            bestD2 = d2;
          } else if (d2 < secondD2) {
            second = g;
            secondD2 = d2;
          }
        }
      }
      if (second < 0) continue;
      // Distance to the bisector of the two nearest seeds: (d2² - d1²) / (2 |s2 - s1|).
      const gap = Math.hypot(seeds[2 * second] - seeds[2 * best], seeds[2 * second + 1] - seeds[2 * best + 1]);
      const d = (secondD2 - bestD2) / (2 * gap);
      const cover = Math.min(1, LINE_HALF_WIDTH + 0.5 - d);
      if (cover > 0) layer[p] = strength * cover * Math.max(0, 0.35 + fade[p]);
    }
  }
  return layer;
}
