/**
 * `cellmask/roi`: the region-of-interest stage of Mask R-CNN: RoIAlign (exact, differentiable,
 * on every backend), the multi-level pooler, the box head and the detection post-processing.
 */
export { type RoiAlignOptions, roiAlign } from './roi-align.js';
export { type LevelOptions, type LevelStyle, assignBoxesToLevels } from './pooler-levels.js';
export { type MultiLevelRoiAlignOptions, multiLevelRoiAlign } from './pooler.js';
export { type BoxHeadOutputs, boxHeadForward } from './box-head.js';
export {
  DEFAULT_FAST_RCNN_INFERENCE,
  type FastRcnnDetections,
  type FastRcnnInferenceOptions,
  detectionsFromPredictions,
  fastRcnnInferenceSingleImage,
  softmaxRows,
} from './fast-rcnn.js';
export { fastRcnnInference } from './fast-rcnn-inference.js';
