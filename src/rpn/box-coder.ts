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

/** `(wx, wy, ww, wh)`: the RPN uses `[1, 1, 1, 1]`, the box head `[10, 10, 5, 5]`. */
export type BoxWeights = readonly [wx: number, wy: number, ww: number, wh: number];

/** `log(1000 / 16)`: no box grows more than 1000/16 times its reference in one step. */
export const DEFAULT_SCALE_CLAMP = Math.log(1000 / 16);

/** The RPN's weights (Detectron2's `MODEL.RPN.BBOX_REG_WEIGHTS`, torchvision's RPN `BoxCoder`). */
export const RPN_BOX_WEIGHTS: BoxWeights = [1, 1, 1, 1];

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

/**
 * `decodeBoxes` on typed arrays, for CPU paths (the proposal selection decodes only its top-k
 * anchors). Every operation is rounded to float32 as the tensor version computes it; `exp` is
 * float64 `Math.exp` rounded, within an ulp of float32 `exp`. NaN propagates as in PyTorch
 * (`clamp` keeps NaN).
 *
 * @param deltas [R, K*4] flat.
 * @param boxes [R, 4] flat.
 * @returns [R, K*4] flat boxes.
 */
export function decodeBoxesArray(
  deltas: Float32Array,
  boxes: Float32Array,
  weights: BoxWeights = RPN_BOX_WEIGHTS,
  scaleClamp = DEFAULT_SCALE_CLAMP,
): Float32Array {
  if (!(boxes instanceof Float32Array) || boxes.length % 4 !== 0) {
    throw new TypeError(`decodeBoxesArray: boxes must be a flat [R, 4] Float32Array, got ${describe(boxes)}`);
  }
  const r = boxes.length / 4;
  if (!(deltas instanceof Float32Array) || (r === 0 ? deltas.length !== 0 : deltas.length % (4 * r) !== 0)) {
    throw new TypeError(`decodeBoxesArray: deltas must be a flat [${r}, K*4] Float32Array (one row per box), got ${describe(deltas)}`);
  }
  checkWeights(weights, 'decodeBoxesArray');
  checkClamp(scaleClamp, 'decodeBoxesArray');
  const f = Math.fround;
  const [wx, wy, ww, wh] = weights.map(f);
  const clamp = f(scaleClamp);
  const k4 = r === 0 ? 0 : deltas.length / r;
  const out = new Float32Array(deltas.length);
  for (let i = 0; i < r; i++) {
    const w = f(boxes[4 * i + 2] - boxes[4 * i]);
    const h = f(boxes[4 * i + 3] - boxes[4 * i + 1]);
    const cx = f(boxes[4 * i] + f(0.5 * w));
    const cy = f(boxes[4 * i + 1] + f(0.5 * h));
    for (let o = i * k4; o < (i + 1) * k4; o += 4) {
      const dx = f(deltas[o] / wx);
      const dy = f(deltas[o + 1] / wy);
      const dw = Math.min(f(deltas[o + 2] / ww), clamp);
      const dh = Math.min(f(deltas[o + 3] / wh), clamp);
      const px = f(f(dx * w) + cx);
      const py = f(f(dy * h) + cy);
      const halfW = f(0.5 * f(f(Math.exp(dw)) * w));
      const halfH = f(0.5 * f(f(Math.exp(dh)) * h));
      out[o] = px - halfW;
      out[o + 1] = py - halfH;
      out[o + 2] = px + halfW;
      out[o + 3] = py + halfH;
    }
  }
  return out;
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

function checkWeights(weights: BoxWeights, fn: string): void {
  if (!Array.isArray(weights) || weights.length !== 4 || !weights.every((w) => Number.isFinite(w) && w > 0)) {
    throw new RangeError(`${fn}: weights must be 4 positive numbers (wx, wy, ww, wh), got ${describe(weights)}`);
  }
}

function checkClamp(scaleClamp: number, fn: string): void {
  if (typeof scaleClamp !== 'number' || Number.isNaN(scaleClamp)) {
    throw new RangeError(`${fn}: scaleClamp must be a number, got ${String(scaleClamp)}`);
  }
}
