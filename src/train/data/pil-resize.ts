/**
 * Pillow's `Image.resize` for 8-bit images, as Detectron2's `ResizeTransform.apply_image` calls
 * it on uint8 arrays: BILINEAR for the picture, NEAREST for bitmask segmentations. Reproduced
 * from Pillow 9.4's C sources (`libImaging/Resample.c`, `libImaging/Geometry.c`, `_imaging.c`
 * `_resize`) so the results are the same bytes, not an approximation.
 *
 * Shape shorthand: H, W: the source picture; h, w: the resized one; C: channels. Pictures are
 * row-major [H, W, C] (`Picture` of `model/preprocess.ts`).
 */
import type { Picture } from '../../model/preprocess.js';

/** Pillow's `PRECISION_BITS` (32 - 8 - 2): fixed-point coefficients of 8-bit resampling. */
const PRECISION_BITS = 22;

/** A separable resampling pass along one axis: where each output sample reads, and with what weights. */
interface AxisCoefficients {
  /** [out, 2]: first source index and number of taps of each output sample. */
  readonly bounds: Int32Array;
  /** [out, ksize]: fixed-point weights (`normalize_coeffs_8bpc`). */
  readonly weights: Int32Array;
  readonly ksize: number;
}

/** Pillow's triangle filter (`bilinear_filter`), support 1. */
function triangle(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
}

/**
 * `precompute_coeffs` + `normalize_coeffs_8bpc` for the BILINEAR filter over the whole source
 * (box `[0, inSize]`). When shrinking, the triangle is stretched by the scale (`filterscale`),
 * which is how Pillow antialiases; when enlarging it is the plain two-tap interpolation.
 */
function bilinearCoefficients(inSize: number, outSize: number): AxisCoefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // BILINEAR's support (1) times filterscale
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(2 * outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const inverse = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) casts truncate toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = triangle((x + xmin - center + 0.5) * inverse);
      sum += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x] / sum : k[x];
      // The triangle is never negative, so normalize_coeffs_8bpc's rounding is (int)(0.5 + w * 2^22).
      weights[xx * ksize + x] = Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
  }
  return { bounds, weights, ksize };
}

/** `clip8`: a fixed-point sum back to 0..255. */
function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** `ImagingResampleHorizontal_8bpc` over source rows `[rowFirst, rowFirst + rows)` -> [rows, w, C]. */
function resampleRows(picture: Picture, rowFirst: number, rows: number, c: AxisCoefficients, outWidth: number): Uint8Array {
  const { data, width, channels } = picture;
  const { bounds, weights, ksize } = c;
  const out = new Uint8Array(rows * outWidth * channels);
  const half = 1 << (PRECISION_BITS - 1);
  for (let yy = 0; yy < rows; yy++) {
    const row = (rowFirst + yy) * width * channels;
    const outRow = yy * outWidth * channels;
    for (let xx = 0; xx < outWidth; xx++) {
      const first = row + bounds[2 * xx] * channels;
      const taps = bounds[2 * xx + 1];
      const k = xx * ksize;
      for (let ch = 0; ch < channels; ch++) {
        let sum = half;
        for (let x = 0; x < taps; x++) sum += data[first + x * channels + ch] * weights[k + x];
        out[outRow + xx * channels + ch] = clip8(sum);
      }
    }
  }
  return out;
}

/**
 * `ImagingResampleVertical_8bpc`: [rows, w, C] -> [h, w, C], with `rowFirst` the source row of
 * `data`'s first row. Each output row adds up its source rows one after another: the same
 * integer sums as Pillow's per-pixel loop, reading memory in order.
 */
function resampleColumns(data: Uint8Array | Uint8ClampedArray, rowFirst: number, rowLength: number, c: AxisCoefficients, outHeight: number): Uint8Array {
  const { bounds, weights, ksize } = c;
  const out = new Uint8Array(outHeight * rowLength);
  const sums = new Int32Array(rowLength);
  const half = 1 << (PRECISION_BITS - 1);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = bounds[2 * yy] - rowFirst;
    const taps = bounds[2 * yy + 1];
    sums.fill(half);
    for (let y = 0; y < taps; y++) {
      const w = weights[yy * ksize + y];
      const row = (ymin + y) * rowLength;
      for (let i = 0; i < rowLength; i++) sums[i] += data[row + i] * w;
    }
    const outRow = yy * rowLength;
    for (let i = 0; i < rowLength; i++) out[outRow + i] = clip8(sums[i]);
  }
  return out;
}

