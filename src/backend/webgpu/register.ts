/**
 * cellmask's kernels for `@tensorflow/tfjs-backend-webgpu` 4.22, registered on request: RoIAlign
 * and its gradient (`roi-align.ts`), which `multiLevelRoiAlign` uses when the active backend has
 * them. `initWebGpuBackendNode` calls `registerWebGpuKernels`; in a browser, call it after
 * importing the backend package.
 */
import * as tf from '@tensorflow/tfjs-core';

import { ROI_ALIGN_GRAD_KERNEL, ROI_ALIGN_KERNEL } from '../../roi/roi-align-backend.js';
import { roiAlignGradWebGpu, roiAlignWebGpu } from './roi-align.js';

const BACKEND = 'webgpu';

const KERNELS: readonly [string, tf.KernelFunc][] = [
  [ROI_ALIGN_KERNEL, roiAlignWebGpu as unknown as tf.KernelFunc],
  [ROI_ALIGN_GRAD_KERNEL, roiAlignGradWebGpu as unknown as tf.KernelFunc],
];

/** Registers the kernels on the `webgpu` backend; calling it again does nothing. */
export function registerWebGpuKernels(): void {
  for (const [kernelName, kernelFunc] of KERNELS) {
    if (tf.getKernel(kernelName, BACKEND) === undefined) tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc });
  }
}

/** Removes them (`multiLevelRoiAlign` then falls back to JavaScript, which WebGPU in Node cannot run). */
export function unregisterWebGpuKernels(): void {
  for (const [kernelName] of KERNELS) {
    if (tf.getKernel(kernelName, BACKEND) !== undefined) tf.unregisterKernel(kernelName, BACKEND);
  }
}
