/**
 * The mask head's targets: each foreground RoI's ground-truth mask resampled onto the RoI's
 * M x M grid. Detectron2's `BitMasks.crop_and_resize` (detectron2/structures/masks.py, called
 * by `mask_rcnn_loss`) or torchvision's `project_masks_on_boxes` (roi_heads.py).
 *
 * Shape shorthand: P: foreground RoIs, G: ground-truth masks, M: mask resolution
 * (`MODEL.ROI_MASK_HEAD.POOLER_RESOLUTION * 2`, 28), H, W: image size.
 * Boxes are absolute `x1, y1, x2, y2` in the image's pixels.
 *
 * Both are RoIAlign of the full-image mask by the RoI, with spatial scale 1 and an adaptive
 * sampling grid (`ceil(roi size / M)` samples per bin and axis):
 *   - detectron2: aligned (ROIAlignV2, box shifted by -0.5 pixel), then `>= 0.5` -> 0 / 1;
 *   - torchvision: legacy RoIAlign (not aligned, sides at least 1 pixel), soft targets in [0, 1].
 * The sample positions and their bilinear weights come from `boxSampling`
 * (src/roi/roi-align-sampling.ts), torchvision's kernel rounded step by step in float32, including
 * its border rules (samples beyond -1 or the image size read nothing, others clamp to the edge),
 * which is why the image size is needed: a mask stores only its crop.
 */
import { type RoiAlignOptions, boxSampling } from '../roi/roi-align-sampling.js';
import type { ImageSize } from '../structures/boxes.js';
import { describe } from '../utils/describe.js';
import type { CroppedMask } from './data/cropped-mask.js';
import { checkFiniteBoxes } from './matcher.js';

export type { CroppedMask };

/** What `maskTargets` resamples to, and how. */
export interface MaskTargetOptions {
  /** M, the side of each target (28). */
  readonly size: number;
  /** Aligned RoIAlign and a 0.5 threshold (detectron2), or legacy RoIAlign and soft values (torchvision). */
  readonly style: 'detectron2' | 'torchvision';
  /** `[height, width]` of the image the masks and boxes live in. */
  readonly imageSize: ImageSize;
}

/**
 * The tight crop of a full-image bit mask: its smallest rectangle holding every nonzero pixel
 * (an empty mask gives a 0 x 0 crop at the origin).
 *
 * @param data row-major [height, width]; nonzero pixels are the instance.
 */
