/**
 * `cellmask/rle`: run-length encodings of masks. Counts (pycocotools' uncompressed RLE, any
 * pixel order) with area, merge and IoU computed on the runs; Kaggle's row-major text.
 * COCO RLE (column-major, compressed strings, boxes, polygons) exactly as pycocotools.
 * Pure TypeScript over typed arrays; no TensorFlow.js.
 */
export {
  checkCounts,
  countsToIntervals,
  decodeCounts,
  encodeCounts,
  intervalsToCounts,
  maskToIntervals,
  rleArea,
  rleTotal,
} from './counts.js';
export { type RleParseReason, RleParseError } from './errors.js';
export { type RleIouPairs, rleIntersectionArea, rleIou, rleIouPairs } from './iou.js';
export {
  countsToKaggleRle,
  kaggleRleDecode,
  kaggleRleEncode,
  kaggleRleRuns,
  kaggleRleToCounts,
} from './kaggle.js';
export { rleMerge } from './merge.js';
export { type CocoBbox, cocoBboxIou, cocoRleToBbox } from './coco-bbox.js';
export { cocoRleFromString, cocoRleToString } from './coco-string.js';
export {
  type CocoRle,
  type CocoRleJson,
  cocoRleArea,
  cocoRleDecode,
  cocoRleEncode,
  cocoRleFromJson,
  cocoRleIou,
  cocoRleMerge,
  cocoRleToJson,
  cocoToKaggleRle,
  kaggleRleToCoco,
} from './coco.js';
export { cocoBboxToRle, cocoPolygonToRle, cocoPolygonsToRle } from './polygon.js';
