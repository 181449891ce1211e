/**
 * Soft-NMS (Bodla et al., "Soft-NMS: Improving Object Detection With One Line of Code",
 * ICCV 2017): instead of discarding the boxes that overlap a selected box, decay their scores.
 *
 * Shape shorthand: N: boxes, K: kept boxes. Boxes are absolute `x1, y1, x2, y2`.
 */
import { checkBoxes, checkScores, checkThreshold } from './checks.js';

/** Options of `softNms`; the defaults are those of the authors' reference code. */
export interface SoftNmsOptions {
  /** Score decay for an overlap `iou` with a selected box: `linear` multiplies by `1 - iou` when
   * `iou > iouThreshold` (Eq. 3 of the paper), `gaussian` by `exp(-iou^2 / sigma)` (Eq. 4). */
  readonly method: 'linear' | 'gaussian';
  /** Gaussian spread. Default 0.5. */
  readonly sigma?: number;
  /** Linear method only: overlaps at or below this do not decay. Default 0.3. */
  readonly iouThreshold?: number;
  /** Boxes whose (decayed) score falls below this are dropped. Default 0.001. */
  readonly scoreThreshold?: number;
}

/** The result of `softNms`: kept boxes in selection order and their scores when selected. */
export interface SoftNmsResult {
  /** [K] indices into the input boxes, in the order they were selected (descending decayed score). */
  readonly keep: Int32Array;
  /** [K] the decayed score of each kept box, aligned with `keep`. */
  readonly scores: Float32Array;
}

/**
 * Soft-NMS as in the authors' `cpu_soft_nms`: repeatedly select the box with the highest current
 * score, decay the scores of the remaining boxes by their IoU with it, drop those below
 * `scoreThreshold`. Deliberate differences from that code: IoU uses `(x2 - x1) * (y2 - y1)` areas
 * (no +1, this library's and torchvision's convention), boxes that start below `scoreThreshold`
 * are dropped too (the reference keeps such a box when no selected box overlaps it), and equal
 * scores select the lower index first. Scores are decayed in float64. O(N^2).
 *
 * @param boxes [N, 4] `x1, y1, x2, y2`, finite.
 * @param scores [N] finite scores.
 */
export function softNms(boxes: Float32Array, scores: Float32Array, options: SoftNmsOptions): SoftNmsResult {
  const n = checkBoxes(boxes, 'softNms');
  checkScores(scores, n, 'softNms');
  const { method, sigma = 0.5, iouThreshold = 0.3, scoreThreshold = 0.001 } = options;
  if (method !== 'linear' && method !== 'gaussian') {
    throw new RangeError(`softNms: options.method must be "linear" or "gaussian", got ${JSON.stringify(method)}`);
  }
  checkThreshold(sigma, 'softNms', 'options.sigma');
  if (!(sigma > 0)) throw new RangeError(`softNms: options.sigma must be positive, got ${sigma}`);
  checkThreshold(iouThreshold, 'softNms', 'options.iouThreshold');
  checkThreshold(scoreThreshold, 'softNms', 'options.scoreThreshold');
  const current = Float64Array.from(scores);
  const area = new Float64Array(n);
  for (let i = 0; i < n; i++) area[i] = (boxes[4 * i + 2] - boxes[4 * i]) * (boxes[4 * i + 3] - boxes[4 * i + 1]);
  // Live boxes in index order, so that the first maximum found is the lowest index.
  let live: number[] = [];
  for (let i = 0; i < n; i++) if (current[i] >= scoreThreshold) live.push(i);
  const keep: number[] = [];
  const kept: number[] = [];
  while (live.length > 0) {
    let best = 0;
    for (let k = 1; k < live.length; k++) if (current[live[k]] > current[live[best]]) best = k;
    const i = live[best];
    keep.push(i);
    kept.push(current[i]);
    const next: number[] = [];
    for (const j of live) {
      if (j === i) continue;
      const iou = boxIou(boxes, area, i, j);
      const decay = method === 'linear' ? (iou > iouThreshold ? 1 - iou : 1) : Math.exp(-(iou * iou) / sigma);
      current[j] *= decay;
      if (current[j] >= scoreThreshold) next.push(j);
    }
    live = next;
  }
  return { keep: Int32Array.from(keep), scores: Float32Array.from(kept) };
}

/** IoU of boxes i and j in float64; 0 when they do not overlap. */
function boxIou(boxes: Float32Array, area: Float64Array, i: number, j: number): number {
  const w = Math.min(boxes[4 * i + 2], boxes[4 * j + 2]) - Math.max(boxes[4 * i], boxes[4 * j]);
  if (!(w > 0)) return 0;
  const h = Math.min(boxes[4 * i + 3], boxes[4 * j + 3]) - Math.max(boxes[4 * i + 1], boxes[4 * j + 1]);
  if (!(h > 0)) return 0;
  const inter = w * h;
  return inter / (area[i] + area[j] - inter);
}
