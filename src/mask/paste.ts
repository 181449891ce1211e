/**
 * Pasting M x M mask probabilities into the image as binary masks, on CPU typed arrays, each box
 * only over the image pixels it can touch (so 1000 detections on a 928 x 1256 image cost about
 * the pixels of their boxes, not 1000 images).
 *
 * Shape shorthand: D: detections, M: mask resolution (28), H x W: image. Boxes are absolute
 * `x1, y1, x2, y2` in image pixels (Detectron2's convention); pixel (y, x) covers
 * [x, x + 1) x [y, y + 1), its centre at (x + 0.5, y + 0.5). Output masks are row-major over the
 * image (Kaggle's pixel order).
 *
 * Two styles:
 * - detectron2 (`layers/mask_ops.py`, `paste_masks_in_image` as it runs on CPU): every pixel
 *   centre of the box's neighbourhood (floor(x1) - 1 .. ceil(x2) + 1, clipped to the image) is
 *   mapped into the mask (`grid_sample`, bilinear, align_corners=False, zeros outside) and is set
 *   when the probability is >= threshold.
 * - torchvision (`roi_heads.paste_masks_in_image`): the mask is padded with one zero pixel each
 *   side, the box scaled by (M + 2) / M about its centre and truncated to integers, the padded
 *   mask resized (bilinear, align_corners=False) to the integer box (x2 - x1 + 1 by
 *   y2 - y1 + 1 pixels) and copied in; a pixel is set when its value is > threshold (torchvision
 *   returns the probabilities, users threshold them with `> 0.5`). A box lying wholly left of or
 *   above the image pastes nothing (torchvision's negative slice bounds would wrap around).
 *
 * The arithmetic is rounded as PyTorch 1.13's CPU kernels (AVX2) round it, so the bits match
 * those of the reference implementations, ties at exactly the threshold included: `grid_sample`
 * fuses multiply-adds, `upsample_bilinear2d` accumulates the four products in double.
 */
import { intervalsToCounts } from '../rle/counts.js';
import type { ImageSize } from '../structures/boxes.js';
import { BitMasks } from '../structures/masks.js';
import { describe } from '../utils/describe.js';

const f = Math.fround;

/** Options of the pasting; `DEFAULT_PASTE` holds Detectron2's. */
export interface PasteOptions {
  /** Probability at which a pixel belongs to the mask (Detectron2: >= 0.5; torchvision style: > 0.5). */
  readonly threshold: number;
  /** Whose pasting to reproduce (see the module comment). */
  readonly style: 'detectron2' | 'torchvision';
}

export const DEFAULT_PASTE: PasteOptions = Object.freeze({ threshold: 0.5, style: 'detectron2' });

/** One pasted mask: a rectangle of the image [y0, y0 + h) x [x0, x0 + w) holding its bits (row-major). */
interface Patch {
  readonly x0: number;
  readonly y0: number;
  readonly w: number;
  readonly h: number;
  readonly bits: Uint8Array;
}

const EMPTY_PATCH: Patch = { x0: 0, y0: 0, w: 0, h: 0, bits: new Uint8Array(0) };

/** Checks the inputs, returns D and M. */
function checkInputs(masks: Float32Array, boxes: Float32Array, imageSize: ImageSize, options: PasteOptions, fn: string): [number, number] {
  if (!(boxes instanceof Float32Array) || boxes.length % 4 !== 0) {
    throw new TypeError(`${fn}: boxes must be a Float32Array [D, 4], got ${describe(boxes)}`);
  }
  const d = boxes.length / 4;
  if (!(masks instanceof Float32Array)) throw new TypeError(`${fn}: masks must be a Float32Array [D, M, M], got ${describe(masks)}`);
  const m = d === 0 ? 0 : Math.round(Math.sqrt(masks.length / d));
  if (d === 0 ? masks.length !== 0 : m * m * d !== masks.length || m === 0) {
    throw new RangeError(`${fn}: masks must be [${d}, M, M] (square masks, one per box), got ${describe(masks)}`);
  }
  const ok = Array.isArray(imageSize) && imageSize.length === 2 && imageSize.every((s) => Number.isInteger(s) && s >= 0);
  if (!ok) throw new RangeError(`${fn}: imageSize must be [height, width] non-negative integers, got ${describe(imageSize)}`);
  if (!Number.isFinite(options.threshold)) throw new RangeError(`${fn}: threshold must be a finite number, got ${describe(options.threshold)}`);
  if (options.style !== 'detectron2' && options.style !== 'torchvision') {
    throw new RangeError(`${fn}: style must be 'detectron2' or 'torchvision', got ${describe(options.style)}`);
  }
  return [d, m];
}

/**
 * Detectron2's `_do_paste_mask` for one box with `skip_empty` (its CPU path): `grid_sample` of
 * the mask at the pixel centres of the box's neighbourhood.
 */
