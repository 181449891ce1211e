/**
 * `cellmask/onnx`: Mask R-CNN exported to ONNX (three graphs: features, box head, mask head)
 * and run on onnxruntime, with the proposal selection, the detection filtering and the mask
 * pasting in TypeScript between them. No TensorFlow.js: `onnxruntime-node` (an optional peer)
 * in Node, or any onnxruntime module passed as `ort`.
 */
export { ONNX_FORMAT, ONNX_OPSET, type OnnxModels, type OnnxStage, checkOnnxStage, exportMaskRcnnOnnx } from './export.js';
export { exportOnnxFiles, loadOnnxMaskRcnn, onnxMaskRcnnFromWeights, onnxPaths, readOnnxFiles } from './files.js';
export { type Attribute, type Dim, type ElementType, type ModelInfo, GraphBuilder, encodeModel, readModelMetadata } from './graph-builder.js';
export { ONNX_MASK_BATCH_SIZE, type OnnxMaskRcnnOptions, OnnxMaskRcnn } from './runtime.js';
export { type OrtModule, type OrtSession, type OrtSessionOptions, type OrtTensor, loadOnnxRuntimeNode } from './ort.js';
export { type PreprocessedArray, preprocessPicture } from './preprocess.js';
