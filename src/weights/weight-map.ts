/**
 * The parameters of a network, by name.
 *
 * Names are Detectron2's (`backbone.bottom_up.res2.0.conv1.weight`, `roi_heads.box_head.fc1.bias`,
 * ...) whatever the checkpoint they came from; layouts are TensorFlow.js's: convolution kernels
 * HWIO `[kh, kw, in, out]`, transposed-convolution kernels `[kh, kw, out, in]`, dense kernels
 * `[in, out]` with inputs in NHWC flatten order, vectors `[C]`. The name maps in this module
 * translate checkpoints (Detectron2's, torchvision's) into this form.
 */
import type { Tensor } from '@tensorflow/tfjs-core';

/** Parameters by Detectron2 name, in TensorFlow.js layouts. */
export type WeightMap = ReadonlyMap<string, Tensor>;

/**
 * The parameter `name` of `weights`, checked against `shape` where given (`-1` matches any size).
 * @throws Error naming the parameter when it is missing or has another shape.
 */
export function getWeight(weights: WeightMap, name: string, shape?: readonly number[]): Tensor {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`missing weight "${name}"`);
  if (shape !== undefined) {
    const ok = w.shape.length === shape.length && shape.every((d, i) => d === -1 || d === w.shape[i]);
    if (!ok) throw new Error(`weight "${name}" has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return w;
}

/** Whether `weights` holds `name` (optional parameters: biases of convolutions without norm, ...). */
export function hasWeight(weights: WeightMap, name: string): boolean {
  return weights.has(name);
}
