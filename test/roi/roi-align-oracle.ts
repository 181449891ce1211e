/**
 * Test helpers for cellmask/roi: the fixtures' deterministic values, and a slow, plain RoIAlign
 * oracle, torchvision's per-sample loop (roi_align_kernel.cpp) written out for NHWC: every
 * sample, its four bilinear corners, one output element at a time. Coordinates are rounded to
 * float32 where torchvision's float kernel rounds them, so the sample positions are the same.
 *
 * Shape shorthand: N: images, H, W: feature map size, C: channels, R: boxes, PH, PW: output bins.
 */
import type { RoiAlignOptions } from '../../src/roi/roi-align.js';

/** ((i * 7919 + seed) mod 10007) / 10007 - 0.5 as float32, as scripts/fixtures/roi_align.py makes them. */
export function pattern(count: number, seed: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => ((i * 7919 + seed) % 10007) / 10007 - 0.5);
}

/** Largest |a[i] - b[i]|; Infinity when the lengths differ or a value is not finite. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

interface Corner {
  readonly index: number;
  readonly weight: number;
}

const f = Math.fround;

/** Calls `visit(box, ph, pw, corners, count)` for every sample of every bin. */
function forEachSample(
  [, height, width, channels]: readonly number[],
  boxes: Float32Array,
  boxIndex: Int32Array,
  options: RoiAlignOptions,
  visit: (box: number, ph: number, pw: number, corners: Corner[], count: number) => void,
): void {
  const [pooledH, pooledW] = options.outputSize;
  const scale = f(options.spatialScale);
  const offset = options.aligned ? 0.5 : 0;
  for (let r = 0; r < boxIndex.length; r++) {
    const startW = f(f(boxes[4 * r] * scale) - offset);
    const startH = f(f(boxes[4 * r + 1] * scale) - offset);
    let roiW = f(f(f(boxes[4 * r + 2] * scale) - offset) - startW);
    let roiH = f(f(f(boxes[4 * r + 3] * scale) - offset) - startH);
    if (!options.aligned) {
      roiW = Math.max(roiW, 1);
      roiH = Math.max(roiH, 1);
    }
    const binH = f(roiH / pooledH);
    const binW = f(roiW / pooledW);
    const gridH = options.samplingRatio > 0 ? options.samplingRatio : Math.ceil(binH);
    const gridW = options.samplingRatio > 0 ? options.samplingRatio : Math.ceil(binW);
    const count = Math.max(gridH * gridW, 1);
    const imageBase = boxIndex[r] * height * width;
    for (let ph = 0; ph < pooledH; ph++) {
      for (let pw = 0; pw < pooledW; pw++) {
        for (let iy = 0; iy < gridH; iy++) {
          const y = f(f(startH + f(ph * binH)) + f(f(f(iy + 0.5) * binH) / gridH));
          for (let ix = 0; ix < gridW; ix++) {
            const x = f(f(startW + f(pw * binW)) + f(f(f(ix + 0.5) * binW) / gridW));
            if (!(y >= -1 && y <= height && x >= -1 && x <= width)) continue;
            const yy = Math.min(Math.max(y, 0), height - 1);
            const xx = Math.min(Math.max(x, 0), width - 1);
            const yLow = Math.floor(yy);
            const xLow = Math.floor(xx);
            const yHigh = Math.min(yLow + 1, height - 1);
            const xHigh = Math.min(xLow + 1, width - 1);
            const ly = f(yy - yLow);
            const lx = f(xx - xLow);
            const hy = f(1 - ly);
            const hx = f(1 - lx);
            const at = (row: number, col: number) => (imageBase + row * width + col) * channels;
            visit(r, ph, pw, [
              { index: at(yLow, xLow), weight: hy * hx },
              { index: at(yLow, xHigh), weight: hy * lx },
              { index: at(yHigh, xLow), weight: ly * hx },
              { index: at(yHigh, xHigh), weight: ly * lx },
            ], count);
          }
        }
      }
    }
  }
}

/** RoIAlign of `features` [N, H, W, C] -> [R, PH, PW, C], one sample at a time. */
export function referenceRoiAlign(
  features: Float32Array,
  shape: readonly number[],
  boxes: Float32Array,
  boxIndex: Int32Array,
  options: RoiAlignOptions,
): Float64Array {
  const channels = shape[3];
  const [pooledH, pooledW] = options.outputSize;
  const out = new Float64Array(boxIndex.length * pooledH * pooledW * channels);
  forEachSample(shape, boxes, boxIndex, options, (r, ph, pw, corners, count) => {
    const o = ((r * pooledH + ph) * pooledW + pw) * channels;
    for (const { index, weight } of corners) {
      for (let c = 0; c < channels; c++) out[o + c] += (weight * features[index + c]) / count;
    }
  });
  return out;
}

/** Gradient of sum(RoIAlign(features) * gradOut) w.r.t. `features` of `shape` [N, H, W, C]. */
export function referenceRoiAlignGrad(
  gradOut: Float32Array,
  shape: readonly number[],
  boxes: Float32Array,
  boxIndex: Int32Array,
  options: RoiAlignOptions,
): Float64Array {
  const channels = shape[3];
  const [pooledH, pooledW] = options.outputSize;
  const grad = new Float64Array(shape.reduce((a, b) => a * b));
  forEachSample(shape, boxes, boxIndex, options, (r, ph, pw, corners, count) => {
    const o = ((r * pooledH + ph) * pooledW + pw) * channels;
    for (const { index, weight } of corners) {
      for (let c = 0; c < channels; c++) grad[index + c] += (weight * gradOut[o + c]) / count;
    }
  });
  return grad;
}
