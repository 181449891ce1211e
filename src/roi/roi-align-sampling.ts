/**
 * Where RoIAlign samples the feature map for one box, and with what weights: torchvision's
 * `roi_align` (torchvision/csrc/ops/cpu/roi_align_kernel.cpp and roi_align_common.h) computed
 * in float32 step by step (`Math.fround` after every operation its float kernel rounds), so the
 * sample positions, the adaptive grid `ceil(roi / bin)` and the out-of-range decisions are the
 * same bits as torchvision's.
 *
 * Bilinear interpolation is separable and so is torchvision's out-of-range rule (a sample is
 * dropped when its y or its x is out of range), so a bin's weight on pixel (r, c) is
 * `wy[r] * wx[c] / count`: `wy` sums the vertical weights of the bin's valid sample rows,
 * `wx` the horizontal ones of its valid sample columns, `count` is the sampling grid's size.
 * One bin then reads about (bin height + 2) x (bin width + 2) pixels instead of
 * 4 x (grid height x grid width) bilinear corners.
 *
 * Shape shorthand: P: bins along one axis (output height or width), S: pixels one axis of all
 * bins touches in total.
 */

const f32 = Math.fround;

/** The pixels that each bin along one axis reads, and their summed interpolation weights. */
export interface AxisWeights {
  /** [P] first pixel (row or column) each bin reads. */
  readonly first: Int32Array;
  /** [P + 1] bin p's weights are `weights[offsets[p] .. offsets[p + 1])`, for pixels from `first[p]` on. */
  readonly offsets: Int32Array;
  /** [S] weight of each pixel read: the sum over the bin's valid samples of their bilinear weights. */
  readonly weights: Float64Array;
}

/** How one box samples its image's feature map. */
export interface BoxSampling {
  /** The box's image in the batch. */
  readonly image: number;
  /** 1 / the number of samples per bin (torchvision's `count`, at least 1). */
  readonly scale: number;
  readonly y: AxisWeights;
  readonly x: AxisWeights;
}

/** RoIAlign's options, as torchvision's `roi_align` takes them. */
export interface RoiAlignOptions {
  /** Output bins `[height, width]`. */
  readonly outputSize: readonly [number, number];
  /** Feature-map pixels per input-image pixel (1 / stride). */
  readonly spatialScale: number;
  /** Samples per bin along each axis; 0 chooses `ceil(roi size / bins)` per box (adaptive). */
  readonly samplingRatio: number;
  /** true: Detectron2's ROIAlignV2 (box shifted by -0.5 pixel); false: legacy RoIAlign (box sides at least 1 pixel). */
  readonly aligned: boolean;
}

/**
 * One axis of torchvision's `pre_calc_for_bilinear_interpolate`: samples of bin p at
 * `start + p * binSize + (i + 0.5) * binSize / grid`; a sample below -1 or above `size` (or NaN)
 * contributes nothing, one at or below 0 is read at 0, one at or past the last pixel reads the
 * last pixel only.
 */
function axisWeights(start: number, binSize: number, bins: number, grid: number, size: number): AxisWeights {
  const first = new Int32Array(bins);
  const offsets = new Int32Array(bins + 1);
  const samples = Math.max(grid, 0) || 0;
  const lows = new Int32Array(samples);
  const highs = new Int32Array(samples);
  const highWeights = new Float64Array(samples);
  // A bin's samples lie within |binSize| of each other, so with their upper neighbours they touch
  // at most ceil(|binSize|) + 2 pixels (one more as a margin for float32 rounding).
  const spanBound = Math.min(Math.ceil(Math.abs(binSize)) + 3, size);
  const weights = new Float64Array(bins * spanBound);
  let used = 0;
  for (let p = 0; p < bins; p++) {
    offsets[p] = used;
    const binStart = f32(start + f32(p * binSize));
    let valid = 0;
    let lo = size;
    let hi = -1;
    for (let i = 0; i < samples; i++) {
      let v = f32(binStart + f32(f32(f32(i + 0.5) * binSize) / grid));
      if (!(v >= -1 && v <= size)) continue;
      if (v <= 0) v = 0;
      let low = Math.trunc(v);
      let high = low + 1;
      if (low >= size - 1) {
        low = high = size - 1;
        v = low;
      }
      lows[valid] = low;
      highs[valid] = high;
      highWeights[valid] = f32(v - low);
      valid++;
      // Samples run backwards when binSize < 0 (an inverted box with a fixed sampling ratio).
      lo = Math.min(lo, low);
      hi = Math.max(hi, high);
    }
    if (valid === 0) continue;
    first[p] = lo;
    for (let s = 0; s < valid; s++) {
      weights[used + lows[s] - lo] += f32(1 - highWeights[s]);
      weights[used + highs[s] - lo] += highWeights[s];
    }
    used += hi - lo + 1;
  }
  offsets[bins] = used;
  return { first, offsets, weights: weights.subarray(0, used) };
}

/**
 * The sampling of box `x1, y1, x2, y2` (input-image coordinates, float32 values) on image
 * `image` of a feature map `height` x `width`, exactly as torchvision's kernel places it.
 */
export function boxSampling(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  image: number,
  height: number,
  width: number,
  options: RoiAlignOptions,
): BoxSampling {
  const [binsH, binsW] = options.outputSize;
  const offset = options.aligned ? 0.5 : 0;
  const scale = f32(options.spatialScale);
  const startW = f32(f32(x1 * scale) - offset);
  const startH = f32(f32(y1 * scale) - offset);
  let roiW = f32(f32(f32(x2 * scale) - offset) - startW);
  let roiH = f32(f32(f32(y2 * scale) - offset) - startH);
  if (!options.aligned) {
    // Legacy RoIAlign forces malformed boxes to 1 x 1 pixel.
    roiW = Math.max(roiW, 1);
    roiH = Math.max(roiH, 1);
  }
  const binW = f32(roiW / binsW);
  const binH = f32(roiH / binsH);
  const gridH = options.samplingRatio > 0 ? options.samplingRatio : Math.ceil(binH);
  const gridW = options.samplingRatio > 0 ? options.samplingRatio : Math.ceil(binW);
  return {
    image,
    scale: 1 / Math.max(gridH * gridW, 1),
    y: axisWeights(startH, binH, binsH, gridH, height),
    x: axisWeights(startW, binW, binsW, gridW, width),
  };
}

/** Samplings of the boxes `which` [K] (indices into flat [R, 4] `boxes`) on a map of `dims`. */
export function samplingsOf(
  boxes: Float32Array,
  boxIndex: Int32Array,
  which: Int32Array,
  dims: { readonly height: number; readonly width: number },
  options: RoiAlignOptions,
): BoxSampling[] {
  return Array.from(which, (b) =>
    boxSampling(boxes[4 * b], boxes[4 * b + 1], boxes[4 * b + 2], boxes[4 * b + 3], boxIndex[b], dims.height, dims.width, options),
  );
}
