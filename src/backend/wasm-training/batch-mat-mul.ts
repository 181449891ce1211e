/**
 * BatchMatMul for the wasm backend: a [...batch, M, K] x b [...batch, K, N] -> [...batch, M, N],
 * either operand possibly transposed by a flag.
 *
 * Why: the stock kernel reaches XNNPACK's GEMM only without transpose flags, which tfjs's
 * MatMul gradient always sets (with them: a naive loop, 20-50x slower).
 */
import * as tf from '@tensorflow/tfjs-core';

import { transposeBlock } from './heap.js';
import { type KernelArgs, originalMatMul, type WasmBackend } from './wasm-backend.js';

/**
 * a [...batch, M, K] (or [..., K, M] with transposeA) x b [...batch, K, N] (or [..., N, K] with
 * transposeB) -> [...batch, M, N]. Operands with a transpose flag are transposed explicitly,
 * then the original kernel runs without flags. When b has no batch (or only ones), a's batch
 * dimensions are folded into M ([B, M, K] -> [1, B*M, K]): the original hands only batch 1
 * to XNNPACK's GEMM, anything else to a loop. Batched b stays with the original.
 */
export function batchMatMul({ inputs, backend, attrs }: KernelArgs<'a' | 'b'>): tf.TensorInfo {
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const a = transposeA ? transposeLastTwo(inputs.a, backend) : inputs.a;
  const b = transposeB ? transposeLastTwo(inputs.b, backend) : inputs.b;
  try {
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    if (batchB !== 1) return originalMatMul(a, b, backend);
    const [m, k] = a.shape.slice(-2);
    const n = b.shape[b.shape.length - 1];
    const rows = tf.util.sizeFromShape(a.shape.slice(0, -1));
    const out = originalMatMul(view(a, [1, rows, k]), view(b, [1, b.shape[b.shape.length - 2], n]), backend);
    out.shape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
    return out;
  } finally {
    if (transposeA) backend.disposeData(a.dataId);
    if (transposeB) backend.disposeData(b.dataId);
  }
}

/** The same data seen with another shape (no copy; not to be disposed separately). */
function view(info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: info.dataId, shape, dtype: info.dtype };
}

/** [..., R, C] -> [..., C, R], as a new tensor. */
function transposeLastTwo(x: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const rank = x.shape.length;
  const [rows, cols] = [x.shape[rank - 2], x.shape[rank - 1]];
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], x.dtype);
  const [src, dst] = [backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out)];
  for (let offset = 0; offset < src.length; offset += rows * cols) transposeBlock(src, offset, cols, dst, offset, rows, rows, cols);
  return out;
}