function checkResize(fn: string, picture: Picture, height: number, width: number): void {
  const { data, height: H, width: W, channels } = picture;
  if (!Number.isInteger(H) || !Number.isInteger(W) || H < 1 || W < 1 || !Number.isInteger(channels) || channels < 1) {
    throw new Error(`${fn}: picture must be at least 1 x 1 with channels >= 1, got ${H} x ${W} x ${channels}`);
  }
  if (data.length !== H * W * channels) {
    throw new Error(`${fn}: picture holds ${data.length} samples, expected ${H} x ${W} x ${channels} = ${H * W * channels}`);
  }
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`${fn}: output size must be positive integers, got ${height} x ${width}`);
  }
}

/**
 * Pillow's `Image.resize((width, height), BILINEAR)` of an 8-bit picture -> [height, width, C].
 * Two passes, horizontal first into an 8-bit intermediate (rounded, as Pillow does), then
 * vertical; a pass whose axis keeps its size is skipped. Shrinking antialiases (the triangle
 * covers `scale` source pixels each side); enlarging interpolates between two neighbours.
 */
export function pilResizeBilinear(picture: Picture, height: number, width: number): Picture {
  checkResize('pilResizeBilinear', picture, height, width);
  const { channels } = picture;
  if (height === picture.height && width === picture.width) {
    return { data: Uint8Array.from(picture.data), height, width, channels };
  }
  const vertical = bilinearCoefficients(picture.height, height);
  let data: Uint8Array | Uint8ClampedArray = picture.data;
  let rowFirst = 0;
  if (width !== picture.width) {
    // Only the source rows the vertical pass reads (ImagingResampleInner's ybox_first..ybox_last).
    rowFirst = vertical.bounds[0];
    const rowLast = vertical.bounds[2 * height - 2] + vertical.bounds[2 * height - 1];
    data = resampleRows(picture, rowFirst, rowLast - rowFirst, bilinearCoefficients(picture.width, width), width);
  }
  if (height !== picture.height) data = resampleColumns(data, rowFirst, width * channels, vertical, height);
  return { data: data as Uint8Array, height, width, channels };
}

/**
 * The source index of each of `outSize` output samples in Pillow's NEAREST resize
 * (`ImagingScaleAffine`): the centre `(i + 0.5) * inSize / outSize` truncated, accumulated by
 * repeated addition in doubles as Pillow does (which can differ from the closed form by one at
 * exact halves). -1 marks a sample outside the source (never, for a whole-image resize).
 */
export function pilNearestIndex(inSize: number, outSize: number): Int32Array {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize < 1 || outSize < 1) {
    throw new Error(`pilNearestIndex: sizes must be positive integers, got ${inSize} -> ${outSize}`);
  }
  const step = inSize / outSize;
  const index = new Int32Array(outSize);
  let position = step * 0.5;
  for (let i = 0; i < outSize; i++) {
    // COORD(v): -1 below zero, else truncation.
    const source = position < 0 ? -1 : Math.trunc(position);
    index[i] = source < inSize ? source : -1;
    position += step;
  }
  return index;
}

/**
 * Pillow's `Image.resize((width, height), NEAREST)` of an 8-bit picture -> [height, width, C]
 * (Detectron2's `apply_segmentation` on a bitmask). Samples outside the source stay 0.
 */
export function pilResizeNearest(picture: Picture, height: number, width: number): Picture {
  checkResize('pilResizeNearest', picture, height, width);
  const { data, channels } = picture;
  const columns = pilNearestIndex(picture.width, width);
  const rows = pilNearestIndex(picture.height, height);
  const out = new Uint8Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    if (rows[y] < 0) continue;
    const row = rows[y] * picture.width * channels;
    for (let x = 0; x < width; x++) {
      if (columns[x] < 0) continue;
      for (let ch = 0; ch < channels; ch++) out[(y * width + x) * channels + ch] = data[row + columns[x] * channels + ch];
    }
  }
  return { data: out, height, width, channels };
}
