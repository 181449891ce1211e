/**
 * Precision and recall over all images, as pycocotools' `COCOeval.accumulate`.
 *
 * Shape shorthand: T: IoU thresholds, R: recall thresholds, K: categories, A: area ranges,
 * M: detection limits, I: images.
 */
import type { CocoEvalParams } from './cocoParams.js';
import type { CocoImageEvaluation } from './cocoEvaluateImage.js';

/** Accumulated COCO results; -1 marks settings with no non-ignored ground truth. */
export interface CocoAccumulation {
  /** The dimensions [T, R, K, A, M]. */
  readonly counts: readonly [number, number, number, number, number];
  /** Row-major [T, R, K, A, M]: interpolated precision at each recall threshold. */
  readonly precision: Float64Array;
  /** Row-major [T, K, A, M]: the recall reached with all (up to maxDet) detections. */
  readonly recall: Float64Array;
  /** Row-major [T, R, K, A, M]: the score of the detection where each recall threshold is reached. */
  readonly scores: Float64Array;
}

/**
 * Accumulates per-image evaluations into precision/recall arrays.
 *
 * @param evalImgs row-major [K, A, I] (category slowest, image fastest), `undefined` where an
 *   image has neither ground truth nor detections, evaluated with maxDet = the largest maxDets.
 * @param params the parameters the evaluations were made with (`maxDets` sorted).
 * @param numCategories K (1 when categories are not used).
 * @param numImages I.
 *
 * For each (category, area range, maxDet), the detections of all images (each image's first
 * maxDet) are sorted by score (stable, image order breaking ties); at each IoU threshold,
 * precision is made monotone from the right and read at the first detection whose recall
 * reaches each recall threshold (numpy's `searchsorted(..., 'left')`); past the last reached
 * recall it is 0.
 */
export function cocoAccumulate(
  evalImgs: readonly (CocoImageEvaluation | undefined)[],
  params: CocoEvalParams,
  numCategories: number,
  numImages: number,
): CocoAccumulation {
  const T = params.iouThresholds.length;
  const R = params.recallThresholds.length;
  const A = params.areaRanges.length;
  const M = params.maxDets.length;
  const K = numCategories;
  if (evalImgs.length !== K * A * numImages) {
    throw new Error(
      `cocoAccumulate: evalImgs must hold K * A * I = ${K} * ${A} * ${numImages} entries, got ${evalImgs.length}`,
    );
  }
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const scores = new Float64Array(T * R * K * A * M).fill(-1);
  const spacing = Number.EPSILON; // numpy's np.spacing(1), keeps 0/0 out of precision

  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const images: CocoImageEvaluation[] = [];
      for (let i = 0; i < numImages; i++) {
        const e = evalImgs[(k * A + a) * numImages + i];
        if (e !== undefined) images.push(e);
      }
      if (images.length === 0) continue;
      let numPositive = 0;
      for (const e of images) for (const ig of e.gtIgnore) if (ig === 0) numPositive++;
      if (numPositive === 0) continue;
      for (let m = 0; m < M; m++) {
        const maxDet = params.maxDets[m];
        const pooled = poolDetections(images, maxDet, T);
        const nd = pooled.scores.length;
        const rc = new Float64Array(nd);
        const pr = new Float64Array(nd);
        for (let t = 0; t < T; t++) {
          let tpSum = 0;
          let fpSum = 0;
          for (let j = 0; j < nd; j++) {
            if (pooled.ignored[t * nd + j] === 0) {
              if (pooled.matched[t * nd + j] !== 0) tpSum++;
              else fpSum++;
            }
            rc[j] = tpSum / numPositive;
            pr[j] = tpSum / (fpSum + tpSum + spacing);
          }
          recall[((t * K + k) * A + a) * M + m] = nd > 0 ? rc[nd - 1] : 0;
          for (let j = nd - 1; j > 0; j--) if (pr[j] > pr[j - 1]) pr[j - 1] = pr[j];
          let j = 0;
          for (let r = 0; r < R; r++) {
            const threshold = params.recallThresholds[r];
            while (j < nd && rc[j] < threshold) j++;
            const at = (((t * R + r) * K + k) * A + a) * M + m;
            precision[at] = j < nd ? pr[j] : 0;
            scores[at] = j < nd ? pooled.scores[j] : 0;
          }
        }
      }
    }
  }
  return { counts: [T, R, K, A, M], precision, recall, scores };
}

/**
 * The first `maxDet` detections of each image, pooled and sorted by score (stable):
 * `scores` [N], and row-major [T, N] flags `matched` and `ignored`.
 */
function poolDetections(images: readonly CocoImageEvaluation[], maxDet: number, T: number) {
  const source: { image: CocoImageEvaluation; d: number; score: number }[] = [];
  for (const image of images) {
    const n = Math.min(maxDet, image.dtScores.length);
    for (let d = 0; d < n; d++) source.push({ image, d, score: image.dtScores[d] });
  }
  // Array.prototype.sort is stable (ES2019), as numpy's mergesort is.
  source.sort((x, y) => y.score - x.score);
  const n = source.length;
  const matched = new Uint8Array(T * n);
  const ignored = new Uint8Array(T * n);
  for (let j = 0; j < n; j++) {
    const { image, d } = source[j];
    const numDt = image.dtScores.length;
    for (let t = 0; t < T; t++) {
      matched[t * n + j] = image.dtMatches[t * numDt + d] !== 0 ? 1 : 0;
      ignored[t * n + j] = image.dtIgnore[t * numDt + d];
    }
  }
  return { scores: Float64Array.from(source, (s) => s.score), matched, ignored };
}
