/**
 * Detectron2's training augmentation (`build_augmentation` for training):
 * `ResizeShortestEdge(MIN_SIZE_TRAIN, MAX_SIZE_TRAIN, MIN_SIZE_TRAIN_SAMPLING)` then
 * `RandomFlip(0.5)` unless `RANDOM_FLIP` is `none`, applied to a record as `DatasetMapper` does:
 * the picture resized with Pillow's BILINEAR, bitmask segmentations with NEAREST
 * (`apply_segmentation`), boxes through `transform_instance_annotations` (`apply_box`: the
 * corners mapped, then clipped to the image; they stay floats and are not recomputed from the
 * resized masks, as `recompute_boxes` is off without cropping), then
 * `filter_empty_instances` (boxes no wider or taller than 1e-5, masks without pixels).
 *
 * Shape shorthand: H, W: the record's image; h, w: after resizing. Boxes `x1, y1, x2, y2`.
 */
import { resizedSize, type Picture } from '../../model/preprocess.js';
import type { Random } from '../../utils/random.js';
import type { CroppedMask } from './cropped-mask.js';
import { flipCropHorizontal, flipCropVertical, resizeCropNearest } from './crops.js';
import { pilNearestIndex, pilResizeBilinear } from './pil-resize.js';
import type { TrainingRecord } from './records.js';

/** The augmentation's settings (`INPUT.*` for training). */
export interface AugmentationOptions {
  /** `MIN_SIZE_TRAIN`: the shortest-edge sizes (`choice`) or `[min, max]` (`range`); 0 means no resize. */
  readonly minSizes: readonly number[];
  /** `MIN_SIZE_TRAIN_SAMPLING`. */
  readonly sampling: 'choice' | 'range';
  /** `MAX_SIZE_TRAIN`: cap on the longest edge. */
  readonly maxSize: number;
  /** `RANDOM_FLIP`: the flip drawn with probability 0.5, or none. */
  readonly flip: 'horizontal' | 'vertical' | 'none';
}

/** The random choices of one image's augmentation. */
export interface AugmentationDraw {
  /** The shortest edge drawn (0: no resize). */
  readonly shortEdge: number;
  /** The flip applied ('none' when not drawn or disabled). */
  readonly flip: 'horizontal' | 'vertical' | 'none';
}

/** Checks augmentation options; messages name the config key. */
export function checkAugmentationOptions(options: AugmentationOptions): void {
  const { minSizes, sampling, maxSize, flip } = options;
  if (sampling !== 'choice' && sampling !== 'range') {
    throw new Error(`augmentation: MIN_SIZE_TRAIN_SAMPLING must be 'choice' or 'range', got ${JSON.stringify(sampling)}`);
  }
  if (minSizes.length === 0 || minSizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new Error(`augmentation: MIN_SIZE_TRAIN must be non-negative integers, got [${minSizes.join(', ')}]`);
  }
  if (sampling === 'range' && (minSizes.length !== 2 || minSizes[0] > minSizes[1])) {
    throw new Error(`augmentation: MIN_SIZE_TRAIN must be [min, max] with min <= max for 'range' sampling, got [${minSizes.join(', ')}]`);
  }
  if (!(maxSize > 0)) throw new Error(`augmentation: MAX_SIZE_TRAIN must be positive, got ${maxSize}`);
  if (flip !== 'horizontal' && flip !== 'vertical' && flip !== 'none') {
    throw new Error(`augmentation: RANDOM_FLIP must be 'horizontal', 'vertical' or 'none', got ${JSON.stringify(flip)}`);
  }
}

/**
 * Draws one image's augmentation, in Detectron2's order: the size (`choice`:
 * `np.random.choice(sizes)`; `range`: `np.random.randint(min, max + 1)`), then, when flipping is
 * on, whether to flip (`uniform(0, 1) < 0.5`). The choices do not depend on the image.
 */
export function drawAugmentation(random: Random, options: AugmentationOptions): AugmentationDraw {
  const { minSizes, sampling, flip } = options;
  const shortEdge = sampling === 'range' ? random.int(minSizes[0], minSizes[1] + 1) : random.pick(minSizes);
  const flipped = flip !== 'none' && random.next() < 0.5;
  return { shortEdge, flip: flipped ? flip : 'none' };
}

/**
 * Boxes through Detectron2's `apply_box` for a resize then an optional flip, clipped to the
 * [h, w] image (`transform_instance_annotations`) -> new [G*4] float32. The arithmetic is in
 * doubles as numpy does it, rounded to float32 at the end (`Boxes` holds float32).
 */
