/**
 * Balanced sampling of positives and negatives: Detectron2's `subsample_labels`
 * (detectron2/modeling/sampling.py), which is torchvision's `BalancedPositiveNegativeSampler`.
 *
 * Shape shorthand: N: labelled elements (anchors or proposals), P, Q: sampled positives and
 * negatives.
 */
import { Random } from '../utils/random.js';
import { describe } from '../utils/describe.js';

/** Indices of the sampled elements, each array ascending. */
export interface SampledIndices {
  /** [P] positives. */
  readonly positive: Int32Array;
  /** [Q] negatives. */
  readonly negative: Int32Array;
}

/**
 * Samples up to `batchSizePerImage` elements of `labels`, aiming at `positiveFraction`
 * positives and filling the rest with negatives:
 * `P = min(floor(batchSizePerImage * positiveFraction), #positives)`,
 * `Q = min(batchSizePerImage - P, #negatives)`; each group is drawn uniformly without
 * replacement (the first elements of a seeded random permutation, as `torch.randperm(n)[:k]`).
 * The draws come from `rng`, so they differ from PyTorch's; only their distribution is the same.
 *
 * @param labels [N]: -1 ignore, `backgroundLabel` negative, anything else positive (a class
 *   for the ROI heads, 1 for the RPN).
 * @returns indices into `labels`, ascending within each group (order does not matter to the losses).
 */
export function subsampleLabels(
  labels: Int32Array | Int8Array,
  batchSizePerImage: number,
  positiveFraction: number,
  backgroundLabel: number,
  rng: Random,
): SampledIndices {
  const fn = 'subsampleLabels';
  if (!(labels instanceof Int32Array || labels instanceof Int8Array)) {
    throw new TypeError(`${fn}: labels must be an Int32Array or Int8Array, got ${describe(labels)}`);
  }
  if (!Number.isInteger(batchSizePerImage) || batchSizePerImage < 0) {
    throw new RangeError(`${fn}: batchSizePerImage must be a non-negative integer, got ${describe(batchSizePerImage)}`);
  }
  if (typeof positiveFraction !== 'number' || !(positiveFraction >= 0 && positiveFraction <= 1)) {
    throw new RangeError(`${fn}: positiveFraction must be a number in [0, 1], got ${describe(positiveFraction)}`);
  }
  if (!Number.isInteger(backgroundLabel) || backgroundLabel === -1) {
    throw new RangeError(`${fn}: backgroundLabel must be an integer other than -1 (the ignore label), got ${describe(backgroundLabel)}`);
  }
  if (!(rng instanceof Random)) throw new TypeError(`${fn}: rng must be a Random, got ${describe(rng)}`);
  let positives = 0;
  let negatives = 0;
  for (const l of labels) {
    if (l === backgroundLabel) negatives++;
    else if (l !== -1) positives++;
  }
  const positive = new Int32Array(positives);
  const negative = new Int32Array(negatives);
  positives = 0;
  negatives = 0;
  labels.forEach((l, i) => {
    if (l === backgroundLabel) negative[negatives++] = i;
    else if (l !== -1) positive[positives++] = i;
  });
  // Python's int() of the float product, as Detectron2 computes it.
  const numPos = Math.min(Math.trunc(batchSizePerImage * positiveFraction), positive.length);
  const numNeg = Math.min(batchSizePerImage - numPos, negative.length);
  return { positive: sampleWithoutReplacement(positive, numPos, rng), negative: sampleWithoutReplacement(negative, numNeg, rng) };
}

/** `k` of `items` drawn without replacement (a partial Fisher-Yates shuffle of `items`, in place), ascending. */
function sampleWithoutReplacement(items: Int32Array, k: number, rng: Random): Int32Array {
  if (k === items.length) return items;
  for (let i = 0; i < k; i++) {
    const j = rng.int(i, items.length);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items.slice(0, k).sort();
}

/** Checks `batchSizePerImage` and `positiveFraction` of a caller's options, naming `fn`. */
export function checkSamplingOptions(options: { readonly batchSizePerImage: number; readonly positiveFraction: number }, fn: string): void {
  if (!Number.isInteger(options.batchSizePerImage) || options.batchSizePerImage < 0) {
    throw new RangeError(`${fn}: options.batchSizePerImage must be a non-negative integer, got ${describe(options.batchSizePerImage)}`);
  }
  if (typeof options.positiveFraction !== 'number' || !(options.positiveFraction >= 0 && options.positiveFraction <= 1)) {
    throw new RangeError(`${fn}: options.positiveFraction must be a number in [0, 1], got ${describe(options.positiveFraction)}`);
  }
}

/**
 * Checks a sample injected by a caller (in place of `subsampleLabels`' draw) and returns it
 * with each group ascending: indices must be integers in [0, n), distinct, positives must
 * satisfy `isPositive` and negatives `isNegative` (`positiveRule`, `negativeRule` say what
 * these require, for the message).
 */
export function checkInjectedSample(
  sampled: SampledIndices,
  n: number,
  isPositive: (i: number) => boolean,
  isNegative: (i: number) => boolean,
  fn: string,
  positiveRule: string,
  negativeRule: string,
): SampledIndices {
  const seen = new Uint8Array(n);
  const check = (indices: Int32Array, group: 'positive' | 'negative'): Int32Array => {
    if (!(indices instanceof Int32Array)) throw new TypeError(`${fn}: sampled.${group} must be an Int32Array, got ${describe(indices)}`);
    for (const i of indices) {
      if (!(i >= 0 && i < n)) throw new RangeError(`${fn}: sampled.${group} holds index ${i}, outside [0, ${n})`);
      if (seen[i]) throw new RangeError(`${fn}: sampled index ${i} appears more than once`);
      seen[i] = 1;
      const ok = group === 'positive' ? isPositive(i) : isNegative(i);
      if (!ok) throw new RangeError(`${fn}: sampled.${group} holds index ${i}, which does not have ${group === 'positive' ? positiveRule : negativeRule}`);
    }
    return indices.slice().sort();
  };
  if (sampled === null || typeof sampled !== 'object') throw new TypeError(`${fn}: sampled must be { positive, negative }, got ${describe(sampled)}`);
  return { positive: check(sampled.positive, 'positive'), negative: check(sampled.negative, 'negative') };
}
