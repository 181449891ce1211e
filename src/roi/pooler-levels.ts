/**
 * Which FPN level pools each box: Eqn. (1) of the FPN paper (Lin et al. 2017),
 * `k = floor(k0 + log2(sqrt(area) / 224))`, clamped to the levels there are, as Detectron2
 * (`assign_boxes_to_levels` in detectron2/modeling/poolers.py) and torchvision (`LevelMapper` in
 * torchvision/ops/poolers.py) compute it. They differ in where a small epsilon goes:
 *   detectron2:  floor(k0 + log2(sqrt(area) / s0 + 1e-8))
 *   torchvision: floor(k0 + log2(sqrt(area) / s0) + 1e-6)
 * so a box whose size sits a float32 step or two below a boundary (e.g. 112 px) can land on
 * different levels. Both run in float32; so does this, step by step.
 *
 * Shape shorthand: R: boxes.
 */
import { type BoxArray, boxCount } from '../structures/boxes.js';
import { describe } from '../utils/describe.js';

const f32 = Math.fround;

/** Whose level formula to follow (see the module comment). */
export type LevelStyle = 'detectron2' | 'torchvision';

export interface LevelOptions {
  /** Level of the finest feature map (2 for P2, stride 4). */
  readonly minLevel: number;
  /** Level of the coarsest feature map (5 for P5, stride 32). */
  readonly maxLevel: number;
  /** Box size (sqrt of its area, input-image pixels) that belongs on `canonicalLevel`: 224 in both libraries. */
  readonly canonicalBoxSize: number;
  /** Level of a box of `canonicalBoxSize`: 4 in both libraries. */
  readonly canonicalLevel: number;
  readonly style: LevelStyle;
}

/**
 * The level of each of the [R, 4] boxes (`x1, y1, x2, y2`, input-image pixels), as an index into
 * the feature maps: `level - minLevel`, in [0, maxLevel - minLevel]. A box of negative area (one
 * side inverted) gets -1: its level is NaN in both libraries, matches no feature map and the box
 * is pooled as zeros.
 */
export function assignBoxesToLevels(boxes: BoxArray, options: LevelOptions): Int32Array {
  const op = 'assignBoxesToLevels';
  const count = boxCount(boxes, `${op}: boxes`);
  const { minLevel, maxLevel, canonicalBoxSize, canonicalLevel, style } = options;
  if (!Number.isInteger(minLevel) || !Number.isInteger(maxLevel) || minLevel > maxLevel) {
    throw new Error(`${op}: expected integer levels minLevel <= maxLevel, got ${describe(minLevel)} and ${describe(maxLevel)}`);
  }
  if (!(canonicalBoxSize > 0)) throw new Error(`${op}: canonicalBoxSize: expected a number > 0, got ${describe(canonicalBoxSize)}`);
  if (!Number.isFinite(canonicalLevel)) throw new Error(`${op}: canonicalLevel: expected a finite number, got ${describe(canonicalLevel)}`);
  if (style !== 'detectron2' && style !== 'torchvision') {
    throw new Error(`${op}: style: expected 'detectron2' or 'torchvision', got ${describe(style)}`);
  }
  const levels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const o = 4 * i;
    const area = f32(f32(boxes[o + 2] - boxes[o]) * f32(boxes[o + 3] - boxes[o + 1]));
    const relative = f32(f32(Math.sqrt(area)) / canonicalBoxSize);
    const level =
      style === 'detectron2'
        ? Math.floor(f32(canonicalLevel + f32(Math.log2(f32(relative + f32(1e-8))))))
        : Math.floor(f32(f32(canonicalLevel + f32(Math.log2(relative))) + f32(1e-6)));
    levels[i] = Number.isNaN(level) ? -1 : Math.min(Math.max(level, minLevel), maxLevel) - minLevel;
  }
  return levels;
}
