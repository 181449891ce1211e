/**
 * The Sartorius competition's metric for one image: MAP-IoU.
 *
 * Shape shorthand: G: true objects (truths), P: predicted objects.
 *
 * For each IoU threshold t in 0.50, 0.55, ..., 0.95 a prediction matches a truth when their
 * IoU > t (strictly). Over the boolean [G, P] matrix `iou > t`:
 *   TP(t) = truths matched by exactly one prediction,
 *   FP(t) = predictions matched by no truth,
 *   FN(t) = truths matched by no prediction,
 *   precision(t) = TP / (TP + FP + FN),
 * and the image score is the mean of precision(t) over the ten thresholds. A truth matched by
 * two or more predictions counts as neither TP nor FN (possible when predictions overlap).
 */
import { rleIouPairs } from '../rle/index.js';
import { describe } from '../utils/describe.js';

/**
 * The ten IoU thresholds 0.50, 0.55, ..., 0.95, each computed as (50 + 5k) / 100 so that every
 * one is the double nearest its decimal value (no accumulated step error).
 */
export const MAP_IOU_THRESHOLDS: readonly number[] = Object.freeze(
  Array.from({ length: 10 }, (_, k) => (50 + 5 * k) / 100),
);

/** The counts at one IoU threshold. */
export interface ThresholdCounts {
  /** The IoU threshold t; a pair matches when IoU > t. */
  readonly t: number;
  /** Truths matched by exactly one prediction. */
  readonly tp: number;
  /** Predictions matched by no truth. */
  readonly fp: number;
  /** Truths matched by no prediction. */
  readonly fn: number;
  /** TP / (TP + FP + FN); 1 when the image has neither truths nor predictions. */
  readonly precision: number;
}

/** The MAP-IoU of one image. */
export interface MapIouResult {
  /** Mean of `precision` over the thresholds, in [0, 1]. */
  readonly score: number;
  /** One entry per threshold of `MAP_IOU_THRESHOLDS`, in increasing t. */
  readonly perThreshold: readonly ThresholdCounts[];
}

/**
 * MAP-IoU of one image from its IoU matrix.
 *
 * @param iou row-major [G, P]: `iou[g * numPred + p]` is the IoU of truth g and prediction p.
 * @param numTruth G, the number of true objects.
 * @param numPred P, the number of predicted objects.
 *
 * With no truths and no predictions the image scores 1; with only one of the two it scores 0.
 * When every truth is matched by several predictions and every prediction matches, the
 * denominator TP + FP + FN is 0 with TP = 0; precision(t) is then 0 (nothing was found once).
 */
export function mapIouFromIou(iou: Float64Array, numTruth: number, numPred: number): MapIouResult {
  checkCount('numTruth', numTruth);
  checkCount('numPred', numPred);
  if (!(iou instanceof Float64Array) || iou.length !== numTruth * numPred) {
    throw new Error(
      `mapIouFromIou: iou must be a Float64Array of numTruth * numPred = ${numTruth} * ${numPred} = ` +
        `${numTruth * numPred} values, got ${describe(iou)}`,
    );
  }
  // Only pairs above the lowest threshold can match at any threshold; with non-overlapping
  // predictions these are at most min(G, P), so the per-threshold work is on a short list.
  const lowest = MAP_IOU_THRESHOLDS[0];
  const pairTruth: number[] = [];
  const pairPred: number[] = [];
  const pairIou: number[] = [];
  for (let g = 0; g < numTruth; g++) {
    const row = g * numPred;
    for (let p = 0; p < numPred; p++) {
      const v = iou[row + p];
      if (v > lowest) {
        pairTruth.push(g);
        pairPred.push(p);
        pairIou.push(v);
      }
    }
  }
  return scorePairs(pairTruth, pairPred, pairIou, numTruth, numPred);
}

/** MAP-IoU from the [K] (truth, prediction, IoU) pairs that can match; the other pairs do not count. */
function scorePairs(
  pairTruth: ArrayLike<number>,
  pairPred: ArrayLike<number>,
  pairIou: ArrayLike<number>,
  numTruth: number,
  numPred: number,
): MapIouResult {
  const truthMatches = new Int32Array(numTruth);
  const predMatches = new Int32Array(numPred);
  const perThreshold = MAP_IOU_THRESHOLDS.map((t): ThresholdCounts => {
    truthMatches.fill(0);
    predMatches.fill(0);
    for (let k = 0; k < pairIou.length; k++) {
      if (pairIou[k] > t) {
        truthMatches[pairTruth[k]]++;
        predMatches[pairPred[k]]++;
      }
    }
    let tp = 0;
    let fn = 0;
    for (let g = 0; g < numTruth; g++) {
      if (truthMatches[g] === 1) tp++;
      else if (truthMatches[g] === 0) fn++;
    }
    let fp = 0;
    for (let p = 0; p < numPred; p++) if (predMatches[p] === 0) fp++;
    const total = tp + fp + fn;
    const precision = numTruth === 0 && numPred === 0 ? 1 : total === 0 ? 0 : tp / total;
    return { t, tp, fp, fn, precision };
  });
  let sum = 0;
  for (const c of perThreshold) sum += c.precision;
  return { score: sum / perThreshold.length, perThreshold };
}

/**
 * MAP-IoU of one image from its masks as uncompressed run-length counts (see `cellmask/rle`):
 * each `Uint32Array` alternates background and foreground run lengths, starting with background,
 * over the image's pixels in one fixed order (row-major for Kaggle RLE, column-major for COCO);
 * all masks of the image must use the same order and size. Truths may overlap each other.
 *
 * @param truth G true masks.
 * @param pred P predicted masks.
 */
export function mapIouImage(truth: readonly Uint32Array[], pred: readonly Uint32Array[]): MapIouResult {
  checkMasks('truth', truth);
  checkMasks('pred', pred);
  const pairs = rleIouPairs(truth, pred);
  return scorePairs(pairs.dt, pairs.gt, pairs.iou, truth.length, pred.length);
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`mapIouFromIou: ${name} must be a non-negative integer, got ${String(n)}`);
  }
}

function checkMasks(name: string, masks: readonly Uint32Array[]): void {
  if (!Array.isArray(masks)) throw new Error(`mapIouImage: ${name} must be an array of Uint32Array counts, got ${describe(masks)}`);
  masks.forEach((m, i) => {
    if (!(m instanceof Uint32Array)) {
      throw new Error(`mapIouImage: ${name}[${i}] must be a Uint32Array of run-length counts, got ${describe(m)}`);
    }
  });
}
