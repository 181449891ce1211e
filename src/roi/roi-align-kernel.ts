/**
 * RoIAlign's forward and backward loops over plain typed arrays (NHWC, channels innermost and
 * contiguous), shared by `roiAlign` and `multiLevelRoiAlign`. Each box's bin weights come from
 * `boxSampling` and serve every channel.
 *
 * Shape shorthand: N: images, H, W: feature map size, C: channels, R: boxes in the output,
 * K: boxes sampled here (a subset of R, written to the rows given), PH, PW: output bins.
 */
import type { BoxSampling } from './roi-align-sampling.js';

/** Sizes of an NHWC feature map. */
export interface FeatureDims {
  readonly images: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * `dst[dstAt + c] += w * src[srcAt + c]` for c < n: the one inner loop of both passes, over
 * contiguous channels. Unrolled by 4 (about 2.5x faster than the plain loop in V8 here).
 */
function addScaled(dst: Float32Array, dstAt: number, w: number, src: Float32Array, srcAt: number, n: number): void {
  let c = 0;
  for (; c + 3 < n; c += 4) {
    dst[dstAt + c] += w * src[srcAt + c];
    dst[dstAt + c + 1] += w * src[srcAt + c + 1];
    dst[dstAt + c + 2] += w * src[srcAt + c + 2];
    dst[dstAt + c + 3] += w * src[srcAt + c + 3];
  }
  for (; c < n; c++) dst[dstAt + c] += w * src[srcAt + c];
}

/**
 * Both passes for one box, whose bins are row `binRow` of `bins` [R, PH, PW, C]: forward adds
 * each bin's weighted pixels of `map` [N, H, W, C] into the bin; backward adds each bin, times
 * the same weights, into the pixels of `map`. One function per box keeps V8's optimized code
 * for it (a single call over all boxes ran about 3x slower, in on-stack-replaced code).
 */
function transferBox(
  map: Float32Array,
  dims: FeatureDims,
  sampling: BoxSampling,
  bins: Float32Array,
  binRow: number,
  outputSize: readonly [number, number],
  backward: boolean,
): void {
  const { height, width, channels } = dims;
  const [binsH, binsW] = outputSize;
  const { image, scale, y, x } = sampling;
  const imageRow = image * height;
  let o = binRow * binsH * binsW * channels;
  for (let ph = 0; ph < binsH; ph++) {
    const yFirst = y.first[ph];
    const yFrom = y.offsets[ph];
    const yTo = y.offsets[ph + 1];
    for (let pw = 0; pw < binsW; pw++, o += channels) {
      const xFirst = x.first[pw];
      const xFrom = x.offsets[pw];
      const xTo = x.offsets[pw + 1];
      for (let i = yFrom; i < yTo; i++) {
        const wy = y.weights[i] * scale;
        if (wy === 0) continue;
        const rowBase = (imageRow + yFirst + i - yFrom) * width;
        for (let j = xFrom; j < xTo; j++) {
          const w = wy * x.weights[j];
          if (w === 0) continue;
          const pixel = (rowBase + xFirst + j - xFrom) * channels;
          if (backward) addScaled(map, pixel, w, bins, o, channels);
          else addScaled(bins, o, w, map, pixel, channels);
        }
      }
    }
  }
}

/**
 * Pools K boxes from `features` [N, H, W, C] into rows `rows` [K] of `out` [R, PH, PW, C]:
 * each bin is the average of its bilinear samples (torchvision's `roi_align` forward). Those
 * rows of `out` must hold zeros.
 */
export function roiAlignForwardInto(
  features: Float32Array,
  dims: FeatureDims,
  samplings: readonly BoxSampling[],
  rows: Int32Array,
  outputSize: readonly [number, number],
  out: Float32Array,
): void {
  for (let k = 0; k < samplings.length; k++) transferBox(features, dims, samplings[k], out, rows[k], outputSize, false);
}

/**
 * The transpose of `roiAlignForwardInto`: adds each bin's gradient in rows `rows` [K] of
 * `gradOut` [R, PH, PW, C], times the same bilinear weights, into `gradFeatures` [N, H, W, C]
 * (torchvision's `roi_align` backward).
 */
export function roiAlignBackwardInto(
  gradOut: Float32Array,
  dims: FeatureDims,
  samplings: readonly BoxSampling[],
  rows: Int32Array,
  outputSize: readonly [number, number],
  gradFeatures: Float32Array,
): void {
  for (let k = 0; k < samplings.length; k++) transferBox(gradFeatures, dims, samplings[k], gradOut, rows[k], outputSize, true);
}
