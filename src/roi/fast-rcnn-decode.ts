/**
 * Class-specific box decoding for the box predictor, on CPU typed arrays: Detectron2's
 * `Box2BoxTransform.apply_deltas` (the same arithmetic as torchvision's `BoxCoder.decode_single`).
 *
 * TODO(box-coder): replace with `decodeBoxes` of src/rpn/box-coder.ts once it lands; this private
 * copy exists only because that module was not there when the box head was written.
 *
 * Every step is rounded to float32 (`Math.fround`) in PyTorch's order, so the boxes are the ones
 * PyTorch computes on float32 tensors (up to `exp`, which may differ by an ulp).
 *
 * Shape shorthand: R: proposals, B: boxes regressed per proposal (K classes, or 1 when the
 * regression is class-agnostic).
 */
const f = Math.fround;

/**
 * Applies `deltas` [R, 4B] (`dx, dy, dw, dh` per box) to `proposals` [R, 4] (`x1, y1, x2, y2`):
 * centre shift `dx / wx * width`, size scale `exp(min(dw / ww, scaleClamp))`.
 *
 * @param deltas [R, 4B] raw predictor outputs.
 * @param proposals [R, 4] absolute `x1, y1, x2, y2`.
 * @param weights `wx, wy, ww, wh` (Detectron2's ROI_BOX_HEAD.BBOX_REG_WEIGHTS: 10, 10, 5, 5).
 * @param scaleClamp upper bound of `dw / ww` and `dh / wh` (log(1000 / 16)).
 * @returns [R, 4B] decoded `x1, y1, x2, y2`.
 */
export function decodeClassBoxes(
  deltas: Float32Array,
  proposals: Float32Array,
  weights: readonly [number, number, number, number],
  scaleClamp: number,
): Float32Array {
  const r = proposals.length / 4;
  const perRow = r === 0 ? 0 : deltas.length / r;
  const [wx, wy, ww, wh] = weights.map(f);
  const clamp = f(scaleClamp);
  const out = new Float32Array(deltas.length);
  for (let i = 0; i < r; i++) {
    const width = f(proposals[4 * i + 2] - proposals[4 * i]);
    const height = f(proposals[4 * i + 3] - proposals[4 * i + 1]);
    const ctrX = f(proposals[4 * i] + f(0.5 * width));
    const ctrY = f(proposals[4 * i + 1] + f(0.5 * height));
    for (let o = i * perRow; o < (i + 1) * perRow; o += 4) {
      const dx = f(deltas[o] / wx);
      const dy = f(deltas[o + 1] / wy);
      const dw = Math.min(f(deltas[o + 2] / ww), clamp);
      const dh = Math.min(f(deltas[o + 3] / wh), clamp);
      const predCtrX = f(f(dx * width) + ctrX);
      const predCtrY = f(f(dy * height) + ctrY);
      const halfW = f(0.5 * f(f(Math.exp(dw)) * width));
      const halfH = f(0.5 * f(f(Math.exp(dh)) * height));
      out[o] = predCtrX - halfW;
      out[o + 1] = predCtrY - halfH;
      out[o + 2] = predCtrX + halfW;
      out[o + 3] = predCtrY + halfH;
    }
  }
  return out;
}
