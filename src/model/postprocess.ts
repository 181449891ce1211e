/**
 * Detections of the network input mapped back to the picture (Detectron2's
 * `detector_postprocess`, torchvision's `resize_boxes`), on typed arrays.
 */
import type { ImageSize } from '../structures/boxes.js';

/**
 * Boxes [D, 4] of the network input mapped to the picture: the K boxes that survive, [K, 4], and
 * their rows `keep` [K] in the input.
 */
export function mapBoxes(boxes: Float32Array, resized: ImageSize, original: ImageSize, style: 'detectron2' | 'torchvision'): { boxes: Float32Array; keep: number[] } {
  const out: number[] = [];
  const keep: number[] = [];
  // Both libraries scale with float32 ratios of the sizes.
  const sx = Math.fround(original[1] / resized[1]);
  const sy = Math.fround(original[0] / resized[0]);
  for (let i = 0; i < boxes.length / 4; i++) {
    let x1 = Math.fround(boxes[4 * i] * sx);
    let y1 = Math.fround(boxes[4 * i + 1] * sy);
    let x2 = Math.fround(boxes[4 * i + 2] * sx);
    let y2 = Math.fround(boxes[4 * i + 3] * sy);
    if (style === 'detectron2') {
      x1 = Math.min(Math.max(x1, 0), original[1]);
      x2 = Math.min(Math.max(x2, 0), original[1]);
      y1 = Math.min(Math.max(y1, 0), original[0]);
      y2 = Math.min(Math.max(y2, 0), original[0]);
      if (!(x2 - x1 > 0 && y2 - y1 > 0)) continue;
    }
    out.push(x1, y1, x2, y2);
    keep.push(i);
  }
  return { boxes: Float32Array.from(out), keep };
}

/** Rows `keep` of a flat array with `width` values per row. */
export function takeRows<T extends Float32Array | Int32Array>(values: T, keep: readonly number[], width: number, make: (n: number) => T): T {
  const out = make(keep.length * width);
  keep.forEach((i, k) => out.set(values.subarray(i * width, (i + 1) * width), k * width));
  return out;
}

/** The detections that survive the mapping to the picture (`detectionsOnPicture`). */
export interface PictureDetections {
  /** [K, 4] boxes in the picture's pixels. */
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  readonly classes: Int32Array;
  /** [K, 4] the same detections' boxes in the network input's pixels (what the mask pooler reads). */
  readonly inputBoxes: Float32Array;
}

/**
 * Detections of the network input [D] mapped to the picture: the K that survive `mapBoxes`, with
 * their scores, classes and input boxes. Both runtimes (TensorFlow.js, onnxruntime) end with it.
 */
export function detectionsOnPicture(
  detections: { readonly boxes: Float32Array; readonly scores: Float32Array; readonly classes: Int32Array },
  resized: ImageSize,
  original: ImageSize,
  style: 'detectron2' | 'torchvision',
): PictureDetections {
  const { boxes, keep } = mapBoxes(detections.boxes, resized, original, style);
  return {
    boxes,
    scores: takeRows(detections.scores, keep, 1, (n) => new Float32Array(n)),
    classes: takeRows(detections.classes, keep, 1, (n) => new Int32Array(n)),
    inputBoxes: takeRows(detections.boxes, keep, 4, (n) => new Float32Array(n)),
  };
}
