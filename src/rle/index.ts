/**
 * `cellmask/rle`: run-length encodings of masks. Counts (pycocotools' uncompressed RLE, any
 * pixel order) with area, merge and IoU computed on the runs; Kaggle's row-major text.
 * Pure TypeScript over typed arrays; no TensorFlow.js.
 */
export {
  countsToIntervals,
  decodeCounts,
  encodeCounts,
  intervalsToCounts,
  maskToIntervals,
  rleArea,
  rleTotal,
} from './counts.js';
export { type RleParseReason, RleParseError } from './errors.js';
export { rleIntersectionArea, rleIou } from './iou.js';
export {
  countsToKaggleRle,
  kaggleRleDecode,
  kaggleRleEncode,
  kaggleRleRuns,
  kaggleRleToCounts,
} from './kaggle.js';
export { rleMerge } from './merge.js';
