/**
 * Identity for the wasm backend: the output shares the input's memory (one more reference), as
 * the cpu backend's Identity and the wasm backend's own Reshape do.
 *
 * Why: a gradient records every tensor a backward function needs with `tf.clone` (Identity), and
 * the stock wasm Identity copies the bytes. For a ResNet-50 step at 520 x 704 those copies
 * double the activations kept for the backward pass (the 4 GiB wasm heap ran out) and cost
 * ~0.2 s of copying per step. Sharing is safe because kernels never write to their inputs, and
 * a variable's `assign` moves the variable to the new value's memory instead of overwriting.
 */
import type * as tf from '@tensorflow/tfjs-core';

import { type KernelArgs, originalKernel } from './wasm-backend.js';

/** out = x, sharing x's memory (strings, which live outside the heap, take the stock kernel). */
export function identity(args: KernelArgs<'x'>): tf.TensorInfo {
  const { inputs, backend } = args;
  const { x } = inputs;
  if (x.dtype === 'string') return originalKernel('Identity', args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
