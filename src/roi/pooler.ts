/**
 * The multi-level RoI pooler of an FPN (Detectron2's `ROIPooler`, torchvision's
 * `MultiScaleRoIAlign`): each box is pooled with RoIAlign from the one level that
 * `assignBoxesToLevels` picks for its size, and the results come back in the input box order.
 *
 * Detectron2's mask_rcnn_R_50_FPN_3x pools with ROIAlignV2 (`aligned: true`), sampling ratio 0,
 * 7 x 7 for the box head and 14 x 14 for the mask head; torchvision's Mask R-CNN with
 * `aligned: false`, sampling ratio 2. With a single level both skip the level formula and pool
 * every box from it; so does this.
 *
 * The bilinear sampling is worked out on the CPU (`samplingsOf`) and the weighted sums run in
 * JavaScript over the features read back, unless the active backend registers the kernels
 * `ROI_ALIGN_KERNEL` and `ROI_ALIGN_GRAD_KERNEL`: then the sums run there, on the same samplings
 * (WebGPU, which cannot read tensors back synchronously in Node: `src/backend/webgpu/`).
 *
 * Shape shorthand: L: levels, N: images, Hl, Wl: size of level l, C: channels, R: boxes,
 * K: the boxes of one level, PH, PW: output bins.
 */
import * as tf from '@tensorflow/tfjs-core';

import { describe } from '../utils/describe.js';
import { type LevelStyle, assignBoxesToLevels } from './pooler-levels.js';
import { checkBoxes, checkFeatures, checkSamplingOptions, checkScale } from './roi-align-checks.js';
import { roiAlignBackwardInto, roiAlignForwardInto } from './roi-align-kernel.js';
import { backendPools, poolGradOnBackend as levelGradOnBackend, poolOnBackend as poolOnBackendLevel } from './roi-align-backend.js';
import { type BoxSampling, samplingsOf } from './roi-align-sampling.js';

/** The backend kernel's forward: rows `rowsByLevel[l]` of the [R, PH, PW, C] result pooled from level l, zeros for boxes of no level. */
function poolOnBackend(
  levelArgs: readonly tf.Tensor[],
  rowsByLevel: readonly Int32Array[],
  samplingsByLevel: readonly BoxSampling[][],
  outShape: [number, number, number, number],
): tf.Tensor4D {
  return tf.tidy(() => {
    const [count, ph, pw, channels] = outShape;
    // The levels' outputs stacked, then a row of zeros: (sum K) + 1 rows; `order` maps each box to its row.
    const parts: tf.Tensor4D[] = [];
    const order = new Int32Array(count).fill(-1);
    let at = 0;
    rowsByLevel.forEach((rows, l) => {
      if (rows.length === 0) return;
      parts.push(poolOnBackendLevel(levelArgs[l], samplingsByLevel[l], [ph, pw]));
      for (const r of rows) order[r] = at++;
    });
    parts.push(tf.zeros([1, ph, pw, channels]));
    for (let r = 0; r < count; r++) if (order[r] < 0) order[r] = at;
    return tf.gather(tf.concat(parts), order);
  });
}

/** The backend kernel's backward: the gradient of each level from the rows of `dy` [R, PH, PW, C] it pooled. */
function poolGradOnBackend(
  dy: tf.Tensor4D,
  levelArgs: readonly tf.Tensor[],
  rowsByLevel: readonly Int32Array[],
  samplingsByLevel: readonly BoxSampling[][],
  outputSize: readonly [number, number],
): tf.Tensor4D[] {
  return rowsByLevel.map((rows, l) => {
    const shape = levelArgs[l].shape as [number, number, number, number];
    if (rows.length === 0) return tf.zeros(shape);
    return tf.tidy(() => levelGradOnBackend(tf.gather(dy, rows), samplingsByLevel[l], outputSize, shape));
  });
}

export interface MultiLevelRoiAlignOptions {
  /** Output bins `[height, width]`. */
  readonly outputSize: readonly [number, number];
  /** [L] 1 / stride of each level, finest first, each half the one before (1/4, 1/8, 1/16, 1/32 for P2..P5). */
  readonly scales: readonly number[];
  /** Samples per bin along each axis; 0: adaptive, `ceil(roi size / bins)`. */
  readonly samplingRatio: number;
  /** true: ROIAlignV2 (Detectron2); false: legacy RoIAlign (torchvision's pooler). */
  readonly aligned: boolean;
  /** Whose level formula: 'detectron2' (eps 1e-8 inside log2) or 'torchvision' (eps 1e-6 outside). */
  readonly style: LevelStyle;
  /** Box size placed on `canonicalLevel`; default 224, as in both libraries. */
  readonly canonicalBoxSize?: number;
  /** Level of a box of `canonicalBoxSize`; default 4, as in both libraries. */
  readonly canonicalLevel?: number;
}