export function croppedMaskFromBitMask(data: Uint8Array, height: number, width: number): CroppedMask {
  const fn = 'croppedMaskFromBitMask';
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
    throw new RangeError(`${fn}: height and width must be non-negative integers, got ${height} x ${width}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== height * width) {
    throw new TypeError(`${fn}: data must be a Uint8Array of length ${height * width} (height x width), got ${describe(data)}`);
  }
  let top = height;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let r = 0; r < height; r++) {
    const row = data.subarray(r * width, (r + 1) * width);
    const first = row.findIndex((v) => v !== 0);
    if (first < 0) continue;
    top = Math.min(top, r);
    bottom = r;
    left = Math.min(left, first);
    let last = width - 1;
    while (row[last] === 0) last--;
    right = Math.max(right, last);
  }
  if (bottom < 0) return { x: 0, y: 0, width: 0, height: 0, data: new Uint8Array(0) };
  const cropWidth = right - left + 1;
  const cropHeight = bottom - top + 1;
  const crop = new Uint8Array(cropWidth * cropHeight);
  for (let r = 0; r < cropHeight; r++) {
    const from = (top + r) * width + left;
    for (let c = 0; c < cropWidth; c++) crop[r * cropWidth + c] = data[from + c] !== 0 ? 1 : 0;
  }
  return { x: left, y: top, width: cropWidth, height: cropHeight, data: crop };
}

/**
 * Mask targets of the foreground RoIs.
 *
 * @param gtMasks [G] the image's ground-truth masks.
 * @param boxes [P, 4] the foreground RoIs.
 * @param matchedGt [P] each RoI's ground truth (an index into `gtMasks`).
 * @returns [P, M, M] row-major targets: 0 / 1 (detectron2) or in [0, 1] (torchvision).
 */
export function maskTargets(
  gtMasks: readonly CroppedMask[],
  boxes: Float32Array,
  matchedGt: Int32Array,
  options: MaskTargetOptions,
): Float32Array {
  const fn = 'maskTargets';
  const p = checkFiniteBoxes(boxes, fn, 'boxes');
  const { size, style, imageSize } = options;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`${fn}: options.size must be a positive integer, got ${describe(size)}`);
  if (style !== 'detectron2' && style !== 'torchvision') {
    throw new RangeError(`${fn}: options.style must be 'detectron2' or 'torchvision', got ${describe(style)}`);
  }
  if (!Array.isArray(imageSize) || imageSize.length !== 2 || !imageSize.every((v) => Number.isInteger(v) && v > 0)) {
    throw new RangeError(`${fn}: options.imageSize must be [height, width], two positive integers, got ${describe(imageSize)}`);
  }
  const [height, width] = imageSize;
  if (!Array.isArray(gtMasks)) throw new TypeError(`${fn}: gtMasks must be an array of CroppedMask, got ${describe(gtMasks)}`);
  gtMasks.forEach((m, j) => checkCroppedMask(m, height, width, `${fn}: gtMasks[${j}]`));
  if (!(matchedGt instanceof Int32Array) || matchedGt.length !== p) {
    throw new TypeError(`${fn}: matchedGt must be an Int32Array of length ${p} (one per box), got ${describe(matchedGt)}`);
  }
  matchedGt.forEach((j, k) => {
    if (!(j >= 0 && j < gtMasks.length)) throw new RangeError(`${fn}: matchedGt[${k}] is ${j}, outside [0, ${gtMasks.length}) (gtMasks)`);
  });

  const roiAlign: RoiAlignOptions =
    style === 'detectron2'
      ? { outputSize: [size, size], spatialScale: 1, samplingRatio: 0, aligned: true }
      : { outputSize: [size, size], spatialScale: 1, samplingRatio: -1, aligned: false };
  const out = new Float32Array(p * size * size);
  for (let k = 0; k < p; k++) {
    const o = 4 * k;
    const sampling = boxSampling(boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3], 0, height, width, roiAlign);
    // The sampling grid's size (`scale` is its reciprocal; exact for any grid below 2^26).
    const count = Math.round(1 / sampling.scale);
    const mask = gtMasks[matchedGt[k]];
    const target = out.subarray(k * size * size, (k + 1) * size * size);
    const { y, x } = sampling;
    for (let ph = 0; ph < size; ph++) {
      // Rows of bin ph's pixels that fall inside the crop, as offsets into its weights.
      const rowFrom = Math.max(y.offsets[ph], y.offsets[ph] + mask.y - y.first[ph]);
      const rowTo = Math.min(y.offsets[ph + 1], y.offsets[ph] + mask.y + mask.height - y.first[ph]);
      for (let pw = 0; pw < size; pw++) {
        const colFrom = Math.max(x.offsets[pw], x.offsets[pw] + mask.x - x.first[pw]);
        const colTo = Math.min(x.offsets[pw + 1], x.offsets[pw] + mask.x + mask.width - x.first[pw]);
        let sum = 0;
        for (let i = rowFrom; i < rowTo; i++) {
          const wy = y.weights[i];
          if (wy === 0) continue;
          const cropRow = (y.first[ph] + i - y.offsets[ph] - mask.y) * mask.width - mask.x + x.first[pw] - x.offsets[pw];
          for (let j = colFrom; j < colTo; j++) if (mask.data[cropRow + j] !== 0) sum += wy * x.weights[j];
        }
        // Divided by the grid size (not multiplied by its float reciprocal) so that a bin covered
        // exactly half gives exactly 0.5, as torchvision's float32 arithmetic does in that case.
        const value = sum / count;
        target[ph * size + pw] = style === 'detectron2' ? (value >= 0.5 ? 1 : 0) : value;
      }
    }
  }
  return out;
}

function checkCroppedMask(mask: CroppedMask, height: number, width: number, what: string): void {
  if (mask === null || typeof mask !== 'object') throw new TypeError(`${what} must be a CroppedMask, got ${describe(mask)}`);
  const { x, y, width: w, height: h, data } = mask;
  if (![x, y, w, h].every((v) => Number.isInteger(v) && v >= 0) || x + w > width || y + h > height) {
    throw new RangeError(`${what}: crop ${w} x ${h} at (${x}, ${y}) must have integer sides and offsets inside the ${height} x ${width} image`);
  }
  if (!(data instanceof Uint8Array) || data.length !== w * h) {
    throw new TypeError(`${what}: data must be a Uint8Array of length ${w * h} (height x width), got ${describe(data)}`);
  }
}
