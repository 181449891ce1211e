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
 * Pools K boxes from `features` [N, H, W, C] into rows `rows` [K] of `out` [R, PH, PW, C]:
 * each bin is the average of its bilinear samples (torchvision's `roi_align` forward).
 */
export function roiAlignForwardInto(
  features: Float32Array,
  dims: FeatureDims,
  samplings: readonly BoxSampling[],
  rows: Int32Array,
  outputSize: readonly [number, number],
  out: Float32Array,
): void {
  const { height, width, channels } = dims;
  const [binsH, binsW] = outputSize;
  const acc = new Float64Array(channels);
  for (let k = 0; k < samplings.length; k++) {
    const { image, scale, y, x } = samplings[k];
    const imageRow = image * height;
    let o = rows[k] * binsH * binsW * channels;
    for (let ph = 0; ph < binsH; ph++) {
      const yFirst = y.first[ph];
      const yFrom = y.offsets[ph];
      const yTo = y.offsets[ph + 1];
      for (let pw = 0; pw < binsW; pw++, o += channels) {
        const xFirst = x.first[pw];
        const xFrom = x.offsets[pw];
        const xTo = x.offsets[pw + 1];
        acc.fill(0);
        for (let i = yFrom; i < yTo; i++) {
          const wy = y.weights[i] * scale;
          if (wy === 0) continue;
          const rowBase = (imageRow + yFirst + i - yFrom) * width;
          for (let j = xFrom; j < xTo; j++) {
            const w = wy * x.weights[j];
            if (w === 0) continue;
            const base = (rowBase + xFirst + j - xFrom) * channels;
            for (let c = 0; c < channels; c++) acc[c] += w * features[base + c];
          }
        }
        for (let c = 0; c < channels; c++) out[o + c] = acc[c];
      }
    }
  }
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
  const { height, width, channels } = dims;
  const [binsH, binsW] = outputSize;
  for (let k = 0; k < samplings.length; k++) {
    const { image, scale, y, x } = samplings[k];
    const imageRow = image * height;
    let o = rows[k] * binsH * binsW * channels;
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
            const base = (rowBase + xFirst + j - xFrom) * channels;
            for (let c = 0; c < channels; c++) gradFeatures[base + c] += w * gradOut[o + c];
          }
        }
      }
    }
  }
}
