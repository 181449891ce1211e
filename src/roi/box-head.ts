/**
 * The box head and box predictor of Mask R-CNN R50-FPN: Detectron2's `FastRCNNConvFCHead` with
 * no convolutions and its fully connected layers (`MODEL.ROI_BOX_HEAD.NUM_FC` = 2 of 1024, relu),
 * then `FastRCNNOutputLayers` (a class score and class-specific box deltas per RoI).
 *
 * Shape shorthand: R: RoIs (proposals), P x P: pooled size (7 x 7), C: channels (256),
 * F: width of the fully connected layers (1024), K: foreground classes.
 *
 * Parameters (Detectron2 names, `WeightMap` layouts):
 * - `roi_heads.box_head.fc{i}.weight` [in, F], `.bias` [F] for i = 1, 2, ... (as many as the
 *   map holds); fc1's input is the pooled features flattened in NHWC order (y, x, c);
 * - `roi_heads.box_predictor.cls_score.weight` [F, K + 1], `.bias` [K + 1]: background LAST
 *   (Detectron2's layout; the weight maps move torchvision's background-first column there);
 * - `roi_heads.box_predictor.bbox_pred.weight` [F, 4K], `.bias` [4K]: deltas `dx, dy, dw, dh`
 *   of class k in columns 4k..4k+3, no background block (or [F, 4] for class-agnostic
 *   regression, `MODEL.ROI_BOX_HEAD.CLS_AGNOSTIC_BBOX_REG`).
 */
import * as tf from '@tensorflow/tfjs-core';

import { type WeightMap, getWeight, hasWeight } from '../weights/weight-map.js';

const BOX_HEAD = 'roi_heads.box_head';
const BOX_PREDICTOR = 'roi_heads.box_predictor';

/** What the box predictor says about each RoI. */
export interface BoxHeadOutputs {
  /** [R, K + 1] class logits, background last. */
  readonly logits: tf.Tensor2D;
  /** [R, 4K] class-specific box deltas (or [R, 4] class-agnostic), unscaled (weights 10, 10, 5, 5 apply when decoding). */
  readonly deltas: tf.Tensor2D;
}

/** A dense layer `<name>.weight` [in, out] + `<name>.bias` [out], checked to take `inFeatures`. */
function dense(weights: WeightMap, name: string, x: tf.Tensor2D, relu: boolean): tf.Tensor2D {
  const kernel = getWeight(weights, `${name}.weight`) as tf.Tensor2D;
  if (kernel.rank !== 2 || kernel.shape[0] !== x.shape[1]) {
    throw new Error(`weight "${name}.weight" has shape [${kernel.shape.join(', ')}], expected [${x.shape[1]}, out]`);
  }
  const bias = getWeight(weights, `${name}.bias`, [kernel.shape[1]]) as tf.Tensor1D;
  return tf.fused.matMul({ a: x, b: kernel, bias, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
}

/**
 * The box head and predictor on pooled RoI features.
 *
 * @param weights parameters by Detectron2 name (see the module comment).
 * @param pooled [R, P, P, C] RoIAlign output (NHWC).
 * @returns logits [R, K + 1] (background last) and deltas [R, 4K]; the caller disposes them.
 * @throws Error when `pooled` is not rank 4, when a weight is missing or does not fit, or when
 *   the map holds box-head convolutions (`NUM_CONV` > 0 is not supported).
 */
export function boxHeadForward(weights: WeightMap, pooled: tf.Tensor4D): BoxHeadOutputs {
  if (!(pooled instanceof tf.Tensor) || pooled.rank !== 4) {
    const got = pooled instanceof tf.Tensor ? `shape [${pooled.shape.join(', ')}]` : typeof pooled;
    throw new Error(`boxHeadForward: pooled must be a [R, P, P, C] tensor, got ${got}`);
  }
  if (hasWeight(weights, `${BOX_HEAD}.conv1.weight`)) {
    throw new Error(`boxHeadForward: the weights hold "${BOX_HEAD}.conv1.weight"; box heads with convolutions are not supported`);
  }
  if (!hasWeight(weights, `${BOX_HEAD}.fc1.weight`)) throw new Error(`missing weight "${BOX_HEAD}.fc1.weight"`);
  const [r, p1, p2, c] = pooled.shape;
  return tf.tidy(() => {
    // (R, P, P, C) -> (R, P*P*C), flattened in (y, x, c) order as fc1's kernel rows are.
    let x = tf.reshape(pooled, [r, p1 * p2 * c]) as tf.Tensor2D;
    for (let i = 1; hasWeight(weights, `${BOX_HEAD}.fc${i}.weight`); i++) {
      x = dense(weights, `${BOX_HEAD}.fc${i}`, x, true);
    }
    const logits = dense(weights, `${BOX_PREDICTOR}.cls_score`, x, false);
    const deltas = dense(weights, `${BOX_PREDICTOR}.bbox_pred`, x, false);
    const k = logits.shape[1] - 1;
    if (deltas.shape[1] !== 4 * k && deltas.shape[1] !== 4) {
      throw new Error(`boxHeadForward: bbox_pred gives ${deltas.shape[1]} deltas per RoI, expected ${4 * k} (4 per class of ${k}) or 4`);
    }
    return { logits, deltas };
  });
}
