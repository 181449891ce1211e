/**
 * `cellmask/ensemble`: what the solution did after the network, as pure functions over typed
 * arrays: box NMS (torchvision's semantics), class-aware NMS, mask NMS, soft-NMS, weighted boxes
 * fusion, pooling several models' detections, per-class score thresholds by majority class,
 * overlap removal, and the submission check. No TensorFlow.js.
 *
 * The solution's pipeline per image: for each model, `applyClassThresholds` with the model's
 * majority class; `poolDetections`; `ensembleNms` (class-aware box NMS, IoU 0.4);
 * `removeOverlaps` with `SOLUTION_MIN_PIXELS` by the pooled majority class: `solutionEnsemble`.
 */
export { argsortDescending } from './order.js';
export { type Detections, checkDetections, selectDetections } from './detections.js';
export { batchedNms, nms } from './nms.js';
export { maskNms } from './mask-nms.js';
export { type SoftNmsOptions, type SoftNmsResult, softNms } from './soft-nms.js';
export { type WbfConfType, type WbfModel, type WbfOptions, type WbfResult, weightedBoxesFusion } from './wbf.js';
export { type EnsembleNmsOptions, ensembleNms, ensembleWbf, poolDetections } from './pool.js';
export {
  type MajorityClassOption,
  SOLUTION_CLASS_THRESHOLDS,
  applyClassThresholds,
  majorityClass,
} from './class-thresholds.js';
export { type RemoveOverlapsOptions, type RemoveOverlapsResult, SOLUTION_MIN_PIXELS, removeOverlaps } from './overlaps.js';
export { ENSEMBLE_METHODS, type EnsembleMethod, type SolutionEnsembleOptions, solutionEnsemble } from './solution.js';
export {
  type SubmissionCheckRow,
  type SubmissionProblem,
  type ValidateOptions,
  validateSubmission,
} from './validate.js';
