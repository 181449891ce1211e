/**
 * `Detections`: what one model (or an ensemble) predicts for one image, in the form the
 * ensemble ops pass along.
 *
 * Shape shorthand: N: detections, H, W: image height and width.
 *
 * Why not `Instances`: its masks are dense [N, H, W] bytes (1,000 masks of a 520 x 704 image
 * take 366 MB); here each mask is a counts RLE over the image's row-major pixels (`cellmask/rle`),
 * the form the submission's run-length text decodes to, with area and IoU computed on the runs.
 */
import { rleTotal } from '../rle/index.js';
import { checkBoxes, checkScores } from './checks.js';
import { describe } from '../utils/describe.js';

/** The detections of one image. All per-detection fields have length N (and boxes 4N). */
export interface Detections {
  /** Image height H in pixels. */
  readonly height: number;
  /** Image width W in pixels. */
  readonly width: number;
  /** [N, 4] absolute `x1, y1, x2, y2` in pixels. */
  readonly boxes: Float32Array;
  /** [N] confidence. */
  readonly scores: Float32Array;
  /** [N] class id (in the competition 0 shsy5y, 1 astro, 2 cort). */
  readonly classes: Int32Array;
  /** [N] masks, each a counts RLE (`[bg, fg, bg, ...]`) over the H*W row-major pixels. */
  readonly masks?: readonly Uint32Array[];
}

/** Checks that `dets` is well formed and returns N; errors name `fn` and `arg`. */
export function checkDetections(dets: Detections, fn: string, arg = 'detections'): number {
  if (dets === null || typeof dets !== 'object') throw new TypeError(`${fn}: ${arg} must be a Detections object, got ${describe(dets)}`);
  const { height, width } = dets;
  if (!Number.isSafeInteger(height) || height < 0 || !Number.isSafeInteger(width) || width < 0) {
    throw new RangeError(`${fn}: ${arg} height and width must be non-negative integers, got ${height} x ${width}`);
  }
  const n = checkBoxes(dets.boxes, fn, `${arg}.boxes`);
  checkScores(dets.scores, n, fn, `${arg}.scores`);
  if (!(dets.classes instanceof Int32Array) || dets.classes.length !== n) {
    throw new TypeError(`${fn}: ${arg}.classes must be an Int32Array of length ${n}, got ${describe(dets.classes)}`);
  }
  if (dets.masks !== undefined) {
    if (!Array.isArray(dets.masks) || dets.masks.length !== n) {
      throw new TypeError(`${fn}: ${arg}.masks must be an array of ${n} counts (one per box), got ${describe(dets.masks)}`);
    }
    dets.masks.forEach((counts, i) => {
      if (!(counts instanceof Uint32Array)) {
        throw new TypeError(`${fn}: ${arg}.masks[${i}] must be a Uint32Array of run lengths, got ${describe(counts)}`);
      }
      const total = rleTotal(counts);
      if (total !== height * width) {
        throw new RangeError(`${fn}: ${arg}.masks[${i}] covers ${total} pixels, the image ${height} x ${width} has ${height * width}`);
      }
    });
  }
  return n;
}

/** The detections at `indices` [K], in that order, masks included. Indices are not checked here. */
export function selectDetections(dets: Detections, indices: ArrayLike<number>): Detections {
  const k = indices.length;
  const boxes = new Float32Array(4 * k);
  const scores = new Float32Array(k);
  const classes = new Int32Array(k);
  for (let r = 0; r < k; r++) {
    const i = indices[r];
    boxes.set(dets.boxes.subarray(4 * i, 4 * i + 4), 4 * r);
    scores[r] = dets.scores[i];
    classes[r] = dets.classes[i];
  }
  const selected: Detections = { height: dets.height, width: dets.width, boxes, scores, classes };
  const masks = dets.masks;
  return masks === undefined ? selected : { ...selected, masks: Array.from(indices, (i) => masks[i]) };
}
