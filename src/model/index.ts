/**
 * `cellmask/model`: Mask R-CNN composed from the stages, with the config mapper and the
 * preprocessing of each library.
 */
export { type MaskRcnnOptions, type StageTimes, maskRcnnInference } from './mask-rcnn.js';
export { MaskRcnn } from './model.js';
export { anchorGeneratorFromConfig, maskRcnnOptionsFromConfig } from './options.js';
export { type Picture, type Preprocessed, type PreprocessOptions, preprocessImage, resizedSize } from './preprocess.js';
