/**
 * FrozenBatchNorm: batch normalisation with fixed statistics and affine parameters, as
 * Detectron2's `layers.FrozenBatchNorm2d` and torchvision's `ops.misc.FrozenBatchNorm2d` apply it:
 *
 *   y = x * scale + shift,  scale = weight / sqrt(running_var + eps),  shift = bias - running_mean * scale
 *
 * with eps = 1e-5 in both libraries. Being affine per channel, it folds into the convolution
 * before it (`foldFrozenBatchNorm`).
 *
 * Shapes: C channels; tensors are NHWC, so a norm acts on the last axis.
 */
import * as tf from '@tensorflow/tfjs-core';

import { type WeightMap, getWeight, hasWeight } from '../weights/weight-map.js';
import { FROZEN_BATCH_NORM_EPS } from './frozen-batch-norm-eps.js';

export { FROZEN_BATCH_NORM_EPS } from './frozen-batch-norm-eps.js';

/** The four `[C]` tensors of one FrozenBatchNorm, as stored under `<conv>.norm.*`. */
export interface FrozenBatchNormParams {
  readonly weight: tf.Tensor1D;
  readonly bias: tf.Tensor1D;
  readonly runningMean: tf.Tensor1D;
  readonly runningVar: tf.Tensor1D;
}

/**
 * The FrozenBatchNorm stored under `name` (`backbone.bottom_up.res2.0.conv1.norm`), each
 * tensor checked to be `[channels]`; `undefined` when `weights` has no `<name>.weight`.
 * @throws Error when `<name>.weight` exists without running statistics (GroupNorm and other
 *   norms are not supported) or a tensor has another shape.
 */
export function getFrozenBatchNorm(weights: WeightMap, name: string, channels: number): FrozenBatchNormParams | undefined {
  if (!hasWeight(weights, `${name}.weight`)) return undefined;
  if (!hasWeight(weights, `${name}.running_mean`) || !hasWeight(weights, `${name}.running_var`)) {
    throw new Error(`getFrozenBatchNorm: "${name}" has no running_mean/running_var; only FrozenBatchNorm is supported`);
  }
  const get = (leaf: string) => getWeight(weights, `${name}.${leaf}`, [channels]) as tf.Tensor1D;
  return { weight: get('weight'), bias: get('bias'), runningMean: get('running_mean'), runningVar: get('running_var') };
}

/** The per-channel `[C]` `scale` and `shift` of `norm` (see the module comment). */
export function frozenBatchNormAffine(norm: FrozenBatchNormParams): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  return tf.tidy(() => {
    const scale = tf.mul(norm.weight, tf.rsqrt(tf.add(norm.runningVar, FROZEN_BATCH_NORM_EPS))) as tf.Tensor1D;
    const shift = tf.sub(norm.bias, tf.mul(norm.runningMean, scale)) as tf.Tensor1D;
    return { scale, shift };
  });
}

/** Applies `norm` to `x` `[..., C]` (NHWC: channels last), returning the same shape. */
export function frozenBatchNorm<T extends tf.Tensor>(x: T, norm: FrozenBatchNormParams): T {
  const c = norm.weight.shape[0];
  if (x.rank < 1 || x.shape[x.rank - 1] !== c) {
    throw new Error(`frozenBatchNorm: x must have ${c} channels on its last axis, got shape [${x.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const { scale, shift } = frozenBatchNormAffine(norm);
    return tf.add(tf.mul(x, scale), shift) as T;
  });
}

/**
 * Folds every FrozenBatchNorm of `weights` into the convolution it follows: for each
 * `<conv>.norm.{weight,bias,running_mean,running_var}` beside a 4-D `<conv>.weight` (HWIO),
 * the kernel is scaled per output channel and a `<conv>.bias` is written (an existing bias is
 * normalised too):
 *
 *   W' = W * scale,  b' = (b - running_mean) * scale + bias   (b = 0 without a conv bias)
 *
 * so that the network runs convolutions with bias only (`convNorm` accepts either form).
 * Returns a new map that owns all its tensors (the others are clones, sharing data): disposing
 * either map leaves the other intact. `weights` is not modified.
 */
export function foldFrozenBatchNorm(weights: WeightMap): Map<string, tf.Tensor> {
  const folded = new Map<string, tf.Tensor>();
  const consumed = new Set<string>();
  for (const name of weights.keys()) {
    const m = /^(.*)\.norm\.running_var$/.exec(name);
    if (m === null) continue;
    const conv = m[1];
    const kernel = weights.get(`${conv}.weight`);
    if (kernel === undefined || kernel.rank !== 4) continue;
    const channels = (kernel as tf.Tensor4D).shape[3];
    const norm = getFrozenBatchNorm(weights, `${conv}.norm`, channels);
    if (norm === undefined) throw new Error(`foldFrozenBatchNorm: "${conv}.norm.running_var" without "${conv}.norm.weight"`);
    const convBias = hasWeight(weights, `${conv}.bias`) ? getWeight(weights, `${conv}.bias`, [channels]) : undefined;
    const { w, b } = tf.tidy(() => {
      const { scale, shift } = frozenBatchNormAffine(norm);
      // HWIO [kh, kw, Ci, Co] * [Co]: scales each output channel.
      const w = tf.mul(kernel, scale);
      const b = convBias === undefined ? shift : tf.add(tf.mul(convBias, scale), shift);
      return { w, b };
    });
    folded.set(`${conv}.weight`, w);
    folded.set(`${conv}.bias`, b);
    for (const leaf of ['weight', 'bias', 'norm.weight', 'norm.bias', 'norm.running_mean', 'norm.running_var']) {
      consumed.add(`${conv}.${leaf}`);
    }
  }
  const result = new Map<string, tf.Tensor>();
  for (const [name, tensor] of weights) {
    if (folded.has(name)) result.set(name, folded.get(name)!);
    else if (!consumed.has(name)) result.set(name, tf.clone(tensor));
  }
  for (const [name, tensor] of folded) if (!result.has(name)) result.set(name, tensor);
  return result;
}
