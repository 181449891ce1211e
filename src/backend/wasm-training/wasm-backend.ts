/**
 * The wasm backend as the training kernels see it: the part of its API they use, the arguments
 * a kernel function receives, and the backend's own kernels — the ones registered now and the
 * originals that `registerWasmTrainingKernels` replaced (saved here, not in `register.ts`,
 * because the kernels call the original BatchMatMul and `register.ts` imports the kernels).
 *
 * Kernel functions compose other kernels on `TensorInfo`s and free every intermediate with
 * `backend.disposeData`; no tf op runs inside them (the engine would record them on the tape).
 */
import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-backend-wasm's `BackendWasm` these kernels use. */
export interface WasmBackend {
  /** Allocates an uninitialized tensor on the wasm heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of a tensor's bytes on the wasm heap; stale once the heap grows (after makeOutput). */
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(dataId: tf.DataId): boolean;
  /** Counts one more tensor sharing `dataId`'s memory (freed when the last one is disposed). */
  incRef(dataId: tf.DataId): void;
}

/** What the engine passes a kernel function; `Inputs` names its input tensors. */
export interface KernelArgs<Inputs extends string> {
  readonly inputs: Readonly<Record<Inputs, tf.TensorInfo>>;
  readonly backend: WasmBackend;
  readonly attrs: tf.NamedAttrMap;
}

export const BACKEND = 'wasm';

/** Kernels replaced or added, with what was registered before (undefined: nothing); set while registered. */
let saved: Map<string, tf.KernelConfig | undefined> | undefined;

/** The kernels saved by `registerWasmTrainingKernels`; undefined while not registered. */
export function savedKernels(): Map<string, tf.KernelConfig | undefined> | undefined {
  return saved;
}

/** Records (or, with undefined, forgets) the kernels that were registered before ours. */
export function setSavedKernels(kernels: Map<string, tf.KernelConfig | undefined> | undefined): void {
  saved = kernels;
}

/** Runs the kernel registered now for `name` on wasm (never one of ours: see `originalMatMul`). */
export function runKernel(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, backend: WasmBackend): tf.TensorInfo {
  const kernel = tf.getKernel(name, BACKEND);
  if (kernel === undefined) throw new Error(`wasm training kernels: the wasm backend has no '${name}' kernel`);
  return kernel.kernelFunc({ inputs, attrs, backend: backend as unknown as tf.KernelBackend }) as tf.TensorInfo;
}

/**
 * a [1, M, K] x b [1, K, N] -> [1, M, N] by the wasm backend's own BatchMatMul, without flags
 * and with batch 1: the only case it hands to XNNPACK's GEMM.
 */
export function originalMatMul(a: tf.TensorInfo, b: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const original = saved?.get(tf.BatchMatMul);
  if (original === undefined) throw new Error('wasm training kernels: the original BatchMatMul is gone');
  const attrs = { transposeA: false, transposeB: false };
  return original.kernelFunc({ inputs: { a, b }, attrs, backend: backend as unknown as tf.KernelBackend }) as tf.TensorInfo;
}

/** Runs the kernel that `name` replaced (the backend's own), with the same arguments. */
export function originalKernel(name: string, args: KernelArgs<string>): tf.TensorInfo {
  const original = saved?.get(name);
  if (original === undefined) throw new Error(`wasm training kernels: the original '${name}' is gone`);
  return original.kernelFunc({ inputs: args.inputs, attrs: args.attrs, backend: args.backend as unknown as tf.KernelBackend }) as tf.TensorInfo;
}
