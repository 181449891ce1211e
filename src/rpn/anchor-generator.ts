/**
 * Anchors of the region proposal network: Detectron2's `DefaultAnchorGenerator` (default) and
 * torchvision's `AnchorGenerator` (`style: 'torchvision'`).
 *
 * Shape shorthand: L: feature levels, A: cell anchors of a level (sizes x aspect ratios),
 * Hi, Wi: size of the i-th feature map. Anchors are absolute `x1, y1, x2, y2` in input-image
 * pixels (Detectron2's convention), one flat row-major Float32Array per level: [Hi*Wi*A, 4] in
 * (y, x, a) order, the order of the RPN head's outputs.
 *
 * The two libraries differ in three ways, all reproduced here:
 *  - cell anchors: Detectron2 loops `for size, for ratio` in float64 (w = sqrt(size^2 / ratio),
 *    h = ratio * w) and stores float32; torchvision orders (ratio, size), computes in float32
 *    (h_ratio = sqrt(ratio), w = size / h_ratio as size * (1 / h_ratio)) and ROUNDS the
 *    half-sides to integers (half to even), so its anchors are not exactly `size^2` in area;
 *  - grid: Detectron2 shifts by `(x + offset) * stride` with the level's stride; torchvision has
 *    no offset and takes the stride per axis as `floor(imageSize / gridSize)` of the padded
 *    batch, which is not the backbone stride when a grid was rounded up (P6 of an odd P5 grid:
 *    a 928-row batch has a 15-row P6, so torchvision's P6 stride there is floor(928 / 15) = 61);
 *  - Detectron2's config default offset is 0.0 (`MODEL.ANCHOR_GENERATOR.OFFSET`), which this
 *    module uses too (the Python class's own default of 0.5 is never used by the config path).
 */
import type { ImageSize } from '../structures/boxes.js';
import { describe } from '../utils/describe.js';

/** Whose conventions to follow where Detectron2 and torchvision differ. */
export type RpnStyle = 'detectron2' | 'torchvision';

/** Size of a feature map as `[height, width]` in cells. */
export type GridSize = readonly [height: number, width: number];

/** One list for every level, or one list per level (Detectron2's broadcast rule). */
export type PerLevel = readonly number[] | readonly (readonly number[])[];

export interface AnchorGeneratorOptions {
  /** Anchor sizes (square root of the area, input pixels): the solution's `[[4], [8], [16], [64], [256]]`. */
  readonly sizes: PerLevel;
  /** Aspect ratios (height / width): the solution's `[[0.2, 0.5, 1, 2, 5]]`. */
  readonly aspectRatios: PerLevel;
  /** Stride of each level in input pixels (`[4, 8, 16, 32, 64]` for P2..P6); sets L. */
  readonly strides: readonly number[];
  /** Centre of the first anchor as a fraction of the stride, in [0, 1); Detectron2 style only. Default 0. */
  readonly offset?: number;
  /** Default `'detectron2'`. */
  readonly style?: RpnStyle;
}

/** Anchor sets kept per generator (one per image size seen; the oldest is dropped). */
const CACHE_ENTRIES = 8;

/**
 * Cell anchors of one level: [A, 4] boxes centred on (0, 0).
 * Detectron2: `for size, for ratio` (index size * R + ratio); torchvision: `for ratio, for size`
 * (index ratio * S + size), rounded to integers.
 */
