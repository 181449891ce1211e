/**
 * `cellmask/fpn`: Detectron2's Feature Pyramid Network (lateral 1x1 and output 3x3 convs,
 * top-down nearest upsampling and sum, P6 by max pool) over the ResNet stages res2..res5.
 * Tensors NHWC float32; weights by Detectron2 name in TensorFlow.js layouts.
 */
export { type FpnFeatures, type FpnInput, type FpnOptions, fpnForward } from './fpn.js';
