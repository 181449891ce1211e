/**
 * The picture with each instance drawn over it, as RGBA pixels for a canvas: the mask filled with
 * its colour at `FILL_OPACITY` and its outline (mask pixels with a 4-neighbour outside the mask or
 * on the image's border) in the full colour. Later instances are drawn over earlier ones.
 */
import { decodeCounts } from '../../../src/rle/counts.js';
import type { Picture } from '../../../src/model/preprocess.js';

/** How much of an instance's colour shows over the picture inside its mask. */
export const FILL_OPACITY = 0.35;

/** The colour of instance `k`: hues a golden angle apart, so neighbours in the list differ. */
export function instanceColour(k: number): [number, number, number] {
  const hue = (k * 137.508) % 360;
  // HSL (hue, 90%, 55%) to RGB.
  const s = 0.9;
  const l = 0.55;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const channel = (n: number): number => {
    const h = (n + hue / 30) % 12;
    return Math.round(255 * (l - c / 2 * Math.max(-1, Math.min(h - 3, 9 - h, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

/** The picture as grey or RGB in RGBA `out` (its alpha ignored, opaque). */
function writePicture(picture: Picture, out: Uint8ClampedArray): void {
  const { data, channels } = picture;
  for (let p = 0; p < picture.height * picture.width; p++) {
    for (let c = 0; c < 3; c++) out[4 * p + c] = data[p * channels + (channels >= 3 ? c : 0)];
    out[4 * p + 3] = 255;
  }
}

/** Whether pixel (y, x) of `mask` [H, W] lies on its outline. */
function onOutline(mask: Uint8Array, y: number, x: number, height: number, width: number): boolean {
  if (y === 0 || x === 0 || y === height - 1 || x === width - 1) return true;
  const p = y * width + x;
  return mask[p - 1] === 0 || mask[p + 1] === 0 || mask[p - width] === 0 || mask[p + width] === 0;
}

/**
 * RGBA pixels [H, W, 4] of `picture` with `masks` drawn over it.
 * @param masks counts RLEs over the picture's row-major pixels (the model's `Detections.masks`).
 * @param out where to write (a canvas's `ImageData.data`), H * W * 4 long; a new array when omitted.
 * @throws Error when `out` or a mask does not fit the picture.
 */
export function overlayPixels(picture: Picture, masks: readonly Uint32Array[], out?: Uint8ClampedArray): Uint8ClampedArray {
  const { height, width } = picture;
  const pixels = out ?? new Uint8ClampedArray(height * width * 4);
  if (pixels.length !== height * width * 4) throw new Error(`overlayPixels: out holds ${pixels.length} values, expected ${height} * ${width} * 4`);
  writePicture(picture, pixels);
  masks.forEach((counts, k) => {
    const mask = decodeCounts(counts, height * width);
    const colour = instanceColour(k);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        if (mask[p] === 0) continue;
        const edge = onOutline(mask, y, x, height, width);
        for (let c = 0; c < 3; c++) {
          pixels[4 * p + c] = edge ? colour[c] : (1 - FILL_OPACITY) * pixels[4 * p + c] + FILL_OPACITY * colour[c];
        }
      }
    }
  });
  return pixels;
}
