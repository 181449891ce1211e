/**
 * Greedy matching of one image and one category at one area range, exactly as pycocotools'
 * `COCOeval.evaluateImg`.
 *
 * Shape shorthand: T: IoU thresholds, D: detections (sorted by score, at most maxDet),
 * G: ground-truth objects (in the order given by the caller).
 */
import type { AreaRange } from './cocoParams.js';

/** The objects of one (image, category) pair, as `cocoEvaluateImage` needs them. */
export interface CocoImageObjects {
  /** [G] ground-truth annotation ids (COCO `id`). */
  readonly gtIds: readonly number[];
  /** [G] ground-truth areas (the annotation's `area` field). */
  readonly gtAreas: readonly number[];
  /** [G] 1 for crowd regions (`iscrowd`), else 0; crowds are ignored and may absorb many detections. */
  readonly gtCrowd: readonly number[];
  /** [D] detection ids (1-based position in the results, as pycocotools' `loadRes` numbers them), sorted by score. */
  readonly dtIds: readonly number[];
  /** [D] detection areas (box w*h for bbox, mask pixels for segm). */
  readonly dtAreas: readonly number[];
  /** [D] detection scores, non-increasing. */
  readonly dtScores: readonly number[];
  /** Row-major [D, G] IoU of each detection with each ground truth (crowd columns: intersection / detection area). */
  readonly ious: Float64Array;
}

/** pycocotools' `evalImgs` entry: the matches of one (image, category, area range). */
export interface CocoImageEvaluation {
  readonly imageId: number;
  /** The category, or -1 when categories are not used. */
  readonly categoryId: number;
  readonly areaRange: AreaRange;
  readonly maxDet: number;
  /** [D] detection ids, by decreasing score. */
  readonly dtIds: readonly number[];
  /** [G] ground-truth ids, non-ignored first (stable). */
  readonly gtIds: readonly number[];
  /** Row-major [T, D]: id of the ground truth each detection matched at each threshold, 0 if none. */
  readonly dtMatches: Float64Array;
  /** Row-major [T, G]: id of the detection each ground truth matched at each threshold, 0 if none. */
  readonly gtMatches: Float64Array;
  /** [D] detection scores, non-increasing. */
  readonly dtScores: Float64Array;
  /** [G] 1 when the ground truth is ignored (crowd, or area outside the range). */
  readonly gtIgnore: Uint8Array;
  /** Row-major [T, D]: 1 when the detection is ignored (matched an ignored ground truth, or unmatched and outside the area range). */
  readonly dtIgnore: Uint8Array;
}

/**
 * Matches the detections of one image and category to its ground truth at every IoU threshold.
 *
 * Detections are taken in the given (score) order, up to `maxDet`. Ground truths are reordered
 * with non-ignored ones first; each detection takes the unmatched (or crowd) ground truth of
 * highest IoU >= min(t, 1 - 1e-10), ties going to the earlier one, and once it holds a
 * non-ignored ground truth it stops before the ignored ones, so a real match beats an ignored one.
 *
 * @returns `undefined` when there is neither ground truth nor detection (pycocotools' `None`).
 */
export function cocoEvaluateImage(
  objects: CocoImageObjects,
  imageId: number,
  categoryId: number,
  areaRange: AreaRange,
  maxDet: number,
  iouThresholds: readonly number[],
): CocoImageEvaluation | undefined {
  const numGt = objects.gtIds.length;
  const numDtAll = objects.dtIds.length;
  if (numGt === 0 && numDtAll === 0) return undefined;
  if (objects.ious.length !== numDtAll * numGt) {
    throw new Error(
      `cocoEvaluateImage: ious must hold D * G = ${numDtAll} * ${numGt} values for image ${imageId}, got ${objects.ious.length}`,
    );
  }
  const [minArea, maxArea] = areaRange;
  const outside = (area: number) => area < minArea || area > maxArea;
  const ignoredGt = objects.gtIds.map((_, g) => objects.gtCrowd[g] !== 0 || outside(objects.gtAreas[g]));
  // Stable order with ignored ground truth last (numpy's mergesort on the ignore flags).
  const gtOrder = [...objects.gtIds.keys()].sort((a, b) => Number(ignoredGt[a]) - Number(ignoredGt[b]));
  const numDt = Math.min(numDtAll, maxDet);
  const numT = iouThresholds.length;
  const gtIgnore = Uint8Array.from(gtOrder, (g) => Number(ignoredGt[g]));
  const gtCrowd = gtOrder.map((g) => objects.gtCrowd[g] !== 0);
  const dtMatches = new Float64Array(numT * numDt);
  const gtMatches = new Float64Array(numT * numGt);
  const dtIgnore = new Uint8Array(numT * numDt);

  for (let t = 0; t < numT; t++) {
    for (let d = 0; d < numDt; d++) {
      let best = Math.min(iouThresholds[t], 1 - 1e-10);
      let m = -1;
      const row = d * numGt;
      for (let j = 0; j < numGt; j++) {
        if (gtMatches[t * numGt + j] > 0 && !gtCrowd[j]) continue;
        if (m > -1 && gtIgnore[m] === 0 && gtIgnore[j] === 1) break;
        const iou = objects.ious[row + gtOrder[j]];
        if (iou < best) continue;
        best = iou;
        m = j;
      }
      if (m === -1) continue;
      dtIgnore[t * numDt + d] = gtIgnore[m];
      dtMatches[t * numDt + d] = objects.gtIds[gtOrder[m]];
      gtMatches[t * numGt + m] = objects.dtIds[d];
    }
  }
  for (let d = 0; d < numDt; d++) {
    if (!outside(objects.dtAreas[d])) continue;
    for (let t = 0; t < numT; t++) if (dtMatches[t * numDt + d] === 0) dtIgnore[t * numDt + d] = 1;
  }
  return {
    imageId,
    categoryId,
    areaRange,
    maxDet,
    dtIds: objects.dtIds.slice(0, numDt),
    gtIds: gtOrder.map((g) => objects.gtIds[g]),
    dtMatches,
    gtMatches,
    dtScores: Float64Array.from(objects.dtScores.slice(0, numDt)),
    gtIgnore,
    dtIgnore,
  };
}
