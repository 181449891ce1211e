/**
 * Reading and writing tensors in place on the wasm heap, shared by the training kernels:
 * zero-filled outputs, copies of runs, and a tiled transpose.
 */
import type * as tf from '@tensorflow/tfjs-core';

import type { WasmBackend } from './wasm-backend.js';

/** A float32 tensor of `shape` filled with zeros (makeOutput leaves the heap's old bytes). */
export function zeros(shape: number[], backend: WasmBackend, dtype: tf.DataType = 'float32'): tf.TensorInfo {
  const out = backend.makeOutput(shape, dtype);
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** dst[to .. to+count) = src[from .. from+count): `set` for long runs, a loop for short ones (subarray costs more than a few elements). */
export function copy(src: tf.backend_util.TypedArray, from: number, dst: tf.backend_util.TypedArray, to: number, count: number): void {
  if (count >= 32) {
    dst.set(src.subarray(from, from + count), to);
  } else {
    for (let k = 0; k < count; k++) dst[to + k] = src[from + k];
  }
}

/**
 * dst[dstOffset + c * dstRowStride + r] = src[srcOffset + r * srcRowStride + c] for r < rows,
 * c < cols: a transpose of a (possibly strided) block, in 8 x 8 tiles, which measured 3-6x
 * faster here than the wasm backend's Transpose kernel on the tall matrices of a gradient.
 */
export function transposeBlock(
  src: tf.backend_util.TypedArray,
  srcOffset: number,
  srcRowStride: number,
  dst: tf.backend_util.TypedArray,
  dstOffset: number,
  dstRowStride: number,
  rows: number,
  cols: number,
): void {
  const TILE = 8;
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let r = r0; r < r1; r++) {
        const from = srcOffset + r * srcRowStride;
        for (let c = c0; c < c1; c++) dst[dstOffset + c * dstRowStride + r] = src[from + c];
      }
    }
  }
}
