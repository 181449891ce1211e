/**
 * `cellmask/metrics`: the Sartorius competition's MAP-IoU and COCO AP with pycocotools'
 * COCOeval semantics. Pure TypeScript over typed arrays; no TensorFlow.js.
 */
export { MAP_IOU_THRESHOLDS, type MapIouResult, type ThresholdCounts, mapIouFromIou, mapIouImage } from './mapIou.js';
export {
  type MapIouDatasetResult,
  type MapIouImageInput,
  type MapIouImageScore,
  evaluateMapIou,
} from './mapIouDataset.js';
export {
  type AreaRange,
  COCO_AREA_RANGES,
  type CocoEvalParams,
  type CocoIouType,
  LIVECELL_AREA_RANGES,
  LIVECELL_MAX_DETS,
  cocoEvalParams,
  linspace,
} from './cocoParams.js';
export { type CocoImageEvaluation, type CocoImageObjects, cocoEvaluateImage } from './cocoEvaluateImage.js';
export { type CocoAccumulation, cocoAccumulate } from './cocoAccumulate.js';
export { type CocoStat, type CocoSummary, cocoSummarize } from './cocoSummarize.js';
export {
  type CocoCategoryInfo,
  type CocoDetection,
  type CocoGroundTruth,
  type CocoGroundTruthAnnotation,
  type CocoImageInfo,
  type CocoSegmentation,
} from './cocoTypes.js';
export { type CocoEvalResult, type CocoImageEvaluations, cocoEvaluate, cocoEvaluateImages } from './cocoEval.js';
