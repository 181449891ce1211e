/**
 * Axis-aligned boxes and their geometry.
 *
 * Convention (Detectron2's): a box is `x1, y1, x2, y2` in absolute pixel coordinates, with
 * `x2 >= x1` and `y2 >= y1` for a valid box; its area is `(x2 - x1) * (y2 - y1)` (no `+1`).
 * A set of N boxes is one flat, row-major `Float32Array` of shape [N, 4].
 *
 * Shape shorthand: N, M: numbers of boxes.
 */

/** Flat row-major [N, 4] array of `x1, y1, x2, y2` boxes. */
export type BoxArray = Float32Array;

/** Image size as `[height, width]` in pixels. */
export type ImageSize = readonly [height: number, width: number];

/** Checks that `boxes` is a flat [N, 4] array and returns N. */
export function boxCount(boxes: ArrayLike<number>, what = 'boxes'): number {
  if (boxes.length % 4 !== 0) {
    throw new Error(`${what}: expected a flat [N, 4] array, got length ${boxes.length} (not a multiple of 4)`);
  }
  return boxes.length / 4;
}

/** Areas of [N, 4] boxes -> [N]. Inverted boxes get a negative or zero area, as in Detectron2. */
export function boxArea(boxes: BoxArray): Float32Array {
  const n = boxCount(boxes);
  const area = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    area[i] = (boxes[o + 2] - boxes[o]) * (boxes[o + 3] - boxes[o + 1]);
  }
  return area;
}

/** Clips [N, 4] boxes to an image of `[height, width]`: x into [0, width], y into [0, height]. Returns a new array. */
export function clipBoxes(boxes: BoxArray, [height, width]: ImageSize): BoxArray {
  boxCount(boxes);
  const out = new Float32Array(boxes.length);
  for (let o = 0; o < boxes.length; o += 4) {
    out[o] = Math.min(Math.max(boxes[o], 0), width);
    out[o + 1] = Math.min(Math.max(boxes[o + 1], 0), height);
    out[o + 2] = Math.min(Math.max(boxes[o + 2], 0), width);
    out[o + 3] = Math.min(Math.max(boxes[o + 3], 0), height);
  }
  return out;
}

/** [N] flags: 1 where a box's width and height both exceed `threshold` (Detectron2's `Boxes.nonempty`). */
export function nonemptyBoxes(boxes: BoxArray, threshold = 0): Uint8Array {
  const n = boxCount(boxes);
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    keep[i] = boxes[o + 2] - boxes[o] > threshold && boxes[o + 3] - boxes[o + 1] > threshold ? 1 : 0;
  }
  return keep;
}

/** Intersection area of box `i` of `a` and box `j` of `b` (0 when they do not overlap). */
function intersection(a: BoxArray, i: number, b: BoxArray, j: number): number {
  const w = Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]);
  if (w <= 0) return 0;
  const h = Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]);
  return h <= 0 ? 0 : w * h;
}

/**
 * Pairwise intersection over union of [N, 4] boxes `a` and [M, 4] boxes `b` -> row-major [N, M].
 * A pair with zero union (two empty boxes) has IoU 0, as in Detectron2's `pairwise_iou`.
 */
export function pairwiseIou(a: BoxArray, b: BoxArray): Float32Array {
  const n = boxCount(a, 'pairwiseIou: a');
  const m = boxCount(b, 'pairwiseIou: b');
  const areaA = boxArea(a);
  const areaB = boxArea(b);
  const iou = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const inter = intersection(a, i, b, j);
      iou[i * m + j] = inter > 0 ? inter / (areaA[i] + areaB[j] - inter) : 0;
    }
  }
  return iou;
}

/**
 * Pairwise intersection over the area of `a`'s box ("IoA") -> row-major [N, M]:
 * the fraction of each box of `a` covered by each box of `b`. Zero-area boxes of `a` give 0.
 */
export function pairwiseIoa(a: BoxArray, b: BoxArray): Float32Array {
  const n = boxCount(a, 'pairwiseIoa: a');
  const m = boxCount(b, 'pairwiseIoa: b');
  const areaA = boxArea(a);
  const ioa = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const inter = intersection(a, i, b, j);
      ioa[i * m + j] = inter > 0 ? inter / areaA[i] : 0;
    }
  }
  return ioa;
}

/** Gathers boxes by index: [N, 4] -> [K, 4] for K indices. */
export function gatherBoxes(boxes: BoxArray, indices: ArrayLike<number>): BoxArray {
  const n = boxCount(boxes);
  const out = new Float32Array(indices.length * 4);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`gatherBoxes: index ${i} at position ${k} is out of range [0, ${n})`);
    }
    out.set(boxes.subarray(4 * i, 4 * i + 4), 4 * k);
  }
  return out;
}

/**
 * A thin holder of [N, 4] boxes (Detectron2's `Boxes`). Geometry lives in the free functions
 * above; the methods only delegate.
 */
export class Boxes {
  /** Flat row-major [N, 4] `x1, y1, x2, y2` in absolute pixels. */
  readonly data: BoxArray;

  constructor(data: ArrayLike<number>) {
    boxCount(data, 'Boxes');
    this.data = data instanceof Float32Array ? data : Float32Array.from(data);
  }

  /** N, the number of boxes. */
  get length(): number {
    return this.data.length / 4;
  }

  /** Box `i` as `[x1, y1, x2, y2]`. */
  get(i: number): [number, number, number, number] {
    const o = 4 * i;
    return [this.data[o], this.data[o + 1], this.data[o + 2], this.data[o + 3]];
  }

  area(): Float32Array {
    return boxArea(this.data);
  }

  clip(size: ImageSize): Boxes {
    return new Boxes(clipBoxes(this.data, size));
  }

  nonempty(threshold = 0): Uint8Array {
    return nonemptyBoxes(this.data, threshold);
  }

  index(indices: ArrayLike<number>): Boxes {
    return new Boxes(gatherBoxes(this.data, indices));
  }
}
