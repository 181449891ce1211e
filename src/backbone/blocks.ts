/**
 * The ResNet stem and residual blocks, after Detectron2's `BasicStem`, `BottleneckBlock` and
 * `BasicBlock` (modeling/backbone/resnet.py). Each block reads its weights by name through
 * `convNorm`, so folded (conv bias) and unfolded (FrozenBatchNorm) weights both work.
 *
 * Shapes: N images, H x W in, Ho x Wo out (Ho = ceil(H / stride): 3x3 convs pad 1, 1x1 pad 0),
 * Ci / Co channels in / out; NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { WeightMap } from '../weights/weight-map.js';
import { convNorm } from './conv.js';
import type { ResNetBlockSpec } from './resnet-spec.js';

/**
 * Stem: conv 7x7 stride 2 pad 3 + norm + relu, then max pool 3x3 stride 2 pad 1.
 * `images` `[N, H, W, 3]` -> `[N, ceil(H / 4), ceil(W / 4), C]` (each stride-2 step of PyTorch's
 * conv and pool, floor((H + 2 * pad - k) / 2) + 1, is ceil(H / 2) here).
 *
 * PyTorch pads its max pool with -inf; tfjs's pool with a numeric pad ignores the padded
 * positions, which is the same.
 */
export function stemForward(weights: WeightMap, prefix: string, images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const x = convNorm(weights, `${prefix}.stem.conv1`, images, { stride: 2, padding: 3, relu: true });
    return tf.maxPool(x, 3, 2, 1);
  });
}

/**
 * Bottleneck block: 1x1 (to the bottleneck width) -> 3x3 -> 1x1 (to the output width), relu
 * after each but the last, plus the shortcut (a 1x1 projection with norm where present, else
 * the identity), then relu. The stride sits in the first 1x1 when `strideInOneByOne`
 * (Detectron2's `RESNETS.STRIDE_IN_1X1`, MSRA's original models) and in the 3x3 otherwise
 * (torchvision, Caffe2's later ResNets).
 * `x` `[N, H, W, Ci]` -> `[N, Ho, Wo, Co]`.
 */
export function bottleneckBlock(
  weights: WeightMap,
  block: ResNetBlockSpec,
  x: tf.Tensor4D,
  strideInOneByOne: boolean,
): tf.Tensor4D {
  const [stride1x1, stride3x3] = strideInOneByOne ? [block.stride, 1] : [1, block.stride];
  return tf.tidy(() => {
    let y = convNorm(weights, `${block.name}.conv1`, x, { stride: stride1x1, padding: 0, relu: true });
    y = convNorm(weights, `${block.name}.conv2`, y, { stride: stride3x3, padding: 1, relu: true });
    y = convNorm(weights, `${block.name}.conv3`, y, { stride: 1, padding: 0, relu: false });
    return tf.relu(tf.add(y, shortcut(weights, block, x))) as tf.Tensor4D;
  });
}

/**
 * Basic block (ResNet-18/34): 3x3 with the stride -> relu -> 3x3, plus the shortcut, then relu.
 * `x` `[N, H, W, Ci]` -> `[N, Ho, Wo, Co]`.
 */
export function basicBlock(weights: WeightMap, block: ResNetBlockSpec, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    let y = convNorm(weights, `${block.name}.conv1`, x, { stride: block.stride, padding: 1, relu: true });
    y = convNorm(weights, `${block.name}.conv2`, y, { stride: 1, padding: 1, relu: false });
    return tf.relu(tf.add(y, shortcut(weights, block, x))) as tf.Tensor4D;
  });
}

function shortcut(weights: WeightMap, block: ResNetBlockSpec, x: tf.Tensor4D): tf.Tensor4D {
  if (!block.shortcut) return x;
  return convNorm(weights, `${block.name}.shortcut`, x, { stride: block.stride, padding: 0, relu: false });
}
