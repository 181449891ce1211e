/**
 * `cellmask/backbone`: Detectron2's ResNet body (stem, res2..res5, bottleneck or basic blocks,
 * stride in the 1x1 or the 3x3), FrozenBatchNorm and its folding into convolutions,
 * `FREEZE_AT`. Weights by Detectron2 name in TensorFlow.js layouts (see `cellmask/weights`);
 * tensors NHWC float32.
 */
export { basicBlock, bottleneckBlock, stemForward } from './blocks.js';
export { type ConvOptions, convNorm, getConvKernel } from './conv.js';
export { frozenParameterNames } from './freeze.js';
export {
  FROZEN_BATCH_NORM_EPS,
  type FrozenBatchNormParams,
  foldFrozenBatchNorm,
  frozenBatchNorm,
  frozenBatchNormAffine,
  getFrozenBatchNorm,
} from './frozen-batch-norm.js';
export { type ResNetFeature, type ResNetOptions, resnetForward } from './resnet.js';
export {
  RESNET_STAGES,
  type ResNetBlockSpec,
  type ResNetSpec,
  type ResNetStage,
  type ResNetStageSpec,
  resnetSpec,
} from './resnet-spec.js';
