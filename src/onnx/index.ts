/**
 * `cellmask/onnx`: Mask R-CNN exported to ONNX (three graphs: features, box head, mask head)
 * and run on onnxruntime, with the proposal selection, the detection filtering and the mask
 * pasting in TypeScript between them. No TensorFlow.js: `onnxruntime-node` (an optional peer)
 * in Node, or any onnxruntime module passed as `ort`.
 */
export {
  ONNX_FORMAT,
  ONNX_OPSET,
  type OnnxModels,
  type OnnxStage,
  exportMaskRcnnOnnx,
  exportOnnxFiles,
  onnxPaths,
  readOnnxFiles,
} from './export.js';
export { type Attribute, type Dim, type ElementType, type ModelInfo, GraphBuilder, encodeModel, readModelMetadata } from './graph-builder.js';
export { type OnnxMaskRcnnOptions, OnnxMaskRcnn } from './runtime.js';
export { type OrtModule, type OrtSession, type OrtSessionOptions, type OrtTensor, loadOnnxRuntimeNode } from './ort.js';
export { type PreprocessedArray, preprocessPicture } from './preprocess.js';
