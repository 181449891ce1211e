/**
 * An image with its true and predicted masks drawn on it, for looking at a model's mistakes:
 * true outlines in one colour, predicted outlines in another, a third where the two coincide,
 * and predicted masks tinted with a see-through fill.
 *
 * Shape shorthand: H, W: image height and width, C: channels. Masks are counts RLE over the H*W
 * row-major pixels (see `cellmask/rle`), as `kaggleRleToCounts` gives them.
 */
import ndarray from 'ndarray';

import { encodePng } from '../data/image.js';
import type { Rgb, RgbImage } from '../plot/raster.js';
import { countsToIntervals } from '../rle/index.js';
import { describe } from '../utils/describe.js';
import { countsOutline } from './outline.js';

/** The picture under the outlines: dense row-major [H, W, C] samples, pixel (y, x) channel c at `data[(y * W + x) * C + c]`. */
export interface OverlayBase {
  /** 8-bit samples as they are, or 16-bit samples shown by their high byte. */
  readonly data: Uint8Array | Uint16Array;
  readonly height: number;
  readonly width: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA; alpha is ignored. */
  readonly channels: number;
}

/** The colours of an overlay. */
export interface OverlayStyle {
  /** Outline of a true mask. */
  readonly truth: Rgb;
  /** Outline of a predicted mask. */
  readonly prediction: Rgb;
  /** A pixel on both a true and a predicted outline. */
  readonly both: Rgb;
  /** Opacity in [0, 1] of the prediction colour over the pixels of predicted masks; 0 for no fill. */
  readonly fill: number;
}

/** Truth green, prediction magenta, both white (green + magenta), predictions tinted at 20%. */
export const OVERLAY_STYLE: OverlayStyle = Object.freeze({
  truth: Object.freeze([0, 255, 0] as const),
  prediction: Object.freeze([255, 0, 255] as const),
  both: Object.freeze([255, 255, 255] as const),
  fill: 0.2,
});

function checkBase(base: OverlayBase): void {
  const { data, height, width, channels } = base ?? ({} as OverlayBase);
  if (!Number.isSafeInteger(height) || height < 1 || !Number.isSafeInteger(width) || width < 1 || ![1, 2, 3, 4].includes(channels)) {
    throw new RangeError(`overlayImage: image must have positive integer height and width and 1 to 4 channels, got ${height} x ${width} x ${channels}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint16Array) || data.length !== height * width * channels) {
    throw new TypeError(`overlayImage: image data must be a Uint8Array or Uint16Array of ${height} x ${width} x ${channels} samples, got ${describe(data)}`);
  }
}

/** The base as 8-bit RGB: grey repeated in the three channels, 16-bit samples shifted right by 8. */
function baseRgb(base: OverlayBase): Uint8Array {
  const { data, height, width, channels } = base;
  const shift = data instanceof Uint16Array ? 8 : 0;
  const out = new Uint8Array(height * width * 3);
  for (let i = 0; i < height * width; i++) {
    const s = i * channels;
    const colour = channels >= 3;
    out[3 * i] = data[s] >> shift;
    out[3 * i + 1] = data[colour ? s + 1 : s] >> shift;
    out[3 * i + 2] = data[colour ? s + 2 : s] >> shift;
  }
  return out;
}

/** Calls `countsOutline` for every mask, naming the mask in errors. */
function outlines(masks: readonly Uint32Array[], height: number, width: number, name: string): Uint32Array[] {
  if (!Array.isArray(masks)) throw new TypeError(`overlayImage: ${name} must be an array of counts, got ${describe(masks)}`);
  return masks.map((counts, i) => {
    try {
      return countsOutline(counts, height, width);
    } catch (error) {
      throw new Error(`overlayImage: ${name}[${i}]: ${(error as Error).message}`, { cause: error });
    }
  });
}

/**
 * Draws `truth` and `pred` on `base` -> a new RGB image of the same size. In order: the base in
 * RGB; each pixel covered by any predicted mask blended once towards `style.prediction` with
 * opacity `style.fill`; then the outline pixels (see `countsOutline`) painted opaque:
 * `style.truth` on true outlines only, `style.prediction` on predicted outlines only,
 * `style.both` on pixels of both.
 * @param truth G true masks (may overlap).
 * @param pred P predicted masks.
 */
export function overlayImage(base: OverlayBase, truth: readonly Uint32Array[], pred: readonly Uint32Array[], style: OverlayStyle = OVERLAY_STYLE): RgbImage {
  checkBase(base);
  if (!(style.fill >= 0 && style.fill <= 1)) throw new RangeError(`overlayImage: style.fill must be in [0, 1], got ${style.fill}`);
  const { height, width } = base;
  const truthOutlines = outlines(truth, height, width, 'truth');
  const predOutlines = outlines(pred, height, width, 'pred');
  const data = baseRgb(base);

  if (style.fill > 0) {
    const covered = new Uint8Array(height * width);
    for (const counts of pred) {
      const intervals = countsToIntervals(counts); // [R, 2] half-open [start, end)
      for (let k = 0; k < intervals.length; k += 2) covered.fill(1, intervals[k], intervals[k + 1]);
    }
    const a = style.fill;
    const [r, g, b] = style.prediction;
    for (let i = 0; i < covered.length; i++) {
      if (covered[i] === 0) continue;
      data[3 * i] = Math.round((1 - a) * data[3 * i] + a * r);
      data[3 * i + 1] = Math.round((1 - a) * data[3 * i + 1] + a * g);
      data[3 * i + 2] = Math.round((1 - a) * data[3 * i + 2] + a * b);
    }
  }

  // Bit 1: on a true outline; bit 2: on a predicted outline.
  const on = new Uint8Array(height * width);
  for (const pixels of truthOutlines) for (const p of pixels) on[p] |= 1;
  for (const pixels of predOutlines) for (const p of pixels) on[p] |= 2;
  const colours: readonly (Rgb | undefined)[] = [undefined, style.truth, style.prediction, style.both];
  for (let i = 0; i < on.length; i++) {
    const colour = colours[on[i]];
    if (colour !== undefined) data.set(colour, 3 * i);
  }
  return { data, width, height };
}

/** An RGB image (as `overlayImage` returns) encoded as an 8-bit RGB PNG. */
export function rgbPng(image: RgbImage): Uint8Array {
  return encodePng(ndarray(image.data, [image.height, image.width, 3]));
}