/** The level numbers of `scales`: -log2 of each, checked to be a pyramid of integer levels. */
function levelRange(op: string, scales: readonly number[]): [number, number] {
  if (!Array.isArray(scales) || scales.length === 0) throw new Error(`${op}: scales: expected a non-empty array, got ${describe(scales)}`);
  scales.forEach((scale, l) => checkScale(op, `scales[${l}]`, scale));
  const minLevel = Math.round(-Math.log2(scales[0]));
  scales.forEach((scale, l) => {
    if (Math.abs(-Math.log2(scale) - (minLevel + l)) > 1e-9) {
      throw new Error(`${op}: scales: expected 1 / 2^level for consecutive levels (2^-${minLevel + l} at ${l}), got [${scales.join(', ')}]`);
    }
  });
  return [minLevel, minLevel + scales.length - 1];
}

/**
 * RoIAlign of each box on the feature level that its size selects.
 *
 * @param featuresByLevel [L] float32 feature maps [N, Hl, Wl, C], finest first (P2..P5).
 * @param boxes [R, 4] float32 boxes `x1, y1, x2, y2` in input-image pixels.
 * @param boxIndex [R] the image of each box, in [0, N).
 * @returns [R, PH, PW, C] float32 in the order of `boxes`; zeros for a box of negative area
 *   (no level, as in both libraries). Differentiable w.r.t. every level; the gradient w.r.t.
 *   `boxes` is zero (torchvision's roi_align has none either).
 */
export function multiLevelRoiAlign(
  featuresByLevel: readonly tf.Tensor4D[],
  boxes: tf.Tensor2D,
  boxIndex: Int32Array,
  options: MultiLevelRoiAlignOptions,
): tf.Tensor4D {
  const op = 'multiLevelRoiAlign';
  if (!Array.isArray(featuresByLevel) || featuresByLevel.length === 0) {
    throw new Error(`${op}: featuresByLevel: expected a non-empty array of [N, H, W, C] tensors, got ${describe(featuresByLevel)}`);
  }
  const dims = featuresByLevel.map((features, l) => checkFeatures(op, `featuresByLevel[${l}]`, features));
  dims.forEach((d, l) => {
    if (d.images !== dims[0].images || d.channels !== dims[0].channels) {
      throw new Error(`${op}: featuresByLevel[${l}]: expected ${dims[0].images} image(s) of ${dims[0].channels} channels like level 0, got shape [${featuresByLevel[l].shape.join(', ')}]`);
    }
  });
  const count = checkBoxes(op, boxes, boxIndex, dims[0].images);
  checkSamplingOptions(op, options);
  const [minLevel, maxLevel] = levelRange(op, options.scales);
  if (options.scales.length !== featuresByLevel.length) {
    throw new Error(`${op}: scales: expected one per level (${featuresByLevel.length}), got [${options.scales.join(', ')}]`);
  }
  const { outputSize } = options;
  const { channels } = dims[0];
  const outShape: [number, number, number, number] = [count, outputSize[0], outputSize[1], channels];

  const pool = tf.customGrad((...args) => {
    const [boxesArg, ...levelArgs] = args as tf.Tensor[];
    const boxData = boxesArg.dataSync() as Float32Array;
    const levels =
      featuresByLevel.length === 1
        ? new Int32Array(count)
        : assignBoxesToLevels(boxData, {
            minLevel,
            maxLevel,
            canonicalBoxSize: options.canonicalBoxSize ?? 224,
            canonicalLevel: options.canonicalLevel ?? 4,
            style: options.style,
          });
    // (R) -> per level: the input rows of its boxes, which are also their output rows.
    const rowsByLevel = dims.map((_, l) => Int32Array.from(levels.keys()).filter((r) => levels[r] === l));
    const samplingsByLevel: BoxSampling[][] = rowsByLevel.map((rows, l) =>
      samplingsOf(boxData, boxIndex, rows, dims[l], { ...options, spatialScale: options.scales[l] }),
    );
    if (backendPools()) {
      return {
        value: poolOnBackend(levelArgs, rowsByLevel, samplingsByLevel, outShape),
        gradFunc: (dy: tf.Tensor4D) => [tf.zerosLike(boxesArg), ...poolGradOnBackend(dy, levelArgs, rowsByLevel, samplingsByLevel, outputSize)],
      };
    }
    const out = new Float32Array(count * outputSize[0] * outputSize[1] * channels);
    rowsByLevel.forEach((rows, l) => {
      if (rows.length === 0) return;
      roiAlignForwardInto(levelArgs[l].dataSync() as Float32Array, dims[l], samplingsByLevel[l], rows, outputSize, out);
    });
    return {
      value: tf.tensor4d(out, outShape),
      gradFunc: (dy: tf.Tensor4D) => {
        const gradOut = dy.dataSync() as Float32Array;
        const gradLevels = rowsByLevel.map((rows, l) => {
          const grad = new Float32Array(levelArgs[l].size);
          roiAlignBackwardInto(gradOut, dims[l], samplingsByLevel[l], rows, outputSize, grad);
          return tf.tensor4d(grad, featuresByLevel[l].shape);
        });
        return [tf.zerosLike(boxesArg), ...gradLevels];
      },
    };
  });
  return pool(boxes, ...featuresByLevel) as tf.Tensor4D;
}

