/**
 * What the `cellmask predict` tests share: the small network of the model tests as `--set`
 * arguments (every detection kept, at most 12) and 60 x 80 pictures of dark discs.
 */
import ndarray from 'ndarray';

import { SMALL_NETWORK } from '../model/small-network.js';

/** The small network, every detection kept, at most 12. */
export const SMALL = [...SMALL_NETWORK, 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.0', 'TEST.DETECTIONS_PER_IMAGE=12'];
export const SETS = SMALL.flatMap((kv) => ['--set', kv]);
export const H = 60;
export const W = 80;

/** Dark discs on grey, `channels` copies of the grey value per pixel, the pattern shifted by (dx, dy). */
export function cells(channels: 1 | 3, dx: number, dy = 0): ndarray.NdArray<Uint8Array> {
  const data = new Uint8Array(H * W * channels).fill(128);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (((x + dx) % 24) ** 2 + ((y + dy) % 20) ** 2 < 40) data.fill(60, (y * W + x) * channels, (y * W + x + 1) * channels);
    }
  }
  return ndarray(data, channels === 1 ? [H, W] : [H, W, channels]);
}
