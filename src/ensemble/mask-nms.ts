/**
 * NMS by mask IoU instead of box IoU: for cells whose boxes overlap a lot while their
 * masks do not (elongated or crossing cells).
 *
 * Shape shorthand: N: masks, K: kept masks. A mask is a counts RLE (`cellmask/rle`); all masks
 * cover the same pixels in the same order.
 */
import { rleIouPairs } from '../rle/index.js';
import { checkScores, checkThreshold } from './checks.js';
import { describe } from '../utils/describe.js';
import { argsortDescending } from './order.js';

/**
 * Greedy NMS on masks: visits masks by descending score (ties: lower index first), keeps each
 * mask not yet suppressed and suppresses every later mask whose IoU with it is greater than
 * `iouThreshold`. IoU = intersection / union in pixels, 0 for two empty masks. The IoU of every
 * pair that shares a pixel is computed once (`rleIouPairs`), so the greedy pass walks short
 * neighbour lists instead of testing every pair.
 *
 * @param masks [N] counts RLEs of the same total.
 * @param scores [N] finite scores.
 * @param iouThreshold suppress when mask IoU > this (a negative threshold suppresses every
 *   other mask, as IoU 0 exceeds it).
 * @returns [K] kept indices in descending score order.
 */
export function maskNms(masks: readonly Uint32Array[], scores: Float32Array, iouThreshold: number): Int32Array {
  if (!Array.isArray(masks)) throw new TypeError(`maskNms: masks must be an array of Uint32Array counts, got ${describe(masks)}`);
  const n = masks.length;
  checkScores(scores, n, 'maskNms');
  checkThreshold(iouThreshold, 'maskNms', 'iouThreshold');
  const order = argsortDescending(scores);
  if (iouThreshold < 0) return order.slice(0, Math.min(1, n));
  // neighbours[i]: the masks whose IoU with mask i exceeds the threshold: [N] lists.
  const pairs = rleIouPairs(masks, masks);
  const neighbours: number[][] = Array.from({ length: n }, () => []);
  for (let k = 0; k < pairs.iou.length; k++) {
    if (pairs.dt[k] !== pairs.gt[k] && pairs.iou[k] > iouThreshold) neighbours[pairs.dt[k]].push(pairs.gt[k]);
  }
  const suppressed = new Uint8Array(n);
  const kept: number[] = [];
  for (const i of order) {
    if (suppressed[i] !== 0) continue;
    kept.push(i);
    for (const j of neighbours[i]) suppressed[j] = 1;
  }
  return Int32Array.from(kept);
}
