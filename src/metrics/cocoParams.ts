/**
 * Parameters of COCO evaluation, as pycocotools' `COCOeval.Params` for `bbox` and `segm`.
 *
 * Shape shorthand used across the coco* modules: T: IoU thresholds, R: recall thresholds,
 * K: categories, A: area ranges, M: detection limits (maxDets), I: images.
 */

/** Which geometry IoU is computed on: boxes `[x, y, w, h]` or segmentation masks (RLE). */
export type CocoIouType = 'bbox' | 'segm';

/** An area range `[min, max]`, both ends inclusive, in pixels². */
export type AreaRange = readonly [number, number];

/** The options of `cocoEvaluate`; `cocoEvalParams` fills in pycocotools' defaults. */
export interface CocoEvalParams {
  /** `bbox` or `segm`. */
  readonly iouType: CocoIouType;
  /** [T] IoU thresholds, increasing; default 0.50:0.05:0.95 (numpy's linspace values). */
  readonly iouThresholds: readonly number[];
  /** [R] recall thresholds, increasing; default 0:0.01:1 (101 values, numpy's linspace values). */
  readonly recallThresholds: readonly number[];
  /** [M] detection limits per image and category, sorted increasing before use; default [1, 10, 100]. */
  readonly maxDets: readonly number[];
  /** [A] object area ranges, inclusive; default all, small, medium, large as in COCO. */
  readonly areaRanges: readonly AreaRange[];
  /** [A] names of `areaRanges`; `summarize` looks up `all`, `small`, `medium`, `large`. */
  readonly areaRangeLabels: readonly string[];
  /** Match only within a category (true, COCO's default) or across categories (proposal scoring). */
  readonly useCats: boolean;
  /** Images to evaluate; `undefined`: every image of the ground truth. */
  readonly imageIds?: readonly number[];
  /** Categories to evaluate; `undefined`: every category of the ground truth. */
  readonly categoryIds?: readonly number[];
}

/**
 * `num` evenly spaced values from `start` to `stop` inclusive, computed exactly as numpy's
 * `linspace` (k * step + start, the last value set to `stop`), so that thresholds compare equal
 * to pycocotools' bit for bit: its 0.9 threshold is 0.8999999999999999, and its recall threshold
 * 0.35 is 0.35000000000000003.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  if (!Number.isInteger(num) || num < 1) throw new Error(`linspace: num must be a positive integer, got ${num}`);
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, k) => (k === num - 1 ? stop : k * step + start));
}

/** COCO's area ranges: all [0, 1e5²], small [0, 32²], medium [32², 96²], large [96², 1e5²]. */
export const COCO_AREA_RANGES: readonly AreaRange[] = Object.freeze([
  [0, 1e5 ** 2],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e5 ** 2],
] as const);

/**
 * LIVECell's area ranges (Edlund et al. 2021): small < 324 px (18²), medium 324-961 (18²-31²),
 * large > 961; as COCO's, both ends inclusive.
 */
export const LIVECELL_AREA_RANGES: readonly AreaRange[] = Object.freeze([
  [0, 1e5 ** 2],
  [0, 18 ** 2],
  [18 ** 2, 31 ** 2],
  [31 ** 2, 1e5 ** 2],
] as const);

/** LIVECell's detection limits: up to 2000 objects per image. */
export const LIVECELL_MAX_DETS: readonly number[] = Object.freeze([100, 500, 2000]);

/**
 * pycocotools' default parameters for `iouType`, with `overrides` applied: e.g.
 * `cocoEvalParams('segm', { maxDets: LIVECELL_MAX_DETS, areaRanges: LIVECELL_AREA_RANGES })`.
 */
export function cocoEvalParams(iouType: CocoIouType, overrides: Partial<Omit<CocoEvalParams, 'iouType'>> = {}): CocoEvalParams {
  if (iouType !== 'bbox' && iouType !== 'segm') {
    throw new Error(`cocoEvalParams: iouType must be "bbox" or "segm", got ${JSON.stringify(iouType)}`);
  }
  return {
    iouType,
    iouThresholds: linspace(0.5, 0.95, 10),
    recallThresholds: linspace(0, 1, 101),
    maxDets: [1, 10, 100],
    areaRanges: COCO_AREA_RANGES,
    areaRangeLabels: ['all', 'small', 'medium', 'large'],
    useCats: true,
    ...overrides,
  };
}

/** Checks `params` field by field; returns it with `maxDets` sorted as pycocotools sorts it. */
export function checkCocoEvalParams(params: CocoEvalParams, caller: string): CocoEvalParams {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`${caller}: params.${field} must be ${expected}, got ${JSON.stringify(got)}`);
  };
  if (params.iouType !== 'bbox' && params.iouType !== 'segm') fail('iouType', '"bbox" or "segm"', params.iouType);
  const increasing = (xs: readonly number[]) =>
    Array.isArray(xs) && xs.length > 0 && xs.every((x, i) => Number.isFinite(x) && (i === 0 || x > xs[i - 1]));
  if (!increasing(params.iouThresholds)) fail('iouThresholds', 'a non-empty increasing list of numbers', params.iouThresholds);
  if (!increasing(params.recallThresholds)) fail('recallThresholds', 'a non-empty increasing list of numbers', params.recallThresholds);
  if (!Array.isArray(params.maxDets) || params.maxDets.length === 0 || !params.maxDets.every((m) => Number.isInteger(m) && m > 0)) {
    fail('maxDets', 'a non-empty list of positive integers', params.maxDets);
  }
  if (!Array.isArray(params.areaRanges) || params.areaRanges.length === 0 ||
      !params.areaRanges.every((r) => Array.isArray(r) && r.length === 2 && r[0] <= r[1])) {
    fail('areaRanges', 'a non-empty list of [min, max] pairs with min <= max', params.areaRanges);
  }
  if (!Array.isArray(params.areaRangeLabels) || params.areaRangeLabels.length !== params.areaRanges.length) {
    fail('areaRangeLabels', `a list of ${params.areaRanges.length} names, one per area range`, params.areaRangeLabels);
  }
  if (typeof params.useCats !== 'boolean') fail('useCats', 'true or false', params.useCats);
  for (const field of ['imageIds', 'categoryIds'] as const) {
    const ids = params[field];
    if (ids !== undefined && (!Array.isArray(ids) || !ids.every(Number.isFinite))) fail(field, 'undefined or a list of numbers', ids);
  }
  return { ...params, maxDets: [...params.maxDets].sort((a, b) => a - b) };
}
