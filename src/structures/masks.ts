/**
 * Binary instance masks.
 *
 * Shape shorthand: N: instances, H, W: image height and width.
 * `BitMasks` stores N masks as one row-major `Uint8Array` of shape [N, H, W] holding 0 or 1.
 */
import type { BoxArray, ImageSize } from './boxes.js';

/** N binary masks of H x W pixels, row-major [N, H, W] (pixel (y, x) of mask i at `i*H*W + y*W + x`). */
export class BitMasks {
  /** Row-major [N, H, W], each element 0 or 1. */
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;

  constructor(data: Uint8Array, height: number, width: number) {
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) {
      throw new Error(`BitMasks: height and width must be non-negative integers, got ${height} x ${width}`);
    }
    const plane = height * width;
    if (plane === 0 ? data.length !== 0 : data.length % plane !== 0) {
      throw new Error(`BitMasks: data length ${data.length} is not a multiple of H*W = ${height}*${width}`);
    }
    this.data = data;
    this.height = height;
    this.width = width;
  }

  /** An all-zero [n, H, W] set. */
  static zeros(n: number, [height, width]: ImageSize): BitMasks {
    return new BitMasks(new Uint8Array(n * height * width), height, width);
  }

  /**
   * Masks from a label image [H, W] where 0 is background and each positive value one instance.
   * Instances come in increasing label order; `labels` says which label each mask holds.
   */
  static fromLabelImage(label: ArrayLike<number>, height: number, width: number): { masks: BitMasks; labels: number[] } {
    if (label.length !== height * width) {
      throw new Error(`BitMasks.fromLabelImage: expected ${height}*${width} = ${height * width} pixels, got ${label.length}`);
    }
    const ids = [...new Set(Array.from(label))].filter((v) => v > 0).sort((a, b) => a - b);
    const slot = new Map(ids.map((id, i) => [id, i] as const));
    const plane = height * width;
    const data = new Uint8Array(ids.length * plane);
    for (let p = 0; p < plane; p++) {
      const s = slot.get(label[p]);
      if (s !== undefined) data[s * plane + p] = 1;
    }
    return { masks: new BitMasks(data, height, width), labels: ids };
  }

  /** N, the number of masks. */
  get length(): number {
    const plane = this.height * this.width;
    return plane === 0 ? 0 : this.data.length / plane;
  }

  /** Mask `i` as an [H, W] view (no copy). */
  get(i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`BitMasks.get: index ${i} is out of range [0, ${this.length})`);
    }
    const plane = this.height * this.width;
    return this.data.subarray(i * plane, (i + 1) * plane);
  }

  /** Pixel counts -> [N]. */
  area(): Float64Array {
    const n = this.length;
    const area = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const m = this.get(i);
      let s = 0;
      for (let p = 0; p < m.length; p++) s += m[p];
      area[i] = s;
    }
    return area;
  }

  /**
   * Tight boxes around each mask -> [N, 4] `x1, y1, x2, y2`, with `x2, y2` one past the last
   * foreground pixel (so a single pixel at (y, x) gives `[x, y, x+1, y+1]`, Detectron2's
   * `BitMasks.get_bounding_boxes`). Empty masks give `[0, 0, 0, 0]`.
   */
  boundingBoxes(): BoxArray {
    const n = this.length;
    const out = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const m = this.get(i);
      let x1 = Infinity;
      let y1 = Infinity;
      let x2 = -1;
      let y2 = -1;
      for (let y = 0; y < this.height; y++) {
        const row = y * this.width;
        for (let x = 0; x < this.width; x++) {
          if (m[row + x] !== 0) {
            if (x < x1) x1 = x;
            if (x > x2) x2 = x;
            if (y < y1) y1 = y;
            y2 = y;
          }
        }
      }
      if (x2 >= 0) out.set([x1, y1, x2 + 1, y2 + 1], 4 * i);
    }
    return out;
  }

  /** Gathers masks by index -> [K, H, W]. */
  index(indices: ArrayLike<number>): BitMasks {
    const plane = this.height * this.width;
    const out = new Uint8Array(indices.length * plane);
    for (let k = 0; k < indices.length; k++) out.set(this.get(indices[k]), k * plane);
    return new BitMasks(out, this.height, this.width);
  }
}
