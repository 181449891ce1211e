/**
 * Box non-maximum suppression with torchvision's semantics (`torchvision.ops.nms` and
 * `batched_nms`).
 *
 * Shape shorthand: N: boxes, K: kept boxes. Boxes are absolute `x1, y1, x2, y2` (any unit; IoU
 * does not depend on it), one flat row-major Float32Array [N, 4].
 */
import { checkBoxes, checkScores, checkThreshold } from './checks.js';
import { describe } from '../utils/describe.js';
import { greedyNms } from './greedy-nms.js';
import { argsortDescending } from './order.js';

/**
 * Greedy NMS: visits boxes by descending score, keeps each box not yet suppressed and suppresses
 * every lower-scored box whose IoU with it is greater than `iouThreshold` (strictly). IoU uses
 * `area = (x2 - x1) * (y2 - y1)` (no +1) in float32, as torchvision does, so the result is the
 * same as `torchvision.ops.nms`; for equal scores the lower index comes first.
 *
 * @param boxes [N, 4] `x1, y1, x2, y2`, finite.
 * @param scores [N] finite scores.
 * @param iouThreshold suppress when IoU > this.
 * @returns [K] indices of the kept boxes in descending score order.
 */
export function nms(boxes: Float32Array, scores: Float32Array, iouThreshold: number): Int32Array {
  const n = checkBoxes(boxes, 'nms');
  checkScores(scores, n, 'nms');
  checkThreshold(iouThreshold, 'nms', 'iouThreshold');
  return greedyNms(boxes, argsortDescending(scores), iouThreshold);
}

/**
 * NMS within each class independently (`torchvision.ops.batched_nms`): boxes of different
 * classes never suppress each other. The kept indices of all classes are returned together in
 * descending score order (ties: lower index first).
 *
 * torchvision runs small inputs through an offset trick (boxes shifted per class) whose float32
 * rounding can differ at the threshold; this follows its per-class path (`_batched_nms_vanilla`).
 *
 * @param boxes [N, 4] `x1, y1, x2, y2`, finite.
 * @param scores [N] finite scores.
 * @param classes [N] integer class ids (any values).
 * @param iouThreshold suppress when IoU > this.
 * @returns [K] indices of the kept boxes in descending score order.
 */
export function batchedNms(boxes: Float32Array, scores: Float32Array, classes: Int32Array, iouThreshold: number): Int32Array {
  const n = checkBoxes(boxes, 'batchedNms');
  checkScores(scores, n, 'batchedNms');
  if (!(classes instanceof Int32Array) || classes.length !== n) {
    throw new TypeError(`batchedNms: classes must be an Int32Array of length ${n} (one per box), got ${describe(classes)}`);
  }
  checkThreshold(iouThreshold, 'batchedNms', 'iouThreshold');
  const order = argsortDescending(scores);
  // (N) score order -> one score-ordered list per class.
  const perClass = new Map<number, number[]>();
  for (let p = 0; p < n; p++) {
    const c = classes[order[p]];
    const list = perClass.get(c);
    if (list === undefined) perClass.set(c, [order[p]]);
    else list.push(order[p]);
  }
  const rank = new Int32Array(n);
  for (let p = 0; p < n; p++) rank[order[p]] = p;
  const keptRanks: number[] = [];
  for (const list of perClass.values()) {
    for (const i of greedyNms(boxes, Int32Array.from(list), iouThreshold)) keptRanks.push(rank[i]);
  }
  const kept = Int32Array.from(keptRanks).sort();
  for (let k = 0; k < kept.length; k++) kept[k] = order[kept[k]];
  return kept;
}
