/**
 * Per-class score thresholds decided by an image's majority class. In the competition each
 * image holds one cell type, so the solution took the most frequent predicted class of an
 * image and applied that class's threshold (0.17 / 0.30 / 0.60 for shsy5y / astro / cort,
 * class ids 0, 1, 2) to all of the image's detections.
 *
 * Shape shorthand: N: detections, C: classes.
 */

import { describe } from '../utils/describe.js';
import { type Detections, checkDetections, selectDetections } from './detections.js';

/** The solution's score thresholds for class ids 0 (shsy5y), 1 (astro), 2 (cort). */
export const SOLUTION_CLASS_THRESHOLDS: readonly number[] = [0.17, 0.3, 0.6];

/**
 * The most frequent class of `classes` [N], or -1 when N = 0. With `scores` [N], each detection
 * votes with its score instead of 1. Ties go to the smallest class id (what the solution's
 * `max(set(classes), key=classes.count)` does for small non-negative ids).
 */
export function majorityClass(classes: Int32Array, scores?: Float32Array): number {
  if (!(classes instanceof Int32Array)) throw new TypeError(`majorityClass: classes must be an Int32Array, got ${describe(classes)}`);
  if (scores !== undefined && (!(scores instanceof Float32Array) || scores.length !== classes.length)) {
    throw new TypeError(`majorityClass: scores must be a Float32Array of length ${classes.length}, got ${describe(scores)}`);
  }
  const votes = new Map<number, number>();
  for (let i = 0; i < classes.length; i++) votes.set(classes[i], (votes.get(classes[i]) ?? 0) + (scores === undefined ? 1 : scores[i]));
  let best = -1;
  let bestVotes = -Infinity;
  for (const [c, v] of votes) {
    if (v > bestVotes || (v === bestVotes && c < best)) {
      best = c;
      bestVotes = v;
    }
  }
  return best;
}

/** Options of `applyClassThresholds` and `removeOverlaps`. */
export interface MajorityClassOption {
  /**
   * Use the image's majority class (`majorityClass(classes)`) for every detection instead of
   * each detection's own class. Default false; the solution used true.
   */
  readonly useMajorityClass?: boolean;
}

/**
 * Keeps the detections whose score is >= the threshold of their class (or of the image's
 * majority class), in their order. `thresholds[c]` is the threshold of class id c.
 */
export function applyClassThresholds(dets: Detections, thresholds: readonly number[], options: MajorityClassOption = {}): Detections {
  const n = checkDetections(dets, 'applyClassThresholds', 'dets');
  const classOf = classResolver(dets, thresholds, options, 'applyClassThresholds', 'thresholds');
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (dets.scores[i] >= thresholds[classOf(i)]) keep.push(i);
  return selectDetections(dets, keep);
}

/**
 * Which class's setting applies to detection i: its own class or the majority class.
 * Checks that `perClass` has a finite number for every class that will be looked up.
 */
export function classResolver(
  dets: Detections,
  perClass: readonly number[],
  { useMajorityClass = false }: MajorityClassOption,
  fn: string,
  arg: string,
): (i: number) => number {
  if (!Array.isArray(perClass) || !perClass.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new TypeError(`${fn}: ${arg} must be an array of finite numbers (one per class id), got ${describe(perClass)}`);
  }
  const check = (c: number, i: number): void => {
    if (c < 0 || c >= perClass.length) {
      throw new RangeError(`${fn}: detection ${i} has class ${c}, but ${arg} has ${perClass.length} entries (class ids 0..${perClass.length - 1})`);
    }
  };
  if (useMajorityClass) {
    const majority = majorityClass(dets.classes);
    if (dets.classes.length > 0) check(majority, dets.classes.indexOf(majority));
    return () => majority;
  }
  dets.classes.forEach(check);
  return (i) => dets.classes[i];
}
