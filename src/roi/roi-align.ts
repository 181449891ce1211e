/**
 * RoIAlign (Mask R-CNN, He et al. 2017, Sec. 3): each box is split into PH x PW bins and each
 * bin is the average of bilinear samples of the feature map on a regular grid inside it.
 * Exactly torchvision's `roi_align`; `aligned: true` is Detectron2's ROIAlignV2.
 *
 * TensorFlow.js has no RoIAlign (`cropAndResize` takes one sample per bin, in normalized
 * coordinates), so it runs in JavaScript over the feature map read once, and is differentiable
 * through `tf.customGrad` with a JavaScript backward; where the active backend registers
 * cellmask's RoIAlign kernels (WebGPU: `roi-align-backend.ts`), the sums run there instead.
 *
 * Shape shorthand: N: images, H, W: feature map size, C: channels, R: boxes,
 * PH, PW: output bins (`outputSize`).
 */
import * as tf from '@tensorflow/tfjs-core';

import { checkBoxes, checkFeatures, checkSamplingOptions, checkScale } from './roi-align-checks.js';
import { backendPools, poolGradOnBackend, poolOnBackend } from './roi-align-backend.js';
import { roiAlignBackwardInto, roiAlignForwardInto } from './roi-align-kernel.js';
import { type RoiAlignOptions, samplingsOf } from './roi-align-sampling.js';

export type { RoiAlignOptions } from './roi-align-sampling.js';

/**
 * RoIAlign of boxes on an NHWC feature map, exactly torchvision's `roi_align`.
 *
 * @param features [N, H, W, C] float32 feature map.
 * @param boxes [R, 4] float32 boxes `x1, y1, x2, y2` in input-image pixels (scaled onto the map
 *   by `spatialScale`); boxes partly or wholly outside the map, tiny or inverted are allowed and
 *   pooled as torchvision pools them.
 * @param boxIndex [R] the image of each box, in [0, N).
 * @returns [R, PH, PW, C] float32. Differentiable w.r.t. `features`; the gradient w.r.t. `boxes`
 *   is zero: torchvision's roi_align has none either, and Mask R-CNN pools detached proposals.
 */
export function roiAlign(features: tf.Tensor4D, boxes: tf.Tensor2D, boxIndex: Int32Array, options: RoiAlignOptions): tf.Tensor4D {
  const op = 'roiAlign';
  const dims = checkFeatures(op, 'features', features);
  const count = checkBoxes(op, boxes, boxIndex, dims.images);
  checkSamplingOptions(op, options);
  checkScale(op, 'spatialScale', options.spatialScale);
  const { outputSize } = options;
  const outShape: [number, number, number, number] = [count, outputSize[0], outputSize[1], dims.channels];
  const rows = Int32Array.from({ length: count }, (_, i) => i);
  const pool = tf.customGrad((featuresArg, boxesArg) => {
    const samplings = samplingsOf((boxesArg as tf.Tensor).dataSync() as Float32Array, boxIndex, rows, dims, options);
    if (backendPools()) {
      return {
        value: poolOnBackend(featuresArg as tf.Tensor, samplings, outputSize),
        gradFunc: (dy: tf.Tensor4D) => [poolGradOnBackend(dy, samplings, outputSize, features.shape), tf.zerosLike(boxesArg as tf.Tensor)],
      };
    }
    const out = new Float32Array(count * outputSize[0] * outputSize[1] * dims.channels);
    roiAlignForwardInto((featuresArg as tf.Tensor).dataSync() as Float32Array, dims, samplings, rows, outputSize, out);
    return {
      value: tf.tensor4d(out, outShape),
      gradFunc: (dy: tf.Tensor4D) => {
        const gradFeatures = new Float32Array(features.size);
        roiAlignBackwardInto(dy.dataSync() as Float32Array, dims, samplings, rows, outputSize, gradFeatures);
        return [tf.tensor4d(gradFeatures, features.shape), tf.zerosLike(boxesArg as tf.Tensor)];
      },
    };
  });
  return pool(features, boxes) as tf.Tensor4D;
}
