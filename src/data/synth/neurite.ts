/**
 * Neurites: thin processes drawn as polylines from a cell body. They appear in the image only;
 * like the competition's annotations, the masks cover the bodies.
 *
 * Coordinates: image pixels, x right, y down; a polyline is flat [P, 2] `x, y`.
 */
import type { Random } from '../../utils/random.js';

/** Step between polyline points, in pixels. */
const STEP = 4;

/**
 * A neurite's path: a random walk from (x, y) heading `angle` (radians) for `length` pixels,
 * turning by N(0, 0.25) rad per 4-pixel step, so it bends smoothly.
 */
export function neuritePath(rng: Random, x: number, y: number, angle: number, length: number): Float64Array {
  const steps = Math.max(1, Math.round(length / STEP));
  const path = new Float64Array(2 * (steps + 1));
  path[0] = x;
  path[1] = y;
  let heading = angle;
  for (let i = 1; i <= steps; i++) {
    heading += rng.normal(0, 0.25);
    path[2 * i] = path[2 * i - 2] + STEP * Math.cos(heading);
    path[2 * i + 1] = path[2 * i - 1] + STEP * Math.sin(heading);
  }
  return path;
}

/**
 * Draws a polyline into `layer` ([H, W], row-major), keeping the larger of the old value and
 * the line's: `strength` tapering linearly to half at the far end, across a width of
 * `2 * halfWidth` pixels with a one-pixel anti-aliased edge.
 */
export function drawPolyline(
  layer: Float32Array,
  height: number,
  width: number,
  path: Float64Array,
  halfWidth: number,
  strength: number,
): void {
  const segments = path.length / 2 - 1;
  const reach = halfWidth + 0.5;
  for (let s = 0; s < segments; s++) {
    const ax = path[2 * s];
    const ay = path[2 * s + 1];
    const bx = path[2 * s + 2];
    const by = path[2 * s + 3];
    const value = strength * (1 - (0.5 * (s + 0.5)) / segments);
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - reach));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + reach));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - reach));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(ay, by) + reach));
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        // Distance from the pixel centre to the segment.
        const px = x + 0.5 - ax;
        const py = y + 0.5 - ay;
        const t = len2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
        const d = Math.hypot(px - t * dx, py - t * dy);
        const cover = Math.min(1, reach - d);
        if (cover > 0) {
          const o = y * width + x;
          const v = value * cover;
          if (v > layer[o]) layer[o] = v;
        }
      }
    }
  }
}
