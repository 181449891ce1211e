/**
 * The R-CNN box coder: Detectron2's `Box2BoxTransform` (`get_deltas`, `apply_deltas`), which is
 * formula for formula torchvision's `BoxCoder` (`encode_single`, `decode_single`), so there is
 * no style switch: both compute widths as `x2 - x1` (no +1), centres as `x1 + 0.5 * w`, divide
 * the deltas by the weights, clamp only dw and dh from above at `scaleClamp` before `exp`, and
 * write `x1 = cx - 0.5 * w`, `x2 = cx + 0.5 * w` (torchvision's `c_to_c_w` is the same product).
 *
 * Shape shorthand: R: boxes, K: boxes per row (class-specific regression: one box per class).
 * Boxes are absolute `x1, y1, x2, y2`; deltas are `dx, dy, dw, dh` per box:
 *   dx = wx * (cx' - cx) / w,  dy = wy * (cy' - cy) / h,  dw = ww * log(w' / w),  dh = wh * log(h' / h)
 * (Eqn. (2) of the Faster R-CNN paper, with weights), and decoding inverts it.
 */
import * as tf from '@tensorflow/tfjs-core';

import { describe } from '../utils/describe.js';
import { type BoxWeights, DEFAULT_SCALE_CLAMP, RPN_BOX_WEIGHTS, checkClamp, checkWeights } from './box-coder-array.js';

export { type BoxWeights, DEFAULT_SCALE_CLAMP, RPN_BOX_WEIGHTS, decodeBoxesArray } from './box-coder-array.js';

/**
 * The deltas that take each box of `src` to the box of `target` in the same row
 * (`get_deltas(src, target)`; torchvision: `encode_single(target, src)`).
 * Source boxes need positive sides (Detectron2 asserts it; not checked here, which would read
 * the tensor back).
 *
 * @param src [R, 4] reference boxes (anchors, proposals).
 * @param target [R, 4] boxes to reach (matched ground truth).
 * @returns [R, 4] deltas `dx, dy, dw, dh`.
 */
export function encodeBoxes(src: tf.Tensor2D, target: tf.Tensor2D, weights: BoxWeights = RPN_BOX_WEIGHTS): tf.Tensor2D {
  checkBoxTensor(src, 'encodeBoxes', 'src');
  checkBoxTensor(target, 'encodeBoxes', 'target');
  if (target.shape[0] !== src.shape[0]) {
    throw new RangeError(`encodeBoxes: target has shape [${target.shape.join(', ')}], expected [${src.shape[0]}, 4] (one per src box)`);
  }
  checkWeights(weights, 'encodeBoxes');
  const [wx, wy, ww, wh] = weights;
  return tf.tidy(() => {
    const s = corners(src);
    const t = corners(target);
    const dx = tf.div(tf.mul(wx, tf.sub(t.cx, s.cx)), s.w);
    const dy = tf.div(tf.mul(wy, tf.sub(t.cy, s.cy)), s.h);
    const dw = tf.mul(ww, tf.log(tf.div(t.w, s.w)));
    const dh = tf.mul(wh, tf.log(tf.div(t.h, s.h)));
    // 4 x (R, 1) -> (R, 4)
    return tf.concat([dx, dy, dw, dh], 1) as tf.Tensor2D;
  });
}

/**
 * Applies `deltas` to `boxes` (`apply_deltas`; torchvision's `decode_single`), K boxes per row.
 *
 * @param deltas [R, K*4] `dx, dy, dw, dh` per box, box k at columns 4k..4k+3.
 * @param boxes [R, 4] reference boxes.
 * @param scaleClamp upper bound of dw and dh (after dividing by the weights) before `exp`.
 * @returns [R, K*4] boxes `x1, y1, x2, y2`.
 */
export function decodeBoxes(
  deltas: tf.Tensor2D,
  boxes: tf.Tensor2D,
  weights: BoxWeights = RPN_BOX_WEIGHTS,
  scaleClamp = DEFAULT_SCALE_CLAMP,
): tf.Tensor2D {
  checkBoxTensor(boxes, 'decodeBoxes', 'boxes');
  if (!(deltas instanceof tf.Tensor) || deltas.rank !== 2 || deltas.shape[1] % 4 !== 0 || deltas.shape[0] !== boxes.shape[0]) {
    const got = deltas instanceof tf.Tensor ? `shape [${deltas.shape.join(', ')}]` : describe(deltas);
    throw new RangeError(`decodeBoxes: deltas must be a [${boxes.shape[0]}, K*4] tensor (one row per box), got ${got}`);
  }
  checkWeights(weights, 'decodeBoxes');
  checkClamp(scaleClamp, 'decodeBoxes');
  const [wx, wy, ww, wh] = weights;
  const [r, k4] = deltas.shape;
  return tf.tidy(() => {
    const b = corners(boxes);
    // (R, K*4) -> (R, K, 4) -> 4 x (R, K, 1); the box columns (R, 1) -> (R, 1, 1) broadcast over K.
    const [ddx, ddy, ddw, ddh] = tf.split(tf.reshape(deltas, [r, k4 / 4, 4]), 4, 2);
    const [w, h, cx, cy] = [b.w, b.h, b.cx, b.cy].map((t) => tf.reshape(t, [r, 1, 1]));
    const dx = tf.div(ddx, wx);
    const dy = tf.div(ddy, wy);
    const dw = tf.minimum(tf.div(ddw, ww), scaleClamp);
    const dh = tf.minimum(tf.div(ddh, wh), scaleClamp);
    const px = tf.add(tf.mul(dx, w), cx);
    const py = tf.add(tf.mul(dy, h), cy);
    const halfW = tf.mul(0.5, tf.mul(tf.exp(dw), w));
    const halfH = tf.mul(0.5, tf.mul(tf.exp(dh), h));
    const out = tf.concat([tf.sub(px, halfW), tf.sub(py, halfH), tf.add(px, halfW), tf.add(py, halfH)], 2);
    // (R, K, 4) -> (R, K*4)
    return tf.reshape(out, [r, k4]) as tf.Tensor2D;
  });
}

/** Widths, heights and centres of [R, 4] boxes, each (R, 1). */
function corners(boxes: tf.Tensor2D): { w: tf.Tensor; h: tf.Tensor; cx: tf.Tensor; cy: tf.Tensor } {
  // (R, 4) -> 4 x (R, 1)
  const [x1, y1, x2, y2] = tf.split(boxes, 4, 1);
  const w = tf.sub(x2, x1);
  const h = tf.sub(y2, y1);
  return { w, h, cx: tf.add(x1, tf.mul(0.5, w)), cy: tf.add(y1, tf.mul(0.5, h)) };
}

function checkBoxTensor(t: tf.Tensor, fn: string, arg: string): void {
  if (!(t instanceof tf.Tensor) || t.rank !== 2 || t.shape[1] !== 4) {
    const got = t instanceof tf.Tensor ? `shape [${t.shape.join(', ')}]` : describe(t);
    throw new RangeError(`${fn}: ${arg} must be an [R, 4] tensor of x1, y1, x2, y2 boxes, got ${got}`);
  }
  if (t.dtype !== 'float32') throw new TypeError(`${fn}: ${arg} must be float32, got ${t.dtype}`);
}
