/**
 * Synthetic phase-contrast cell images with instance masks, in the competition's layout or
 * LIVECell's: the data the tests, examples and benchmarks use.
 */
export { type Morphology, type Range, MORPHOLOGIES } from './morphology.js';
export { type SynthImage, type SynthImageOptions, SARTORIUS_HEIGHT, SARTORIUS_WIDTH, synthesizeImage } from './synthesize.js';
export { type SynthImageInfo, formatElapsed, formatPlateTime, planImages } from './metadata.js';
export {
  type CocoImageRecord,
  type CocoPolygonAnnotation,
  type CocoPolygonDataset,
  addCocoImage,
  emptyCocoDataset,
  livecellFileName,
} from './livecell.js';
export { trainCsvRows } from './sartorius-rows.js';
export {
  type SynthDatasetOptions,
  type SynthDatasetResult,
  type SynthFormat,
  SYNTH_FORMATS,
  writeSynthDataset,
} from './write-dataset.js';