export function transformBoxes(
  boxes: Float32Array,
  [height, width]: readonly [number, number],
  [newHeight, newWidth]: readonly [number, number],
  flip: AugmentationDraw['flip'],
): Float32Array {
  const out = new Float32Array(boxes.length);
  // ResizeTransform.apply_coords: x * (new_w / w), y * (new_h / h).
  const sx = newWidth / width;
  const sy = newHeight / height;
  for (let i = 0; i < boxes.length; i += 4) {
    let x1 = boxes[i] * sx;
    let y1 = boxes[i + 1] * sy;
    let x2 = boxes[i + 2] * sx;
    let y2 = boxes[i + 3] * sy;
    // HFlipTransform / VFlipTransform: x -> w - x (y -> h - y); apply_box takes min and max of the corners.
    if (flip === 'horizontal') [x1, x2] = [newWidth - x2, newWidth - x1];
    if (flip === 'vertical') [y1, y2] = [newHeight - y2, newHeight - y1];
    out[i] = Math.min(Math.max(x1, 0), newWidth);
    out[i + 1] = Math.min(Math.max(y1, 0), newHeight);
    out[i + 2] = Math.min(Math.max(x2, 0), newWidth);
    out[i + 3] = Math.min(Math.max(y2, 0), newHeight);
  }
  return out;
}

/** `Boxes.nonempty(threshold=1e-5)` on float32 widths and heights. */
function boxNonEmpty(boxes: Float32Array, i: number): boolean {
  return Math.fround(boxes[4 * i + 2] - boxes[4 * i]) > 1e-5 && Math.fround(boxes[4 * i + 3] - boxes[4 * i + 1]) > 1e-5;
}

/**
 * Applies drawn augmentation to a record -> the record as the network trains on it: picture
 * resized (Pillow BILINEAR) and flipped, masks resized (Pillow NEAREST) and flipped, boxes
 * mapped and clipped, then instances with an empty box or mask dropped (added to
 * `emptyMasksDropped`). `maxSize` is `MAX_SIZE_TRAIN`; output size rounding is
 * `ResizeShortestEdge.get_output_shape`'s.
 */
export function applyAugmentation(record: TrainingRecord, draw: AugmentationDraw, maxSize: number): TrainingRecord {
  const { picture } = record;
  const size: [number, number] = [picture.height, picture.width];
  const [h, w] = resizedSize(size, draw.shortEdge, maxSize, 'detectron2');
  const sameSize = h === picture.height && w === picture.width;
  let image = sameSize ? picture : pilResizeBilinear(picture, h, w);
  let masks: (CroppedMask | null)[] = [...record.gtMasks];
  if (!sameSize) {
    const columns = pilNearestIndex(picture.width, w);
    const rows = pilNearestIndex(picture.height, h);
    masks = record.gtMasks.map((m) => resizeCropNearest(m, columns, rows));
  }
  if (draw.flip === 'horizontal') {
    image = flipPictureHorizontal(image);
    masks = masks.map((m) => m && flipCropHorizontal(m, w));
  } else if (draw.flip === 'vertical') {
    image = flipPictureVertical(image);
    masks = masks.map((m) => m && flipCropVertical(m, h));
  }
  const boxes = transformBoxes(record.gtBoxes, size, [h, w], draw.flip);
  const keep: number[] = [];
  masks.forEach((m, i) => {
    if (m !== null && boxNonEmpty(boxes, i)) keep.push(i);
  });
  const gtBoxes = new Float32Array(4 * keep.length);
  keep.forEach((i, k) => gtBoxes.set(boxes.subarray(4 * i, 4 * i + 4), 4 * k));
  return {
    id: record.id,
    picture: image,
    gtBoxes,
    gtClasses: Int32Array.from(keep, (i) => record.gtClasses[i]),
    gtMasks: keep.map((i) => masks[i]!),
    emptyMasksDropped: record.emptyMasksDropped + masks.length - keep.length,
  };
}

/** Draws and applies one image's augmentation (`drawAugmentation` then `applyAugmentation`). */
export function augmentRecord(record: TrainingRecord, options: AugmentationOptions, random: Random): TrainingRecord {
  return applyAugmentation(record, drawAugmentation(random, options), options.maxSize);
}

/** A picture mirrored left-right (`HFlipTransform.apply_image`: `np.flip(img, axis=1)`). */
export function flipPictureHorizontal(picture: Picture): Picture {
  const { data, height, width, channels } = picture;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    for (let x = 0; x < width; x++) {
      const from = row + x * channels;
      const to = row + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) out[to + c] = data[from + c];
    }
  }
  return { data: out, height, width, channels };
}

/** A picture mirrored top-bottom (`VFlipTransform.apply_image`: `np.flip(img, axis=0)`). */
export function flipPictureVertical(picture: Picture): Picture {
  const { data, height, width, channels } = picture;
  const rowLength = width * channels;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) out.set(data.subarray(y * rowLength, (y + 1) * rowLength), (height - 1 - y) * rowLength);
  return { data: out, height, width, channels };
}
