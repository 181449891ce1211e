/**
 * The R-CNN box coder on typed arrays (no TensorFlow.js): the weights, the scale clamp and
 * `decodeBoxesArray`, the CPU twin of `decodeBoxes` (see box-coder.ts for the formulas).
 *
 * Shape shorthand: R: boxes, K: boxes per row. Boxes are absolute `x1, y1, x2, y2`.
 */
import { describe } from '../utils/describe.js';

/** `(wx, wy, ww, wh)`: the RPN uses `[1, 1, 1, 1]`, the box head `[10, 10, 5, 5]`. */
export type BoxWeights = readonly [wx: number, wy: number, ww: number, wh: number];

/** `log(1000 / 16)`: no box grows more than 1000/16 times its reference in one step. */
export const DEFAULT_SCALE_CLAMP = Math.log(1000 / 16);

/** The RPN's weights (Detectron2's `MODEL.RPN.BBOX_REG_WEIGHTS`, torchvision's RPN `BoxCoder`). */
export const RPN_BOX_WEIGHTS: BoxWeights = [1, 1, 1, 1];

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

export function checkWeights(weights: BoxWeights, fn: string): void {
  if (!Array.isArray(weights) || weights.length !== 4 || !weights.every((w) => Number.isFinite(w) && w > 0)) {
    throw new RangeError(`${fn}: weights must be 4 positive numbers (wx, wy, ww, wh), got ${describe(weights)}`);
  }
}

export function checkClamp(scaleClamp: number, fn: string): void {
  if (typeof scaleClamp !== 'number' || Number.isNaN(scaleClamp)) {
    throw new RangeError(`${fn}: scaleClamp must be a number, got ${String(scaleClamp)}`);
  }
}
