/**
 * From a picture to the ONNX graph's input on typed arrays: the same steps as the TensorFlow.js
 * preprocessing (model/preprocess.ts) in the same float32 arithmetic, written out NCHW.
 *
 * Shape shorthand: H, W: the picture; h, w: resized; Hp, Wp: padded.
 */
import { type Picture, type PreprocessOptions, channelSources, checkPicture, paddedSize, resizedSize } from '../model/picture.js';
import type { ImageSize } from '../structures/boxes.js';

const f32 = Math.fround;

/** The network input and how it relates to the picture. */
export interface PreprocessedArray {
  /** [1, 3, Hp, Wp] float32, normalised and zero-padded, NCHW. */
  readonly data: Float32Array;
  /** `[Hp, Wp]`. */
  readonly paddedSize: ImageSize;
  /** `[h, w]`: the resized picture inside `data`. */
  readonly resizedSize: ImageSize;
  /** `[H, W]`. */
  readonly originalSize: ImageSize;
}

/** [3, H, W] planes of the picture in the network's channel order, 0-255. */
function pictureplanes(picture: Picture, format: PreprocessOptions['format']): Float32Array {
  const { data, height, width, channels } = picture;
  const n = height * width;
  const out = new Float32Array(3 * n);
  const source = channelSources(channels, format);
  for (let p = 0, i = 0; p < n; p++, i += channels) {
    out[p] = data[i + source[0]];
    out[n + p] = data[i + source[1]];
    out[2 * n + p] = data[i + source[2]];
  }
  return out;
}

/**
 * Bilinear resize of [3, H, W] planes to [3, h, w] with half-pixel centres, no antialiasing
 * (`tf.image.resizeBilinear(x, size, false, true)`, PyTorch's `align_corners=False`), computed as
 * TensorFlow.js's CPU kernel computes it.
 */
function resizeBilinear(planes: Float32Array, [height, width]: ImageSize, [h, w]: ImageSize): Float32Array {
  const out = new Float32Array(3 * h * w);
  const rows = axisTaps(height, h);
  const cols = axisTaps(width, w);
  for (let c = 0; c < 3; c++) {
    const src = c * height * width;
    for (let y = 0; y < h; y++) {
      const top = src + rows.lo[y] * width;
      const bottom = src + rows.hi[y] * width;
      const fy = rows.frac[y];
      for (let x = 0; x < w; x++) {
        const fx = cols.frac[x];
        const tl = planes[top + cols.lo[x]];
        const tr = planes[top + cols.hi[x]];
        const bl = planes[bottom + cols.lo[x]];
        const br = planes[bottom + cols.hi[x]];
        const t = tl + (tr - tl) * fx;
        const b = bl + (br - bl) * fx;
        out[(c * h + y) * w + x] = t + (b - t) * fy;
      }
    }
  }
  return out;
}

/** Source taps of each output index along one axis: floor, ceil (clamped) and the fraction. */
function axisTaps(size: number, out: number): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const scale = size / out;
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  const frac = new Float64Array(out);
  for (let i = 0; i < out; i++) {
    const source = scale * (i + 0.5) - 0.5;
    lo[i] = Math.max(0, Math.floor(source));
    hi[i] = Math.min(size - 1, Math.ceil(source));
    frac[i] = source - lo[i];
  }
  return { lo, hi, frac };
}

/** Round half to even (`tf.round`). */
function roundHalfEven(x: number): number {
  const base = Math.floor(x);
  const d = x - base;
  return d < 0.5 ? base : d > 0.5 ? base + 1 : base % 2 === 0 ? base : base + 1;
}

/**
 * Resizes, normalises and pads one picture into the graph's [1, 3, Hp, Wp] input (see
 * `preprocessImage` for what each style does).
 */
export function preprocessPicture(picture: Picture, options: PreprocessOptions): PreprocessedArray {
  checkPicture(picture, 'preprocessPicture');
  const originalSize: ImageSize = [picture.height, picture.width];
  const resized = resizedSize(originalSize, options.minSize, options.maxSize, options.style);
  const [h, w] = resized;
  const padded = paddedSize(resized, options.sizeDivisibility);
  const same = h === picture.height && w === picture.width;
  const mean = options.pixelMean.map(f32);
  const std = options.pixelStd.map(f32);
  const normalise = (planes: Float32Array, n: number): void => {
    for (let c = 0; c < 3; c++) for (let i = c * n; i < (c + 1) * n; i++) planes[i] = f32(f32(planes[i] - mean[c]) / std[c]);
  };
  let planes = pictureplanes(picture, options.format);
  if (options.style === 'torchvision') {
    normalise(planes, picture.height * picture.width);
    if (!same) planes = resizeBilinear(planes, originalSize, resized);
  } else {
    if (!same) {
      planes = resizeBilinear(planes, originalSize, resized);
      for (let i = 0; i < planes.length; i++) planes[i] = Math.min(255, Math.max(0, roundHalfEven(planes[i])));
    }
    normalise(planes, h * w);
  }
  const [hp, wp] = padded;
  const data = new Float32Array(3 * hp * wp);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) data.set(planes.subarray((c * h + y) * w, (c * h + y + 1) * w), (c * hp + y) * wp);
  }
  return { data, paddedSize: padded, resizedSize: resized, originalSize };
}