export function cellAnchors(sizes: readonly number[], aspectRatios: readonly number[], style: RpnStyle = 'detectron2'): Float32Array {
  checkPositiveList(sizes, 'cellAnchors', 'sizes');
  checkPositiveList(aspectRatios, 'cellAnchors', 'aspectRatios');
  checkStyle(style, 'cellAnchors');
  const out = new Float32Array(4 * sizes.length * aspectRatios.length);
  let o = 0;
  if (style === 'detectron2') {
    for (const size of sizes) {
      const area = size * size;
      for (const ratio of aspectRatios) {
        // w * h = size^2 and h / w = ratio.
        const w = Math.sqrt(area / ratio);
        const h = ratio * w;
        out.set([-w / 2, -h / 2, w / 2, h / 2], o);
        o += 4;
      }
    }
    return out;
  }
  const f = Math.fround;
  for (const ratio of aspectRatios) {
    // float32 throughout, as torchvision's tensors: sqrt and 1/x are correctly rounded either way.
    const hRatio = f(Math.sqrt(f(ratio)));
    const wRatio = f(1 / hRatio);
    for (const size of sizes) {
      const w = f(wRatio * f(size));
      const h = f(hRatio * f(size));
      out.set([roundHalfEven(-w / 2), roundHalfEven(-h / 2), roundHalfEven(w / 2), roundHalfEven(h / 2)], o);
      o += 4;
    }
  }
  return out;
}

/**
 * The anchors of one level: `cell` [A, 4] shifted to every cell of a `grid` -> [Hi*Wi*A, 4],
 * y-major, then x, then anchor. The centre of cell (y, x) is `((x + offset) * strideX,
 * (y + offset) * strideY)`; each coordinate is one float32 sum `shift + cell`, as in both libraries.
 *
 * @param stride one stride, or `[strideY, strideX]` (torchvision's per-axis strides).
 */
export function gridAnchors(cell: Float32Array, grid: GridSize, stride: number | readonly [number, number], offset = 0): Float32Array {
  if (!(cell instanceof Float32Array) || cell.length % 4 !== 0) {
    throw new TypeError(`gridAnchors: cell must be a flat [A, 4] Float32Array, got ${describe(cell)}`);
  }
  checkGrid(grid, 'gridAnchors', 'grid');
  const [strideY, strideX] = typeof stride === 'number' ? [stride, stride] : stride;
  if (!(strideY > 0 && strideX > 0)) throw new RangeError(`gridAnchors: stride must be positive, got ${String(stride)}`);
  checkOffset(offset, 'gridAnchors');
  const [gh, gw] = grid;
  const a4 = cell.length;
  const out = new Float32Array(gh * gw * a4);
  let o = 0;
  for (let y = 0; y < gh; y++) {
    const sy = Math.fround((y + offset) * strideY);
    for (let x = 0; x < gw; x++) {
      const sx = Math.fround((x + offset) * strideX);
      for (let k = 0; k < a4; k += 4) {
        out[o++] = sx + cell[k];
        out[o++] = sy + cell[k + 1];
        out[o++] = sx + cell[k + 2];
        out[o++] = sy + cell[k + 3];
      }
    }
  }
  return out;
}

/**
 * Broadcasts per-level parameters as Detectron2's `_broadcast_params`: a flat list, or a list
 * holding one list, serves every level; otherwise there must be one list per level.
 */
export function broadcastPerLevel(params: PerLevel, levels: number, fn: string, arg: string): (readonly number[])[] {
  if (!Array.isArray(params) || params.length === 0) {
    throw new TypeError(`${fn}: ${arg} must be a non-empty list (or a list of lists), got ${describe(params)}`);
  }
  if (!Array.isArray(params[0])) return Array.from({ length: levels }, () => params as readonly number[]);
  const lists = params as readonly (readonly number[])[];
  if (lists.length === 1) return Array.from({ length: levels }, () => lists[0]);
  if (lists.length !== levels) {
    throw new RangeError(`${fn}: ${arg} has ${lists.length} lists, expected 1 or ${levels} (one per level)`);
  }
  return [...lists];
}

/**
 * Anchor generator: holds the options and the cell anchors, and caches the anchors of the last
 * few image sizes (the returned arrays are shared between calls: do not modify them).
 */
export class AnchorGenerator {
  readonly style: RpnStyle;
  readonly strides: readonly number[];
  readonly offset: number;
  /** Per level, [A, 4] cell anchors. */
  readonly cellAnchors: readonly Float32Array[];
  private readonly cache = new Map<string, Float32Array[]>();

