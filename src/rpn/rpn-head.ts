/**
 * The RPN head (Detectron2's `StandardRPNHead`, torchvision's `RPNHead`): one 3x3 convolution
 * (padding 1) + ReLU shared by every level, then two 1x1 convolutions: objectness logits
 * (A channels) and anchor deltas (A*4 channels, channel a*4 + k for delta k of cell anchor a, as
 * PyTorch's `view(N, A, 4, Hi, Wi)` reads them).
 *
 * Shape shorthand: N: images, C: feature channels, A: cell anchors per location,
 * Hi, Wi: size of the i-th feature map. Features are NHWC float32.
 *
 * Parameters, by Detectron2 name in TensorFlow.js layouts (see `cellmask/weights`):
 *   `{prefix}.conv.weight` [3, 3, C, C'], `{prefix}.conv.bias` [C'],
 *   `{prefix}.objectness_logits.weight` [1, 1, C', A], `.bias` [A],
 *   `{prefix}.anchor_deltas.weight` [1, 1, C', A*4], `.bias` [A*4].
 * Only the standard single hidden convolution (Detectron2's `MODEL.RPN.CONV_DIMS = [-1]`,
 * torchvision's `conv_depth = 1`) is built.
 */
import * as tf from '@tensorflow/tfjs-core';

import { type WeightMap, getWeight } from '../weights/weight-map.js';

export interface RpnHeadOptions {
  /** Name prefix of the parameters. Default `'proposal_generator.rpn_head'`. */
  readonly prefix?: string;
}

/** What the head predicts for every anchor, per level, in the anchors' (y, x, a) order. */
export interface RpnHeadOutput {
  /** Per level, [N, Hi*Wi*A] objectness logits. */
  readonly logits: tf.Tensor2D[];
  /** Per level, [N, Hi*Wi*A, 4] deltas `dx, dy, dw, dh`. */
  readonly deltas: tf.Tensor3D[];
}

/**
 * Runs the head on every level.
 *
 * @param features [L] NHWC feature maps [N, Hi, Wi, C] (P2..P6), all with the same N and C.
 * @returns per level, logits [N, Hi*Wi*A] and deltas [N, Hi*Wi*A, 4]; the caller disposes them.
 */
export function rpnHead(features: readonly tf.Tensor4D[], weights: WeightMap, options: RpnHeadOptions = {}): RpnHeadOutput {
  const prefix = options.prefix ?? 'proposal_generator.rpn_head';
  if (!Array.isArray(features) || features.length === 0) {
    throw new TypeError('rpnHead: features must be a non-empty list of [N, Hi, Wi, C] tensors');
  }
  const [n, , , c] = features[0].shape;
  features.forEach((f, i) => {
    if (!(f instanceof tf.Tensor) || f.rank !== 4 || f.shape[0] !== n || f.shape[3] !== c) {
      const got = f instanceof tf.Tensor ? `shape [${f.shape.join(', ')}]` : String(f);
      throw new RangeError(`rpnHead: features[${i}] must be [${n}, Hi, Wi, ${c}] like features[0], got ${got}`);
    }
  });
  const convW = getWeight(weights, `${prefix}.conv.weight`, [3, 3, c, -1]) as tf.Tensor4D;
  const hidden = convW.shape[3];
  const convB = getWeight(weights, `${prefix}.conv.bias`, [hidden]) as tf.Tensor1D;
  const logitW = getWeight(weights, `${prefix}.objectness_logits.weight`, [1, 1, hidden, -1]) as tf.Tensor4D;
  const a = logitW.shape[3];
  const logitB = getWeight(weights, `${prefix}.objectness_logits.bias`, [a]) as tf.Tensor1D;
  const deltaW = getWeight(weights, `${prefix}.anchor_deltas.weight`, [1, 1, hidden, 4 * a]) as tf.Tensor4D;
  const deltaB = getWeight(weights, `${prefix}.anchor_deltas.bias`, [4 * a]) as tf.Tensor1D;

  const logits: tf.Tensor2D[] = [];
  const deltas: tf.Tensor3D[] = [];
  for (const x of features) {
    const [, h, w] = x.shape;
    const [l, d] = tf.tidy(() => {
      const t = tf.fused.conv2d({ x, filter: convW, strides: 1, pad: 1, bias: convB, activation: 'relu' });
      const obj = tf.fused.conv2d({ x: t, filter: logitW, strides: 1, pad: 'valid', bias: logitB });
      const del = tf.fused.conv2d({ x: t, filter: deltaW, strides: 1, pad: 'valid', bias: deltaB });
      return [
        // (N, Hi, Wi, A) -> (N, Hi*Wi*A)
        tf.reshape(obj, [n, h * w * a]) as tf.Tensor2D,
        // (N, Hi, Wi, A*4) -> (N, Hi*Wi*A, 4)
        tf.reshape(del, [n, h * w * a, 4]) as tf.Tensor3D,
      ];
    });
    logits.push(l);
    deltas.push(d);
  }
  return { logits, deltas };
}
