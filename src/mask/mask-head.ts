/**
 * The mask head of Mask R-CNN R50-FPN: Detectron2's `MaskRCNNConvUpsampleHead`
 * (modeling/roi_heads/mask_head.py) and its inference step `mask_rcnn_inference`.
 *
 * Shape shorthand: D: detections, S x S: pooled size (14 x 14), C: channels in (256),
 * F: conv width (256), K: mask classes (K foreground classes, or 1 when class-agnostic).
 *
 * Only the detections that survived the score threshold, NMS and the per-image cap reach this
 * head at inference: the composition pools the features of the detected boxes (not of the
 * proposals), as Detectron2 and torchvision do.
 *
 * Parameters (Detectron2 names, `WeightMap` layouts):
 * - `roi_heads.mask_head.mask_fcn{i}.weight` [3, 3, in, F], `.bias` [F], i = 1..4 (as many as
 *   the map holds): conv 3x3, padding 1, relu;
 * - `roi_heads.mask_head.deconv.weight` [2, 2, F, F] (`[kh, kw, out, in]`), `.bias` [F]:
 *   transposed conv 2x2, stride 2, relu;
 * - `roi_heads.mask_head.predictor.weight` [1, 1, F, K], `.bias` [K]: 1x1 conv to mask logits.
 */
import * as tf from '@tensorflow/tfjs-core';

import { type WeightMap, getWeight, hasWeight } from '../weights/weight-map.js';

const MASK_HEAD = 'roi_heads.mask_head';

function tensorShape(x: unknown): string {
  return x instanceof tf.Tensor ? `shape [${x.shape.join(', ')}]` : typeof x;
}

/** Kernel `<name>.weight` checked to be [kh, kw, `inChannels`, out] and its bias [out]. */
function convParams(weights: WeightMap, name: string, kernelSize: number, inChannels: number): { filter: tf.Tensor4D; bias: tf.Tensor1D } {
  const filter = getWeight(weights, `${name}.weight`) as tf.Tensor4D;
  const [kh, kw, ci] = filter.shape;
  if (filter.rank !== 4 || kh !== kernelSize || kw !== kernelSize || ci !== inChannels) {
    throw new Error(`weight "${name}.weight" has shape [${filter.shape.join(', ')}], expected [${kernelSize}, ${kernelSize}, ${inChannels}, out]`);
  }
  return { filter, bias: getWeight(weights, `${name}.bias`, [filter.shape[3]]) as tf.Tensor1D };
}

/**
 * Transposed convolution 2x2, stride 2 (`ConvTranspose2d(F, F, 2, stride=2)`), plus bias and
 * relu. The 2x2 windows of a stride-2, kernel-2 transposed conv do not overlap, so it is one
 * matmul [D*S*S, F] x [F, 4F] followed by depthToSpace; tfjs's conv2dTranspose (a naive loop on
 * wasm) computes the same sums.
 *
 * @param x [D, S, S, F] -> [D, 2S, 2S, F'].
 */
function deconvRelu(weights: WeightMap, x: tf.Tensor4D): tf.Tensor4D {
  const name = `${MASK_HEAD}.deconv`;
  const [d, h, w, f] = x.shape;
  const filter = getWeight(weights, `${name}.weight`) as tf.Tensor4D;
  if (filter.rank !== 4 || filter.shape[0] !== 2 || filter.shape[1] !== 2 || filter.shape[3] !== f) {
    throw new Error(`weight "${name}.weight" has shape [${filter.shape.join(', ')}], expected [2, 2, out, ${f}]`);
  }
  const out = filter.shape[2];
  const bias = getWeight(weights, `${name}.bias`, [out]);
  return tf.tidy(() => {
    // [kh, kw, out, in] -> [in, kh, kw, out] -> [in, kh*kw*out]: column (i*2 + j)*out + o, the
    // channel order depthToSpace reads block (i, j) from.
    const kernel = tf.reshape(tf.transpose(filter, [3, 0, 1, 2]), [f, 4 * out]) as tf.Tensor2D;
    const tiledBias = tf.tile(bias, [4]) as tf.Tensor1D;
    // (D, S, S, F) -> (D*S*S, F)
    const rows = tf.reshape(x, [d * h * w, f]) as tf.Tensor2D;
    const blocks = tf.fused.matMul({ a: rows, b: kernel, bias: tiledBias, activation: 'relu' });
    // (D*S*S, 4F') -> (D, S, S, 4F') -> (D, 2S, 2S, F')
    return depthToSpace2(tf.reshape(blocks, [d, h, w, 4 * out]) as tf.Tensor4D);
  });
}

