/**
 * Training kernels for `@tensorflow/tfjs-backend-wasm` 4.22, registered on request.
 *
 * The wasm backend was built for inference and it shows in a gradient step: it lacks two
 * kernels a gradient needs (Conv2DBackpropFilter, UnsortedSegmentSum) and runs three slowly
 * (Conv2DBackpropInput, BatchMatMul with transpose flags, MaxPoolGrad), and its Identity copies
 * every tensor a gradient records; each kernel's file says what it computes and why it is
 * faster. `registerWasmTrainingKernels` replaces those six kernels with compositions of the backend's own fast kernels (XNNPACK's Conv2D and flag-free
 * BatchMatMul) and a little JavaScript; `unregisterWasmTrainingKernels` puts back exactly what
 * was there.
 *
 * Nothing happens on import, and this module does not import the wasm package: it works on
 * whatever `wasm` backend the application registered (`initWasmBackendNode`, or
 * `import '@tensorflow/tfjs-backend-wasm'` in a browser).
 */
import * as tf from '@tensorflow/tfjs-core';

import { batchMatMul } from './batch-mat-mul.js';
import { conv2DBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2DBackpropInput } from './conv2d-backprop-input.js';
import { identity } from './identity.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { unsortedSegmentSum } from './unsorted-segment-sum.js';
import { BACKEND, type KernelArgs, savedKernels, setSavedKernels } from './wasm-backend.js';

/**
 * Registers the training kernels on the `wasm` backend (see the module comment). Call it after
 * the wasm backend's kernels are registered (after importing `@tensorflow/tfjs-backend-wasm`),
 * before or after the backend is initialized. Calling it again while registered does nothing.
 */
export function registerWasmTrainingKernels(): void {
  if (savedKernels() !== undefined) return;
  for (const needed of [tf.Conv2D, tf.BatchMatMul]) {
    if (tf.getKernel(needed, BACKEND) === undefined) {
      throw new Error(`registerWasmTrainingKernels: no '${needed}' kernel on the wasm backend; import @tensorflow/tfjs-backend-wasm first`);
    }
  }
  const kernels: [string, tf.KernelFunc][] = [
    [tf.Conv2DBackpropFilter, asKernelFunc(conv2DBackpropFilter)],
    [tf.Conv2DBackpropInput, asKernelFunc(conv2DBackpropInput)],
    [tf.BatchMatMul, asKernelFunc(batchMatMul)],
    [tf.UnsortedSegmentSum, asKernelFunc(unsortedSegmentSum)],
    [tf.MaxPoolGrad, asKernelFunc(maxPoolGrad)],
    [tf.Identity, asKernelFunc(identity)],
  ];
  const saved = new Map(kernels.map(([name]) => [name, tf.getKernel(name, BACKEND)]));
  setSavedKernels(saved);
  for (const [kernelName, kernelFunc] of kernels) {
    const original = saved.get(kernelName);
    if (original !== undefined) tf.unregisterKernel(kernelName, BACKEND);
    // The original's setupFunc binds its C function and runs whenever the backend is set up:
    // ours must run it too, or the original would be unbound if restored afterwards.
    tf.registerKernel({
      kernelName,
      backendName: BACKEND,
      kernelFunc,
      ...(original?.setupFunc !== undefined && { setupFunc: original.setupFunc }),
      ...(original?.disposeFunc !== undefined && { disposeFunc: original.disposeFunc }),
    });
  }
}

/** Restores the kernels that were registered before `registerWasmTrainingKernels` (none: removes ours). */
export function unregisterWasmTrainingKernels(): void {
  const saved = savedKernels();
  if (saved === undefined) return;
  for (const [kernelName, original] of saved) {
    tf.unregisterKernel(kernelName, BACKEND);
    if (original !== undefined) tf.registerKernel(original);
  }
  setSavedKernels(undefined);
}

/** tfjs types a kernel function loosely (any backend, any inputs); ours know theirs. */
function asKernelFunc<Inputs extends string>(kernel: (args: KernelArgs<Inputs>) => tf.TensorInfo): tf.KernelFunc {
  return kernel as unknown as tf.KernelFunc;
}
