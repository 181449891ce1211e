/**
 * NMS by mask IoU instead of box IoU: for cells whose boxes overlap a lot while their
 * masks do not (elongated or crossing cells).
 *
 * Shape shorthand: N: masks, K: kept masks. A mask is a counts RLE (`cellmask/rle`); all masks
 * cover the same pixels in the same order.
 */
import { rleArea, rleIntersectionArea, rleTotal } from '../rle/index.js';
import { checkScores, checkThreshold } from './checks.js';
import { describe } from '../utils/describe.js';
import { argsortDescending } from './order.js';

/**
 * Greedy NMS on masks: visits masks by descending score (ties: lower index first), keeps each
 * mask not yet suppressed and suppresses every later mask whose IoU with it is greater than
 * `iouThreshold`. IoU = intersection / union in pixels, 0 for two empty masks. Pairs whose
 * foreground spans (first to last pixel) do not meet are skipped without computing an IoU.
 *
 * @param masks [N] counts RLEs of the same total.
 * @param scores [N] finite scores.
 * @param iouThreshold suppress when mask IoU > this.
 * @returns [K] kept indices in descending score order.
 */
export function maskNms(masks: readonly Uint32Array[], scores: Float32Array, iouThreshold: number): Int32Array {
  if (!Array.isArray(masks)) throw new TypeError(`maskNms: masks must be an array of Uint32Array counts, got ${describe(masks)}`);
  const n = masks.length;
  checkScores(scores, n, 'maskNms');
  checkThreshold(iouThreshold, 'maskNms', 'iouThreshold');
  const area = new Float64Array(n);
  const first = new Float64Array(n);
  const last = new Float64Array(n);
  masks.forEach((counts, i) => {
    area[i] = rleArea(counts);
    if (i > 0 && rleTotal(counts) !== rleTotal(masks[0])) {
      throw new RangeError(`maskNms: masks[${i}] covers ${rleTotal(counts)} pixels but masks[0] covers ${rleTotal(masks[0])}`);
    }
    [first[i], last[i]] = foregroundSpan(counts);
  });
  const order = argsortDescending(scores);
  const suppressed = new Uint8Array(n);
  const kept: number[] = [];
  for (let p = 0; p < n; p++) {
    const i = order[p];
    if (suppressed[i] !== 0) continue;
    kept.push(i);
    for (let q = p + 1; q < n; q++) {
      const j = order[q];
      if (suppressed[j] !== 0) continue;
      const inter = first[j] < last[i] && first[i] < last[j] ? rleIntersectionArea(masks[i], masks[j]) : 0;
      const union = area[i] + area[j] - inter;
      if ((union > 0 ? inter / union : 0) > iouThreshold) suppressed[j] = 1;
    }
  }
  return Int32Array.from(kept);
}

/** Half-open span [first, last) of foreground pixels; [0, 0) for an empty mask. */
function foregroundSpan(counts: Uint32Array): [number, number] {
  let pos = 0;
  let first = -1;
  let last = 0;
  for (let k = 0; k < counts.length; k++) {
    if (k % 2 === 1 && counts[k] > 0) {
      if (first < 0) first = pos;
      last = pos + counts[k];
    }
    pos += counts[k];
  }
  return first < 0 ? [0, 0] : [first, last];
}