/**
 * `tf.depthToSpace(x, 2)` with a gradient (tfjs registers none for DepthToSpace): the gradient
 * undoes the rearrangement with a reshape and a transpose.
 *
 * @param x [D, S, S, 4F] -> [D, 2S, 2S, F], channel block (i*2 + j) going to offset (i, j).
 */
function depthToSpace2(x: tf.Tensor4D): tf.Tensor4D {
  const [d, h, w, c4] = x.shape;
  const op = tf.customGrad((input) => ({
    value: tf.depthToSpace(input as tf.Tensor4D, 2, 'NHWC'),
    // (D, 2S, 2S, F) -> (D, S, 2, S, 2, F) -> (D, S, S, 2, 2, F) -> (D, S, S, 4F)
    gradFunc: (dy: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(dy, [d, h, 2, w, 2, c4 / 4]), [0, 1, 3, 2, 4, 5]), [d, h, w, c4]),
  }));
  return op(x) as tf.Tensor4D;
}

/**
 * The mask head on pooled features of the detected boxes.
 *
 * @param weights parameters by Detectron2 name (see the module comment).
 * @param pooled [D, S, S, C] RoIAlign output (NHWC, S = 14 in Mask R-CNN).
 * @returns [D, 2S, 2S, K] mask logits; the caller disposes it.
 * @throws Error when `pooled` is not rank 4 or a weight is missing or does not fit.
 */
export function maskHeadForward(weights: WeightMap, pooled: tf.Tensor4D): tf.Tensor4D {
  if (!(pooled instanceof tf.Tensor) || pooled.rank !== 4) {
    throw new Error(`maskHeadForward: pooled must be a [D, S, S, C] tensor, got ${tensorShape(pooled)}`);
  }
  if (!hasWeight(weights, `${MASK_HEAD}.mask_fcn1.weight`)) throw new Error(`missing weight "${MASK_HEAD}.mask_fcn1.weight"`);
  return tf.tidy(() => {
    let x = pooled;
    for (let i = 1; hasWeight(weights, `${MASK_HEAD}.mask_fcn${i}.weight`); i++) {
      const { filter, bias } = convParams(weights, `${MASK_HEAD}.mask_fcn${i}`, 3, x.shape[3]);
      // PyTorch's padding 1 on every side; for 3x3 stride 1 that is tfjs's 'same'.
      x = tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' });
    }
    x = deconvRelu(weights, x);
    const { filter, bias } = convParams(weights, `${MASK_HEAD}.predictor`, 1, x.shape[3]);
    return tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'valid' });
  });
}

/**
 * Mask probabilities of each detection's class (`mask_rcnn_inference`): the sigmoid of channel
 * `classes[i]` of detection i, or of the only channel when the head is class-agnostic (K = 1).
 *
 * @param logits [D, M, M, K] from `maskHeadForward`.
 * @param classes [D] foreground class of each detection, in [0, K) (ignored when K = 1).
 * @returns [D, M, M] probabilities in [0, 1]; the caller disposes it.
 */
export function selectClassMasks(logits: tf.Tensor4D, classes: Int32Array): tf.Tensor3D {
  if (!(logits instanceof tf.Tensor) || logits.rank !== 4) {
    throw new Error(`selectClassMasks: logits must be a [D, M, M, K] tensor, got ${tensorShape(logits)}`);
  }
  const [d, h, w, k] = logits.shape;
  if (!(classes instanceof Int32Array) || classes.length !== d) {
    throw new Error(`selectClassMasks: classes must be an Int32Array of length ${d} (one per detection), got ${classes?.constructor?.name ?? typeof classes} of length ${(classes as { length?: number })?.length}`);
  }
  if (k > 1) {
    const bad = classes.findIndex((c) => c < 0 || c >= k);
    if (bad >= 0) throw new RangeError(`selectClassMasks: classes[${bad}] = ${classes[bad]} is outside [0, ${k})`);
  }
  return tf.tidy(() => {
    if (k === 1) return tf.sigmoid(tf.reshape(logits, [d, h, w])) as tf.Tensor3D;
    // A one-hot product selects exactly: x * 1 + 0 * (the others) == x for finite logits
    // (and avoids gather, slow on wasm). The one-hot is made int32 and cast: tfjs 4.22's wasm
    // OneHot writes integer bits into a float32 output.
    const oneHot = tf.reshape(tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), k), 'float32'), [d, 1, 1, k]);
    return tf.sigmoid(tf.sum(tf.mul(logits, oneHot), 3)) as tf.Tensor3D;
  });
}
