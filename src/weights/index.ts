/**
 * `cellmask/weights`: network parameters by Detectron2 name in TensorFlow.js layouts
 * (`WeightMap`), safetensors reading and writing, and the name and layout maps that turn
 * Detectron2 and torchvision checkpoints into a WeightMap.
 */
export { type WeightMap, getWeight, hasWeight } from './weight-map.js';
export {
  type Safetensors,
  type SafetensorsDtype,
  type StoredTensor,
  type TensorData,
  type TensorToWrite,
  parseSafetensors,
  serializeSafetensors,
} from './safetensors.js';
export { readSafetensors, writeSafetensors } from './safetensors-file.js';
export {
  type ArrayParam,
  tfjsConvToTorch,
  tfjsPooledLinearToTorch,
  torchConvToTfjs,
  torchPooledLinearToTfjs,
  transposeArray,
  transposeMatrix,
} from './layout.js';
export { torchvisionClassLayout, torchvisionToDetectron2Name } from './torchvision-names.js';
export { type CheckpointParams, checkpointParams } from './checkpoint-params.js';
export {
  type CheckpointFormat,
  type CheckpointOptions,
  type LoadedWeights,
  checkpointToWeights,
  weightsToCheckpoint,
} from './checkpoint.js';
export { expectedWeightNames, expectedWeightShapes, weightShapeProblems } from './expected.js';
export { loadWeights, missingWeights, saveWeights } from './load.js';
export { loadWeightsFromBytes } from './from-bytes.js';
export { initWeights } from './init.js';
