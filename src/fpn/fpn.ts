/**
 * Detectron2's Feature Pyramid Network (modeling/backbone/fpn.py, the FPN paper's Fig. 3) on
 * the ResNet stages res2..res5:
 *
 *   lateral_k = conv1x1(res_k)                          (`<prefix>.fpn_lateral{k}`)
 *   top_5 = lateral_5,  top_k = lateral_k + up(top_{k+1})  (divided by 2 when fuseType 'avg')
 *   p_k = conv3x3 pad 1(top_k)                          (`<prefix>.fpn_output{k}`)
 *   p6 = max pool kernel 1 stride 2 (p5)               (`LastLevelMaxPool`: p5's even pixels)
 *
 * `up` is nearest-neighbour upsampling to the lateral's size, as torchvision's FPN does
 * (`F.interpolate(size=...)`: source index floor(dst * in / out)). Detectron2 upsamples by
 * `scale_factor=2`, which is the same when each level is exactly twice the next (inputs padded to
 * a multiple of 32, as the model does); on other sizes Detectron2 fails on the shape mismatch
 * and this follows torchvision (a level of odd size 2m - 1 over one of size m takes rows
 * floor(i * m / (2m - 1))).
 *
 * Shapes: N images, H x W the (padded) image; `res{k}` `[N, Hk, Wk, Ck]` with Hk = ceil(H / 2^k);
 * `p{k}` `[N, Hk, Wk, C]` for k = 2..6 (H6 = ceil(H5 / 2)), C the FPN width (256); NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';

import { convNorm } from '../backbone/conv.js';
import type { WeightMap } from '../weights/weight-map.js';

/** The ResNet features the FPN reads, strides 4, 8, 16, 32. */
export type FpnInput = Readonly<Record<'res2' | 'res3' | 'res4' | 'res5', tf.Tensor4D>>;

/** The pyramid: strides 4, 8, 16, 32, 64. */
export type FpnFeatures = Record<'p2' | 'p3' | 'p4' | 'p5' | 'p6', tf.Tensor4D>;

export interface FpnOptions {
  /** `MODEL.FPN.FUSE_TYPE`: how a lateral and the upsampled coarser level combine; 'sum' by default, as in Detectron2. */
  readonly fuseType?: 'sum' | 'avg';
  /** Name prefix of the weights; `backbone` (Detectron2's FPN backbone) by default. */
  readonly prefix?: string;
}

const LEVELS = [2, 3, 4, 5] as const;

/**
 * The FPN of `weights` (`<prefix>.fpn_lateral{2..5}`, `<prefix>.fpn_output{2..5}`, with bias or
 * FrozenBatchNorm) over `features`. Returns p2..p6 (the caller disposes them).
 * @throws Error naming the feature or weight when shapes do not fit.
 */
export function fpnForward(weights: WeightMap, features: FpnInput, options: FpnOptions = {}): FpnFeatures {
  const prefix = options.prefix ?? 'backbone';
  const fuseType = options.fuseType ?? 'sum';
  if (fuseType !== 'sum' && fuseType !== 'avg') throw new Error(`fpnForward: fuseType must be 'sum' or 'avg', got ${String(fuseType)}`);
  let batch = -1;
  for (const k of LEVELS) {
    const f = features[`res${k}`];
    if (f === undefined || f.rank !== 4 || (batch >= 0 && f.shape[0] !== batch)) {
      throw new Error(
        `fpnForward: features.res${k} must be [N, H, W, C] with the batch of the others, got ${f === undefined ? 'undefined' : `[${f.shape.join(', ')}]`}`,
      );
    }
    batch = f.shape[0];
  }
  return tf.tidy(() => {
    const lateral = (k: (typeof LEVELS)[number]) =>
      convNorm(weights, `${prefix}.fpn_lateral${k}`, features[`res${k}`], { stride: 1, padding: 0, relu: false });
    const output = (top: tf.Tensor4D, k: (typeof LEVELS)[number]) =>
      convNorm(weights, `${prefix}.fpn_output${k}`, top, { stride: 1, padding: 1, relu: false });
    let top = lateral(5);
    const p5 = output(top, 5);
    const outputs: Partial<FpnFeatures> = { p5, p6: tf.maxPool(p5, 1, 2, 'valid') };
    for (const k of [4, 3, 2] as const) {
      const fine = lateral(k);
      const sum = addUpsampled(fine, top);
      top = fuseType === 'avg' ? tf.div(sum, 2) : sum;
      outputs[`p${k}`] = output(top, k);
    }
    return outputs as FpnFeatures;
  });
}

/**
 * `fine` `[N, Hf, Wf, C]` plus `coarse` `[N, Hc, Wc, C]` upsampled (nearest) to Hf x Wf.
 * When Hf = 2 Hc and Wf = 2 Wc (every level of an image padded to a multiple of 32) each coarse
 * pixel covers a 2x2 block and the sum is one broadcasting add: on wasm about 5x faster than
 * resizeNearestNeighbor then add (on cpu slower, but small beside that backend's convolutions).
 * Otherwise resizeNearestNeighbor, whose legacy mode takes source floor(dst * in / out) as
 * PyTorch's 'nearest' does.
 */
function addUpsampled(fine: tf.Tensor4D, coarse: tf.Tensor4D): tf.Tensor4D {
  const [n, hf, wf, c] = fine.shape;
  const [, hc, wc] = coarse.shape;
  return tf.tidy(() => {
    if (hf !== 2 * hc || wf !== 2 * wc) return tf.add(fine, tf.image.resizeNearestNeighbor(coarse, [hf, wf]));
    // (N, 2Hc, 2Wc, C) -> (N, Hc, 2, Wc, 2, C): the 2x2 block of fine pixels under each coarse one.
    const blocks = tf.reshape(fine, [n, hc, 2, wc, 2, c]);
    // (N, Hc, Wc, C) -> (N, Hc, 1, Wc, 1, C): broadcast over each block.
    const sum = tf.add(blocks, tf.reshape(coarse, [n, hc, 1, wc, 1, c]));
    // (N, Hc, 2, Wc, 2, C) -> (N, Hf, Wf, C)
    return tf.reshape(sum, [n, hf, wf, c]);
  });
}
