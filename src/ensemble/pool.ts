/**
 * Ensembling the detections of several models for one image: pool them, then suppress
 * duplicates (box NMS, mask NMS) or fuse them (WBF). Masks travel with their boxes.
 *
 * Shape shorthand: M: models, N_m: detections of model m, N: pooled, K: kept.
 */
import { checkThreshold } from './checks.js';
import { describe } from '../utils/describe.js';
import { type Detections, checkDetections, selectDetections } from './detections.js';
import { maskNms } from './mask-nms.js';
import { batchedNms, nms } from './nms.js';
import { type WbfOptions, weightedBoxesFusion } from './wbf.js';

/**
 * Concatenates the detections of M models of the same image (model 0's first) -> N = sum N_m.
 * All must have the same height and width, and either all or none carry masks.
 */
export function poolDetections(perModel: readonly Detections[]): Detections {
  if (!Array.isArray(perModel) || perModel.length === 0) {
    throw new RangeError(`poolDetections: perModel must be a non-empty array of Detections, got ${describe(perModel)}`);
  }
  const { height, width } = perModel[0];
  const withMasks = perModel[0].masks !== undefined;
  let n = 0;
  perModel.forEach((d, m) => {
    n += checkDetections(d, 'poolDetections', `perModel[${m}]`);
    if (d.height !== height || d.width !== width) {
      throw new RangeError(`poolDetections: perModel[${m}] is ${d.height} x ${d.width}, perModel[0] is ${height} x ${width}`);
    }
    if ((d.masks !== undefined) !== withMasks) {
      throw new TypeError(`poolDetections: perModel[${m}] ${withMasks ? 'has no' : 'has'} masks, unlike perModel[0]`);
    }
  });
  const boxes = new Float32Array(4 * n);
  const scores = new Float32Array(n);
  const classes = new Int32Array(n);
  let o = 0;
  for (const d of perModel) {
    boxes.set(d.boxes, 4 * o);
    scores.set(d.scores, o);
    classes.set(d.classes, o);
    o += d.scores.length;
  }
  const pooled: Detections = { height, width, boxes, scores, classes };
  return withMasks ? { ...pooled, masks: perModel.flatMap((d) => d.masks!) } : pooled;
}

/** Options of `ensembleNms`. */
export interface EnsembleNmsOptions {
  /** Suppress when IoU > this. Default 0.4, the solution's. */
  readonly iouThreshold?: number;
  /**
   * Only detections of the same class suppress each other. Default true: the solution's
   * notebook ran `ensemble_boxes.nms`, which suppresses within each label.
   */
  readonly classAware?: boolean;
  /** 'box' (default, the solution's) or 'mask' IoU; 'mask' needs masks. */
  readonly iou?: 'box' | 'mask';
}

/**
 * Suppresses duplicates among pooled detections (the solution's ensemble step: all models'
 * detections of an image, box NMS at IoU 0.4). Returns the kept detections, masks included,
 * in descending score order.
 */
export function ensembleNms(pooled: Detections, options: EnsembleNmsOptions = {}): Detections {
  const { iouThreshold = 0.4, classAware = true, iou = 'box' } = options;
  checkDetections(pooled, 'ensembleNms', 'pooled');
  checkThreshold(iouThreshold, 'ensembleNms', 'options.iouThreshold');
  if (iou === 'mask') {
    const masks = pooled.masks;
    if (masks === undefined) throw new TypeError('ensembleNms: options.iou is "mask" but pooled has no masks');
    if (!classAware) return selectDetections(pooled, maskNms(masks, pooled.scores, iouThreshold));
    return selectDetections(pooled, perClass(pooled, (idx) => maskNms(idx.map((i) => masks[i]), Float32Array.from(idx, (i) => pooled.scores[i]), iouThreshold)));
  }
  if (iou !== 'box') throw new RangeError(`ensembleNms: options.iou must be "box" or "mask", got ${JSON.stringify(iou)}`);
  const keep = classAware
    ? batchedNms(pooled.boxes, pooled.scores, pooled.classes, iouThreshold)
    : nms(pooled.boxes, pooled.scores, iouThreshold);
  return selectDetections(pooled, keep);
}

/** Runs `suppress` on each class's indices (given as subset positions), merging by descending score. */
function perClass(dets: Detections, suppress: (indices: number[]) => Int32Array): Int32Array {
  const byClass = new Map<number, number[]>();
  dets.classes.forEach((c, i) => {
    const list = byClass.get(c);
    if (list === undefined) byClass.set(c, [i]);
    else list.push(i);
  });
  const kept: number[] = [];
  for (const indices of byClass.values()) for (const k of suppress(indices)) kept.push(indices[k]);
  return Int32Array.from(kept.sort((a, b) => dets.scores[b] - dets.scores[a] || a - b));
}

/**
 * Weighted boxes fusion of M models' detections of one image (the alternative the solution
 * tried and dropped). Boxes are fused as `weightedBoxesFusion` does, clipped to the image; each
 * fused detection takes the mask of its cluster's highest-weighted-score member.
 */
export function ensembleWbf(perModel: readonly Detections[], options: Omit<WbfOptions, 'imageSize'> = {}): Detections {
  const pooled = poolDetections(perModel);
  const fused = weightedBoxesFusion(
    perModel.map((d) => ({ boxes: d.boxes, scores: d.scores, labels: d.classes })),
    { ...options, imageSize: [pooled.height, pooled.width] },
  );
  const base: Detections = { height: pooled.height, width: pooled.width, boxes: fused.boxes, scores: fused.scores, classes: fused.labels };
  const masks = perModel[0].masks === undefined ? undefined : perModel.map((d) => d.masks!);
  if (masks === undefined) return base;
  return { ...base, masks: Array.from(fused.sourceModel, (m, r) => masks[m][fused.sourceIndex[r]]) };
}
