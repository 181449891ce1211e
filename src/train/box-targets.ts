/**
 * Box regression targets on typed arrays: Detectron2's `Box2BoxTransform.get_deltas`
 * (torchvision's `BoxCoder.encode_single`, the same formulas), for the CPU-side target
 * computation of the RPN and the box head. The tensor version is `encodeBoxes` in
 * src/rpn/box-coder.ts; this one exists because targets are built from typed arrays and never
 * differentiated.
 *
 * Shape shorthand: R: boxes. Boxes are absolute `x1, y1, x2, y2`; deltas `dx, dy, dw, dh`:
 *   dx = wx * (cx' - cx) / w,  dy = wy * (cy' - cy) / h,  dw = ww * log(w' / w),  dh = wh * log(h' / h)
 * (Eqn. (2) of the Faster R-CNN paper, with weights), where `w = x2 - x1` and `cx = x1 + 0.5 w`.
 */
import type { BoxWeights } from '../rpn/box-coder.js';
import { describe } from '../utils/describe.js';

const f32 = Math.fround;

/**
 * The deltas that take each box of `src` to the box of `target` in the same row, rounded to
 * float32 after every operation as PyTorch computes them in float32 (`log` is float64
 * `Math.log` rounded, within an ulp of float32 `log`).
 *
 * Like Detectron2 (`assert (src_widths > 0).all()`), source boxes must have positive sides.
 *
 * @param src [R, 4] reference boxes (anchors, proposals).
 * @param target [R, 4] boxes to reach (their matched ground truth).
 * @param weights `(wx, wy, ww, wh)`: `[1, 1, 1, 1]` for the RPN, `[10, 10, 5, 5]` for the box head.
 * @returns [R, 4] deltas `dx, dy, dw, dh`.
 */
export function encodeBoxesArray(src: Float32Array, target: Float32Array, weights: BoxWeights): Float32Array {
  if (!(src instanceof Float32Array) || src.length % 4 !== 0) {
    throw new TypeError(`encodeBoxesArray: src must be a flat [R, 4] Float32Array, got ${describe(src)}`);
  }
  const r = src.length / 4;
  if (!(target instanceof Float32Array) || target.length !== src.length) {
    throw new TypeError(`encodeBoxesArray: target must be a flat [${r}, 4] Float32Array (one per src box), got ${describe(target)}`);
  }
  checkBoxWeights(weights, 'encodeBoxesArray');
  const [wx, wy, ww, wh] = weights.map(f32);
  const out = new Float32Array(src.length);
  for (let o = 0; o < src.length; o += 4) {
    const w = f32(src[o + 2] - src[o]);
    const h = f32(src[o + 3] - src[o + 1]);
    if (!(w > 0 && h > 0)) {
      throw new RangeError(
        `encodeBoxesArray: src box ${o / 4} [${Array.from(src.subarray(o, o + 4)).join(', ')}] must have positive width and height`,
      );
    }
    const cx = f32(src[o] + f32(0.5 * w));
    const cy = f32(src[o + 1] + f32(0.5 * h));
    const tw = f32(target[o + 2] - target[o]);
    const th = f32(target[o + 3] - target[o + 1]);
    const tcx = f32(target[o] + f32(0.5 * tw));
    const tcy = f32(target[o + 1] + f32(0.5 * th));
    out[o] = f32(f32(wx * f32(tcx - cx)) / w);
    out[o + 1] = f32(f32(wy * f32(tcy - cy)) / h);
    out[o + 2] = f32(ww * f32(Math.log(f32(tw / w))));
    out[o + 3] = f32(wh * f32(Math.log(f32(th / h))));
  }
  return out;
}

/** Checks `(wx, wy, ww, wh)`: four positive finite numbers. */
export function checkBoxWeights(weights: BoxWeights, fn: string): void {
  if (!Array.isArray(weights) || weights.length !== 4 || !weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w > 0)) {
    throw new RangeError(`${fn}: boxWeights must be 4 positive numbers (wx, wy, ww, wh), got ${describe(weights)}`);
  }
}
