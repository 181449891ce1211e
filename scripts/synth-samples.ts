/**
 * Makes the README's sample pictures of the synthetic data: for each cell type, a 352 x 260
 * crop of a generated image (`docs/images/synth-<type>.png`) and the same crop with its
 * instance masks overlaid in colour (`docs/images/synth-<type>-masks.png`).
 *
 * Run: node --import tsx scripts/synth-samples.ts
 */
import { mkdir } from 'node:fs/promises';
import ndarray from 'ndarray';

import { writePng } from '../src/data/image.js';
import { CELL_TYPES } from '../src/data/sartorius.js';
import { synthesizeImage } from '../src/data/synth/synthesize.js';
import { Random } from '../src/utils/random.js';

const CROP_HEIGHT = 260;
const CROP_WIDTH = 352;
const SEED = 0;

/** A bright colour for instance `i`: hues spread by the golden angle. */
function colour(i: number): [number, number, number] {
  const h = ((i * 137.508) % 360) / 60;
  const x = 1 - Math.abs((h % 2) - 1);
  const [r, g, b] = h < 1 ? [1, x, 0] : h < 2 ? [x, 1, 0] : h < 3 ? [0, 1, x] : h < 4 ? [0, x, 1] : h < 5 ? [x, 0, 1] : [1, 0, x];
  return [55 + 200 * r, 55 + 200 * g, 55 + 200 * b];
}

await mkdir('docs/images', { recursive: true });
for (const [k, cellType] of CELL_TYPES.entries()) {
  const synth = synthesizeImage(new Random(SEED + k), { cellType });
  const grey = new Uint8Array(CROP_HEIGHT * CROP_WIDTH);
  for (let y = 0; y < CROP_HEIGHT; y++) grey.set(synth.image.subarray(y * synth.width, y * synth.width + CROP_WIDTH), y * CROP_WIDTH);

  // [H, W, 3]: grey, tinted 40% inside each mask, solid colour on its outline.
  const rgb = new Uint8Array(CROP_HEIGHT * CROP_WIDTH * 3);
  for (let p = 0; p < grey.length; p++) rgb.fill(grey[p], 3 * p, 3 * p + 3);
  for (let i = 0; i < synth.masks.length; i++) {
    const mask = synth.masks.get(i);
    const c = colour(i);
    for (let y = 0; y < CROP_HEIGHT; y++) {
      for (let x = 0; x < CROP_WIDTH; x++) {
        const p = y * synth.width + x;
        if (mask[p] === 0) continue;
        const edge = x === 0 || y === 0 || mask[p - 1] === 0 || mask[p + 1] === 0 || mask[p - synth.width] === 0 || mask[p + synth.width] === 0;
        const q = 3 * (y * CROP_WIDTH + x);
        for (let ch = 0; ch < 3; ch++) rgb[q + ch] = edge ? c[ch] : Math.round(0.6 * rgb[q + ch] + 0.4 * c[ch]);
      }
    }
  }
  await writePng(`docs/images/synth-${cellType}.png`, ndarray(grey, [CROP_HEIGHT, CROP_WIDTH]));
  await writePng(`docs/images/synth-${cellType}-masks.png`, ndarray(rgb, [CROP_HEIGHT, CROP_WIDTH, 3]));
  console.log(`docs/images/synth-${cellType}{,-masks}.png: ${synth.masks.length} instances`);
}
