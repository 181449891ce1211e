/**
 * One convolution as Detectron2's `layers.Conv2d` runs it: kernel `<name>.weight`, optional
 * `<name>.bias`, optional FrozenBatchNorm `<name>.norm.*`, optional relu.
 *
 * Padding is PyTorch's: `padding` zeros on every side. (TensorFlow's 'same' pads stride-2
 * convolutions of even inputs only at the bottom/right, which shifts the sampling grid.)
 *
 * Shapes: N images, H x W in, Ho x Wo out, Ci / Co channels in / out; tensors NHWC, kernels HWIO.
 */
import * as tf from '@tensorflow/tfjs-core';

import { type WeightMap, getWeight, hasWeight } from '../weights/weight-map.js';
import { frozenBatchNormAffine, getFrozenBatchNorm } from './frozen-batch-norm.js';

export interface ConvOptions {
  /** Stride along both axes. */
  readonly stride: number;
  /** Zeros added on each side of both axes (PyTorch's `padding`). */
  readonly padding: number;
  /** Whether a relu follows (after the norm). */
  readonly relu: boolean;
}

/**
 * The kernel `<name>.weight` `[kh, kw, Ci, Co]`, checked to take `inChannels` inputs.
 * @throws Error naming the weight when it is missing or its shape does not fit.
 */
export function getConvKernel(weights: WeightMap, name: string, inChannels: number): tf.Tensor4D {
  const kernel = getWeight(weights, `${name}.weight`);
  if (kernel.rank !== 4 || kernel.shape[2] !== inChannels) {
    throw new Error(`weight "${name}.weight" has shape [${kernel.shape.join(', ')}], expected [kh, kw, ${inChannels}, Co]`);
  }
  return kernel as tf.Tensor4D;
}

/**
 * `x` `[N, H, W, Ci]` -> `[N, Ho, Wo, Co]`, Ho = floor((H + 2 * padding - kh) / stride) + 1.
 * @throws Error when a weight is missing or does not fit `x`.
 */
export function convNorm(weights: WeightMap, name: string, x: tf.Tensor4D, options: ConvOptions): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`convNorm: x must be [N, H, W, C] for "${name}", got shape [${x.shape.join(', ')}]`);
  const kernel = getConvKernel(weights, name, x.shape[3]);
  const co = kernel.shape[3];
  const bias = hasWeight(weights, `${name}.bias`) ? (getWeight(weights, `${name}.bias`, [co]) as tf.Tensor1D) : undefined;
  const norm = getFrozenBatchNorm(weights, `${name}.norm`, co);
  const { stride, padding, relu } = options;
  return tf.tidy(() => {
    if (norm === undefined) {
      return tf.fused.conv2d({ x, filter: kernel, strides: stride, pad: padding, bias, activation: relu ? 'relu' : 'linear' });
    }
    // The frozen norm folded into this call's kernel and bias (W * scale, b * scale + shift):
    // the same function as norm(conv(x)), with one activation-sized tensor where the unfolded
    // form makes three (and keeps all three for a gradient), and the kernel's gradient flows
    // through the product.
    const { scale, shift } = frozenBatchNormAffine(norm);
    const filter = tf.mul(kernel, scale) as tf.Tensor4D;
    const folded = bias === undefined ? shift : (tf.add(tf.mul(bias, scale), shift) as tf.Tensor1D);
    return tf.fused.conv2d({ x, filter, strides: stride, pad: padding, bias: folded, activation: relu ? 'relu' : 'linear' });
  });
}
