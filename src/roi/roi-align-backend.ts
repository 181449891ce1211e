/**
 * RoIAlign's weighted sums on the backend, where it registers them: the optional kernels
 * `ROI_ALIGN_KERNEL` and `ROI_ALIGN_GRAD_KERNEL` take the bilinear samplings worked out on the CPU
 * (`samplingsOf`) as attributes. WebGPU registers them (`src/backend/webgpu/`): it cannot read
 * tensors back synchronously in Node, which the JavaScript sums need. `roiAlign` and
 * `multiLevelRoiAlign` use them when the active backend has both.
 *
 * Shape shorthand: N: images, H, W: feature map size, C: channels, K: boxes, PH, PW: output bins.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { BoxSampling } from './roi-align-sampling.js';

/**
 * Name of the optional kernel that pools one level on the backend: input `features`
 * [N, H, W, C], attrs `RoiAlignKernelAttrs`; output [K, PH, PW, C], row k pooled as `samplings[k]`.
 */
export const ROI_ALIGN_KERNEL = 'CellmaskRoiAlign';
/** Name of its transpose: input `dy` [K, PH, PW, C], attrs `RoiAlignGradKernelAttrs`; output the gradient [N, H, W, C]. */
export const ROI_ALIGN_GRAD_KERNEL = 'CellmaskRoiAlignGrad';

/** Attributes of `ROI_ALIGN_KERNEL`. */
export interface RoiAlignKernelAttrs {
  /** [K] how each box samples the map (from `samplingsOf`). */
  readonly samplings: readonly BoxSampling[];
  readonly outputSize: readonly [number, number];
}

/** Attributes of `ROI_ALIGN_GRAD_KERNEL`. */
export interface RoiAlignGradKernelAttrs extends RoiAlignKernelAttrs {
  /** [N, H, W, C] of the features whose gradient is made. */
  readonly featuresShape: readonly [number, number, number, number];
}

/** Whether the active backend pools with the kernels above. */
export function backendPools(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(ROI_ALIGN_KERNEL, backend) !== undefined && tf.getKernel(ROI_ALIGN_GRAD_KERNEL, backend) !== undefined;
}

/** `features` [N, H, W, C] pooled by `samplings` [K] on the backend -> [K, PH, PW, C]. */
export function poolOnBackend(features: tf.Tensor, samplings: readonly BoxSampling[], outputSize: readonly [number, number]): tf.Tensor4D {
  const attrs: RoiAlignKernelAttrs = { samplings, outputSize };
  return tf.engine().runKernel(ROI_ALIGN_KERNEL, { features }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** The transpose: `dy` [K, PH, PW, C] back onto features of `featuresShape` [N, H, W, C]. */
export function poolGradOnBackend(
  dy: tf.Tensor,
  samplings: readonly BoxSampling[],
  outputSize: readonly [number, number],
  featuresShape: readonly [number, number, number, number],
): tf.Tensor4D {
  const attrs: RoiAlignGradKernelAttrs = { samplings, outputSize, featuresShape };
  return tf.engine().runKernel(ROI_ALIGN_GRAD_KERNEL, { dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
