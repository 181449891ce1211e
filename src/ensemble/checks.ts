/** Input checks shared by the ensemble ops; every error names the op, the argument and what came. */
import { describe } from '../utils/describe.js';

/** Throws unless every score of `scores` is a finite number; the error names `fn` and the index. */
export function checkScores(scores: unknown, n: number, fn: string, arg = 'scores'): asserts scores is Float32Array {
  if (!(scores instanceof Float32Array)) {
    throw new TypeError(`${fn}: ${arg} must be a Float32Array, got ${describe(scores)}`);
  }
  if (scores.length !== n) {
    throw new RangeError(`${fn}: ${arg} has length ${scores.length}, expected ${n} (one per box)`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`${fn}: ${arg}[${i}] is ${scores[i]}, expected a finite number`);
  }
}

/** Throws unless `boxes` is a Float32Array [N, 4] of finite numbers; returns N. */
export function checkBoxes(boxes: unknown, fn: string, arg = 'boxes'): number {
  if (!(boxes instanceof Float32Array)) {
    throw new TypeError(`${fn}: ${arg} must be a flat [N, 4] Float32Array, got ${describe(boxes)}`);
  }
  if (boxes.length % 4 !== 0) {
    throw new RangeError(`${fn}: ${arg} must be a flat [N, 4] array, got length ${boxes.length} (not a multiple of 4)`);
  }
  for (let k = 0; k < boxes.length; k++) {
    if (!Number.isFinite(boxes[k])) {
      throw new RangeError(`${fn}: ${arg}[${k >> 2}] has coordinate ${k & 3} = ${boxes[k]}, expected a finite number`);
    }
  }
  return boxes.length / 4;
}

/** Throws unless `threshold` is a finite number; the error names `fn` and `arg`. */
export function checkThreshold(threshold: unknown, fn: string, arg: string): asserts threshold is number {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new RangeError(`${fn}: ${arg} must be a finite number, got ${String(threshold)}`);
  }
}

