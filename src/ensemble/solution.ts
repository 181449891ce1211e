/**
 * The solution's post-processing of one image, from each model's detections to the masks it
 * submits: each model's detections thresholded by its majority class, pooled, duplicates
 * suppressed (class-aware box NMS at IoU 0.4; or mask NMS, or WBF), then overlaps removed in
 * descending score order by the pooled majority class's minimum size.
 *
 * Shape shorthand: M: models.
 */
import { SOLUTION_CLASS_THRESHOLDS, applyClassThresholds } from './class-thresholds.js';
import type { Detections } from './detections.js';
import { SOLUTION_MIN_PIXELS, removeOverlaps } from './overlaps.js';
import { ensembleNms, ensembleWbf, poolDetections } from './pool.js';

export const ENSEMBLE_METHODS = ['nms', 'mask-nms', 'wbf'] as const;
export type EnsembleMethod = (typeof ENSEMBLE_METHODS)[number];

export interface SolutionEnsembleOptions {
  /** `nms`: box NMS (default, the solution's); `mask-nms`: NMS by mask IoU; `wbf`: weighted boxes fusion. */
  readonly method?: EnsembleMethod;
  /** IoU threshold of the NMS or WBF; default 0.4. */
  readonly iouThreshold?: number;
  /** Detections of different classes do not suppress each other (default true, as `ensemble_boxes.nms`). */
  readonly classAware?: boolean;
  /** Per-class score thresholds by majority class; default the solution's; `null` keeps every detection. */
  readonly classThresholds?: readonly number[] | null;
  /** Per-class minimum mask pixels after overlap removal; default the solution's. */
  readonly minPixels?: readonly number[];
}

/**
 * The solution's ensemble of M >= 1 models' detections of one image (all of the same size).
 * Overlaps are removed only when the detections carry masks.
 */
export function solutionEnsemble(perModel: readonly Detections[], options: SolutionEnsembleOptions = {}): Detections {
  const { method = 'nms', iouThreshold = 0.4, classAware = true, minPixels = SOLUTION_MIN_PIXELS } = options;
  const thresholds = options.classThresholds === undefined ? SOLUTION_CLASS_THRESHOLDS : options.classThresholds;
  const thresholded = thresholds === null ? perModel : perModel.map((d) => applyClassThresholds(d, thresholds, { useMajorityClass: true }));
  const ensembled =
    method === 'wbf'
      ? ensembleWbf(thresholded, { iouThreshold })
      : ensembleNms(poolDetections(thresholded), { iouThreshold, classAware, iou: method === 'mask-nms' ? 'mask' : 'box' });
  return ensembled.masks === undefined ? ensembled : removeOverlaps(ensembled, { minPixels, useMajorityClass: true }).detections;
}
