/**
 * Input checks shared by `roiAlign` and `multiLevelRoiAlign`: each names the op, the argument
 * and what came.
 *
 * Shape shorthand: N: images, H, W: feature map size, C: channels, R: boxes.
 */
import * as tf from '@tensorflow/tfjs-core';

import { describe } from '../utils/describe.js';
import type { FeatureDims } from './roi-align-kernel.js';
import type { RoiAlignOptions } from './roi-align-sampling.js';

/** Checks an NHWC float32 feature map and returns its sizes. */
export function checkFeatures(op: string, what: string, features: tf.Tensor): FeatureDims {
  if (!(features instanceof tf.Tensor)) throw new Error(`${op}: ${what}: expected a [N, H, W, C] tensor, got ${describe(features)}`);
  if (features.rank !== 4 || features.dtype !== 'float32') {
    throw new Error(`${op}: ${what}: expected a float32 [N, H, W, C] tensor, got ${features.dtype} of shape [${features.shape.join(', ')}]`);
  }
  const [images, height, width, channels] = features.shape;
  if (height < 1 || width < 1) throw new Error(`${op}: ${what}: the map must be at least 1 x 1, got shape [${features.shape.join(', ')}]`);
  return { images, height, width, channels };
}

/** Checks [R, 4] boxes and their [R] image indices into a batch of `images`; returns R. */
export function checkBoxes(op: string, boxes: tf.Tensor, boxIndex: Int32Array, images: number): number {
  if (!(boxes instanceof tf.Tensor)) throw new Error(`${op}: boxes: expected a [R, 4] tensor, got ${describe(boxes)}`);
  if (boxes.rank !== 2 || boxes.shape[1] !== 4 || boxes.dtype !== 'float32') {
    throw new Error(`${op}: boxes: expected a float32 [R, 4] tensor, got ${boxes.dtype} of shape [${boxes.shape.join(', ')}]`);
  }
  const count = boxes.shape[0];
  if (!(boxIndex instanceof Int32Array) || boxIndex.length !== count) {
    throw new Error(`${op}: boxIndex: expected an Int32Array of length ${count} (one image per box), got ${describe(boxIndex)}`);
  }
  for (let i = 0; i < count; i++) {
    if (boxIndex[i] < 0 || boxIndex[i] >= images) {
      throw new Error(`${op}: boxIndex[${i}] is ${boxIndex[i]}, outside the batch of ${images} image(s)`);
    }
  }
  return count;
}

/** Checks the options shared by `roiAlign` and `multiLevelRoiAlign`. */
export function checkSamplingOptions(op: string, options: Omit<RoiAlignOptions, 'spatialScale'>): void {
  const size = options.outputSize as unknown;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0)) {
    throw new Error(`${op}: outputSize: expected [height, width] positive integers, got ${Array.isArray(size) ? `[${size.join(', ')}]` : describe(size)}`);
  }
  if (!Number.isInteger(options.samplingRatio) || options.samplingRatio < 0) {
    throw new Error(`${op}: samplingRatio: expected an integer >= 0 (0: adaptive), got ${describe(options.samplingRatio)}`);
  }
  if (typeof options.aligned !== 'boolean') throw new Error(`${op}: aligned: expected a boolean, got ${describe(options.aligned)}`);
}

/** Checks a spatial scale (1 / stride). */
export function checkScale(op: string, what: string, scale: number): void {
  if (!(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
    throw new Error(`${op}: ${what}: expected a finite number > 0, got ${describe(scale)}`);
  }
}