function pasteDetectron2(mask: Float32Array, mo: number, m: number, box: Float32Array, bo: number, height: number, width: number, threshold: number): Patch {
  const [bx1, by1, bx2, by2] = [box[bo], box[bo + 1], box[bo + 2], box[bo + 3]];
  const x0 = Math.max(Math.floor(bx1) - 1, 0);
  const y0 = Math.max(Math.floor(by1) - 1, 0);
  const w = Math.min(Math.ceil(bx2) + 1, width) - x0;
  const h = Math.min(Math.ceil(by2) + 1, height) - y0;
  if (!(w > 0 && h > 0)) return EMPTY_PATCH;
  const thresh = f(threshold);
  const half = m / 2;
  const boxW = f(bx2 - bx1);
  const boxH = f(by2 - by1);
  // Per column: the mask column left of the sample and the weights to it and its right neighbour.
  const col = new Int32Array(w);
  const east = new Float32Array(w);
  const west = new Float32Array(w);
  for (let j = 0; j < w; j++) {
    // (x + 0.5 - x1) / (x2 - x1) * 2 - 1 in [-1, 1] over the box, then grid_sample's
    // unnormalisation (g + 1) * M / 2 - 0.5 (a fused multiply-add in PyTorch's kernel).
    const g = f(f(f(f(x0 + j + 0.5) - bx1) / boxW) * 2 - 1);
    const ix = f(f(g + 1) * half - 0.5);
    const c = Math.floor(ix);
    col[j] = Number.isFinite(c) ? c : -2;
    west[j] = f(ix - c);
    east[j] = f(1 - west[j]);
  }
  const bits = new Uint8Array(w * h);
  for (let i = 0; i < h; i++) {
    const g = f(f(f(f(y0 + i + 0.5) - by1) / boxH) * 2 - 1);
    const iy = f(f(g + 1) * half - 0.5);
    const r = Math.floor(iy);
    if (!Number.isFinite(r) || r < -1 || r >= m) continue;
    const north = f(iy - r);
    const south = f(1 - north);
    const topIn = r >= 0;
    const bottomIn = r + 1 < m;
    for (let j = 0; j < w; j++) {
      const c = col[j];
      if (c < -1 || c >= m) continue;
      const leftIn = c >= 0;
      const rightIn = c + 1 < m;
      const o = mo + r * m + c;
      const vNw = topIn && leftIn ? mask[o] : 0;
      const vNe = topIn && rightIn ? mask[o + 1] : 0;
      const vSw = bottomIn && leftIn ? mask[o + m] : 0;
      const vSe = bottomIn && rightIn ? mask[o + m + 1] : 0;
      // (nw * wNw) then three fused multiply-adds, as the AVX2 kernel evaluates the sum.
      let v = f(vNw * f(south * east[j]));
      v = f(vNe * f(south * west[j]) + v);
      v = f(vSw * f(north * east[j]) + v);
      v = f(vSe * f(north * west[j]) + v);
      if (v >= thresh) bits[i * w + j] = 1;
    }
  }
  return { x0, y0, w, h, bits };
}

/** Source index and weights of output pixel `o` when resizing `inSize` -> `outSize` (upsample_bilinear2d, align_corners=False). */
function linearSource(scale: number, o: number, inSize: number, outSize: number): [number, number, number, number] {
  if (inSize === outSize) return [o, o, 1, 0];
  const real = Math.max(scale * (o + 0.5) - 0.5, 0);
  const i0 = Math.trunc(real);
  const l1 = f(real - i0);
  return [i0, i0 + (i0 < inSize - 1 ? 1 : 0), f(1 - l1), l1];
}

