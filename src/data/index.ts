/**
 * `cellmask/data`: readers and writers of the competition's and LIVECell's files (CSV, PNG,
 * TIFF, COCO JSON), k-fold splits and dataset helpers. Pure TypeScript over typed arrays; no
 * TensorFlow.js.
 */
export { pathExists, writeFileAtomic } from './atomic.js';
export {
  type CsvReadOptions,
  type CsvRecord,
  type CsvTableOptions,
  type CsvTableRow,
  CsvError,
  formatCsvField,
  formatCsvRow,
  readCsv,
  readCsvTable,
  writeCsv,
} from './csv.js';
export {
  type CellType,
  type TrainColumn,
  type TrainCsvOptions,
  type TrainCsvRow,
  type TrainImage,
  type TrainRow,
  CELL_TYPES,
  REQUIRED_TRAIN_COLUMNS,
  TRAIN_CSV_COLUMNS,
  cellTypeId,
  decodeMasks,
  loadTrainCsv,
  readTrainCsv,
  writeTrainCsv,
} from './sartorius.js';
export { type SubmissionRecord, type SubmissionRow, readSubmissionCsv, writeSubmissionCsv } from './submission.js';
export {
  type ImageArray,
  type PixelData,
  decodePng,
  decodeTiff,
  encodePng,
  pictureFromPng,
  readPng,
  readTiff,
  writePng,
  writeTiff,
} from './image.js';
export {
  type PredictionFile,
  type PredictionJson,
  type PredictionSource,
  imageId,
  predictedMasks,
  predictionIds,
  predictionJson,
  readPredictionDir,
  readPredictionFile,
  readPredictionSource,
  submissionRows,
} from './prediction-files.js';
export { decodePackBits } from './packbits.js';
export { encodeTiff } from './tiff-encode.js';
export { type SartoriusSample, IMAGE_EXTENSIONS, listImages, loadSartoriusSample } from './dataset.js';
export {
  type CocoAnnotation,
  type CocoCategory,
  type CocoDataset,
  type CocoImage,
  type CocoRleSegmentation,
  type CocoSegmentation,
  parseCocoDataset,
  readCocoJson,
  writeCocoJson,
} from './coco.js';
export {
  type LivecellDataset,
  type LivecellImage,
  annotationToRle,
  decodeAnnotationMasks,
  groupCocoByImage,
  readLivecellImage,
  readLivecellJson,
} from './livecell.js';
export { type KFoldItem, foldIndices, groupKFold } from './kfold.js';
export * from './synth/index.js';
