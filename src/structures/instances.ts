/**
 * `Instances`: the detections (or ground truth) of one image, Detectron2's structure of the
 * same name with fixed, typed fields. All per-instance fields have the same length N, checked
 * on construction, so indexing and filtering keep them aligned.
 */
import { Boxes, type ImageSize } from './boxes.js';
import { BitMasks } from './masks.js';

/** Fields of `Instances`; each per-instance field has length N. */
export interface InstanceFields {
  /** [N, 4] absolute `x1, y1, x2, y2`. */
  readonly boxes: Boxes;
  /** [N] confidence in [0, 1]; for ground truth, 1. */
  readonly scores: Float32Array;
  /** [N] class index in [0, numClasses). */
  readonly classes: Int32Array;
  /** [N, H, W] at image resolution, when the model predicts masks. */
  readonly masks?: BitMasks;
}

export class Instances implements InstanceFields {
  /** `[height, width]` of the image the instances live in. */
  readonly imageSize: ImageSize;
  readonly boxes: Boxes;
  readonly scores: Float32Array;
  readonly classes: Int32Array;
  readonly masks?: BitMasks;

  constructor(imageSize: ImageSize, fields: InstanceFields) {
    const n = fields.boxes.length;
    if (fields.scores.length !== n) {
      throw new Error(`Instances: scores has length ${fields.scores.length}, boxes has ${n}`);
    }
    if (fields.classes.length !== n) {
      throw new Error(`Instances: classes has length ${fields.classes.length}, boxes has ${n}`);
    }
    if (fields.masks !== undefined) {
      if (fields.masks.length !== n) {
        throw new Error(`Instances: masks has length ${fields.masks.length}, boxes has ${n}`);
      }
      if (fields.masks.height !== imageSize[0] || fields.masks.width !== imageSize[1]) {
        throw new Error(
          `Instances: masks are ${fields.masks.height} x ${fields.masks.width}, image is ${imageSize[0]} x ${imageSize[1]}`,
        );
      }
    }
    this.imageSize = [imageSize[0], imageSize[1]];
    this.boxes = fields.boxes;
    this.scores = fields.scores;
    this.classes = fields.classes;
    if (fields.masks !== undefined) this.masks = fields.masks;
  }

  /** An image with no instances. */
  static empty(imageSize: ImageSize, withMasks = false): Instances {
    return new Instances(imageSize, {
      boxes: new Boxes(new Float32Array(0)),
      scores: new Float32Array(0),
      classes: new Int32Array(0),
      ...(withMasks ? { masks: BitMasks.zeros(0, imageSize) } : {}),
    });
  }

  /** N, the number of instances. */
  get length(): number {
    return this.boxes.length;
  }

  /** The instances at `indices`, in that order (indices may repeat). */
  index(indices: ArrayLike<number>): Instances {
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.length) {
        throw new RangeError(`Instances.index: index ${i} at position ${k} is out of range [0, ${this.length})`);
      }
    }
    const pick = <T extends Float32Array | Int32Array>(src: T, make: (n: number) => T): T => {
      const out = make(indices.length);
      for (let k = 0; k < indices.length; k++) out[k] = src[indices[k]];
      return out;
    };
    return new Instances(this.imageSize, {
      boxes: this.boxes.index(indices),
      scores: pick(this.scores, (n) => new Float32Array(n)),
      classes: pick(this.classes, (n) => new Int32Array(n)),
      ...(this.masks !== undefined ? { masks: this.masks.index(indices) } : {}),
    });
  }

  /** The instances where `keep[i]` is truthy, in their order. `keep` must have length N. */
  filter(keep: ArrayLike<number | boolean>): Instances {
    if (keep.length !== this.length) {
      throw new Error(`Instances.filter: keep has length ${keep.length}, instances ${this.length}`);
    }
    const indices: number[] = [];
    for (let i = 0; i < keep.length; i++) if (keep[i]) indices.push(i);
    return this.index(indices);
  }

  /** Concatenates instances of the same image (all with masks or all without). */
  static cat(parts: readonly Instances[]): Instances {
    if (parts.length === 0) throw new Error('Instances.cat: nothing to concatenate');
    const [h, w] = parts[0].imageSize;
    const withMasks = parts[0].masks !== undefined;
    for (const p of parts) {
      if (p.imageSize[0] !== h || p.imageSize[1] !== w) {
        throw new Error(`Instances.cat: image sizes differ (${h} x ${w} and ${p.imageSize[0]} x ${p.imageSize[1]})`);
      }
      if ((p.masks !== undefined) !== withMasks) throw new Error('Instances.cat: some parts have masks and some do not');
    }
    const concat = <T extends Float32Array | Int32Array | Uint8Array>(arrays: T[], make: (n: number) => T): T => {
      const out = make(arrays.reduce((s, a) => s + a.length, 0));
      let o = 0;
      for (const a of arrays) {
        out.set(a, o);
        o += a.length;
      }
      return out;
    };
    return new Instances([h, w], {
      boxes: new Boxes(concat(parts.map((p) => p.boxes.data), (n) => new Float32Array(n))),
      scores: concat(parts.map((p) => p.scores), (n) => new Float32Array(n)),
      classes: concat(parts.map((p) => p.classes), (n) => new Int32Array(n)),
      ...(withMasks
        ? { masks: new BitMasks(concat(parts.map((p) => p.masks!.data), (n) => new Uint8Array(n)), h, w) }
        : {}),
    });
  }
}