  constructor(options: AnchorGeneratorOptions) {
    const { strides, offset = 0, style = 'detectron2' } = options;
    checkStyle(style, 'AnchorGenerator');
    if (!Array.isArray(strides) || strides.length === 0 || !strides.every((s) => Number.isFinite(s) && s > 0)) {
      throw new RangeError(`AnchorGenerator: strides must be a non-empty list of positive numbers, got ${describe(strides)}`);
    }
    checkOffset(offset, 'AnchorGenerator');
    if (style === 'torchvision' && offset !== 0) {
      throw new RangeError(`AnchorGenerator: torchvision anchors have no offset, got offset ${offset}`);
    }
    const sizes = broadcastPerLevel(options.sizes, strides.length, 'AnchorGenerator', 'sizes');
    const ratios = broadcastPerLevel(options.aspectRatios, strides.length, 'AnchorGenerator', 'aspectRatios');
    this.style = style;
    this.strides = [...strides];
    this.offset = offset;
    this.cellAnchors = sizes.map((s, i) => cellAnchors(s, ratios[i], style));
  }

  /** A per level: cell anchors at each location (the RPN head's objectness channels). */
  get numAnchors(): number[] {
    return this.cellAnchors.map((c) => c.length / 4);
  }

  /**
   * The anchors of every level, [Hi*Wi*A, 4] each.
   *
   * @param grids [L] feature-map sizes `[Hi, Wi]`.
   * @param imageSize `[height, width]` of the padded input batch: required in torchvision style,
   *   whose strides are `floor(imageSize / grid)`; not used in Detectron2 style.
   */
  generate(grids: readonly GridSize[], imageSize?: ImageSize): Float32Array[] {
    if (!Array.isArray(grids) || grids.length !== this.strides.length) {
      throw new RangeError(`AnchorGenerator.generate: grids must list ${this.strides.length} grid sizes (one per level), got ${describe(grids)}`);
    }
    grids.forEach((g, i) => checkGrid(g, 'AnchorGenerator.generate', `grids[${i}]`));
    let strides: (readonly [number, number])[];
    if (this.style === 'torchvision') {
      if (imageSize === undefined) {
        throw new TypeError('AnchorGenerator.generate: torchvision style needs imageSize (the padded batch size [height, width])');
      }
      checkGrid(imageSize, 'AnchorGenerator.generate', 'imageSize');
      strides = grids.map(([gh, gw]) => [Math.floor(imageSize[0] / gh), Math.floor(imageSize[1] / gw)] as const);
    } else {
      strides = this.strides.map((s) => [s, s] as const);
    }
    const key = grids.map((g, i) => `${g[0]}x${g[1]}/${strides[i][0]}x${strides[i][1]}`).join(',');
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const anchors = grids.map((g, i) => gridAnchors(this.cellAnchors[i], g, strides[i], this.offset));
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, anchors);
    return anchors;
  }
}

/** `torch.round`: to the nearest integer, halves to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function checkPositiveList(values: readonly number[], fn: string, arg: string): void {
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)) {
    throw new RangeError(`${fn}: ${arg} must be a non-empty list of positive numbers, got ${describe(values)}`);
  }
}

function checkGrid(grid: readonly number[], fn: string, arg: string): void {
  if (!Array.isArray(grid) || grid.length !== 2 || !grid.every((v) => Number.isInteger(v) && v > 0)) {
    throw new RangeError(`${fn}: ${arg} must be [height, width] with positive integers, got ${describe(grid)}`);
  }
}

function checkOffset(offset: number, fn: string): void {
  if (!(typeof offset === 'number' && offset >= 0 && offset < 1)) {
    throw new RangeError(`${fn}: offset must be in [0, 1), got ${String(offset)}`);
  }
}

function checkStyle(style: string, fn: string): void {
  if (style !== 'detectron2' && style !== 'torchvision') {
    throw new RangeError(`${fn}: style must be 'detectron2' or 'torchvision', got ${String(style)}`);
  }
}