/** torchvision's `paste_mask_in_image` for one box (after `expand_masks` / `expand_boxes`). */
function pasteTorchvision(mask: Float32Array, mo: number, m: number, box: Float32Array, bo: number, height: number, width: number, threshold: number): Patch {
  const p = m + 2;
  const scale = f(p / m);
  const [bx1, by1, bx2, by2] = [box[bo], box[bo + 1], box[bo + 2], box[bo + 3]];
  const wHalf = f(f(f(bx2 - bx1) * 0.5) * scale);
  const hHalf = f(f(f(by2 - by1) * 0.5) * scale);
  const xc = f(f(bx2 + bx1) * 0.5);
  const yc = f(f(by2 + by1) * 0.5);
  const ex1 = Math.trunc(f(xc - wHalf));
  const ey1 = Math.trunc(f(yc - hHalf));
  const ex2 = Math.trunc(f(xc + wHalf));
  const ey2 = Math.trunc(f(yc + hHalf));
  if (![ex1, ey1, ex2, ey2].every(Number.isFinite)) return EMPTY_PATCH;
  const outW = Math.max(ex2 - ex1 + 1, 1);
  const outH = Math.max(ey2 - ey1 + 1, 1);
  const x0 = Math.max(ex1, 0);
  const y0 = Math.max(ey1, 0);
  const w = Math.min(ex2 + 1, width) - x0;
  const h = Math.min(ey2 + 1, height) - y0;
  if (!(w > 0 && h > 0)) return EMPTY_PATCH;
  const thresh = f(threshold);
  const scaleX = f(p / outW);
  const scaleY = f(p / outH);
  // The padded (M + 2) x (M + 2) mask: a zero border around the M x M one.
  const padded = (y: number, x: number): number => (y >= 1 && y <= m && x >= 1 && x <= m ? mask[mo + (y - 1) * m + (x - 1)] : 0);
  const cols = Array.from({ length: w }, (_, j) => linearSource(scaleX, x0 + j - ex1, p, outW));
  const bits = new Uint8Array(w * h);
  for (let i = 0; i < h; i++) {
    const [r0, r1, h0, h1] = linearSource(scaleY, y0 + i - ey1, p, outH);
    for (let j = 0; j < w; j++) {
      const [c0, c1, w0, w1] = cols[j];
      // Four weights in float32, their products summed in double, as PyTorch's kernel does.
      const v = f(
        padded(r0, c0) * f(h0 * w0) + padded(r0, c1) * f(h0 * w1) + padded(r1, c0) * f(h1 * w0) + padded(r1, c1) * f(h1 * w1),
      );
      if (v > thresh) bits[i * w + j] = 1;
    }
  }
  return { x0, y0, w, h, bits };
}

/** Checks the inputs, then pastes every mask and hands each patch to `sink`; returns D. */
function pasteEach(
  masks: Float32Array,
  boxes: Float32Array,
  imageSize: ImageSize,
  options: Partial<PasteOptions>,
  fn: string,
  begin: (count: number) => void,
  sink: (index: number, patch: Patch) => void,
): void {
  const opts = { ...DEFAULT_PASTE, ...options };
  const [d, m] = checkInputs(masks, boxes, imageSize, opts, fn);
  const [height, width] = imageSize;
  const paste = opts.style === 'detectron2' ? pasteDetectron2 : pasteTorchvision;
  begin(d);
  for (let i = 0; i < d; i++) sink(i, paste(masks, i * m * m, m, boxes, 4 * i, height, width, opts.threshold));
}

/**
 * Pastes D mask probabilities into an H x W image as run-length counts (row-major over the image,
 * src/rle's counts: `[background, foreground, ...]` run lengths totalling H * W).
 *
 * @param masks [D, M, M] probabilities (`selectClassMasks`), row-major.
 * @param boxes [D, 4] absolute `x1, y1, x2, y2` in image pixels.
 * @param imageSize `[height, width]` of the image.
 * @param options threshold and style (`DEFAULT_PASTE` fills what is left out).
 * @returns D counts arrays, one per detection.
 */
export function pasteMasks(masks: Float32Array, boxes: Float32Array, imageSize: ImageSize, options: Partial<PasteOptions> = {}): Uint32Array[] {
  const width = imageSize[1];
  const total = imageSize[0] * width;
  const out: Uint32Array[] = [];
  const noop = (): void => undefined;
  pasteEach(masks, boxes, imageSize, options, 'pasteMasks', noop, (_, { x0, y0, w, h, bits }) => {
    const intervals: number[] = [];
    for (let i = 0; i < h; i++) {
      const rowStart = (y0 + i) * width + x0;
      for (let j = 0; j < w; j++) {
        if (bits[i * w + j] === 0) continue;
        const start = j;
        while (j < w && bits[i * w + j] !== 0) j++;
        intervals.push(rowStart + start, rowStart + j);
      }
    }
    out.push(intervalsToCounts(intervals, total));
  });
  return out;
}

/**
 * Pastes D mask probabilities into an H x W image as `BitMasks` [D, H, W] (D * H * W bytes:
 * prefer `pasteMasks` for many detections on large images).
 *
 * @param masks [D, M, M] probabilities (`selectClassMasks`), row-major.
 * @param boxes [D, 4] absolute `x1, y1, x2, y2` in image pixels.
 * @param imageSize `[height, width]` of the image.
 * @param options threshold and style (`DEFAULT_PASTE` fills what is left out).
 */
export function pasteMasksToBitMasks(masks: Float32Array, boxes: Float32Array, imageSize: ImageSize, options: Partial<PasteOptions> = {}): BitMasks {
  const [height, width] = imageSize;
  const plane = height * width;
  let data = new Uint8Array(0);
  const allocate = (count: number): void => {
    data = new Uint8Array(count * plane);
  };
  pasteEach(masks, boxes, imageSize, options, 'pasteMasksToBitMasks', allocate, (index, { x0, y0, w, h, bits }) => {
    for (let i = 0; i < h; i++) data.set(bits.subarray(i * w, (i + 1) * w), index * plane + (y0 + i) * width + x0);
  });
  return new BitMasks(data, height, width);
}
