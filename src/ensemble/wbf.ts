/**
 * Weighted boxes fusion (Solovyev et al., "Weighted boxes fusion: Ensembling boxes from
 * different object detection models", 2021), with the semantics of ZFTurbo's
 * `ensemble_boxes.weighted_boxes_fusion`.
 *
 * Shape shorthand: M: models, N_m: boxes of model m, F: fused boxes.
 *
 * Coordinates: `ensemble_boxes` takes boxes normalized to [0, 1] and clips them there. IoU and
 * score-weighted averages do not change when x and y are scaled, so here boxes are absolute
 * pixels `x1, y1, x2, y2` and the clipping is to `[0, width] x [0, height]` when `imageSize` is
 * given (none otherwise). Fusing pixel boxes with `imageSize` equals `ensemble_boxes` on the boxes
 * divided by `[width, height, width, height]`, multiplied back.
 */
import type { ImageSize } from '../structures/index.js';
import { checkBoxes, checkScores, checkThreshold } from './checks.js';
import { describe } from '../utils/describe.js';

/** One model's detections for one image. */
export interface WbfModel {
  /** [N_m, 4] absolute `x1, y1, x2, y2`. */
  readonly boxes: Float32Array;
  /** [N_m] scores. */
  readonly scores: Float32Array;
  /** [N_m] class ids; only boxes of the same label fuse. */
  readonly labels: Int32Array;
}

/** How a fused box's confidence is computed (`conf_type` of `ensemble_boxes`). */
export type WbfConfType = 'avg' | 'max' | 'box_and_model_avg' | 'absent_model_aware_avg';

/** Options of `weightedBoxesFusion`; defaults are `ensemble_boxes`'. */
export interface WbfOptions {
  /** [M] model weights; default all 1. */
  readonly weights?: readonly number[];
  /** A box joins a cluster when its IoU with the cluster's fused box is greater than this. Default 0.55. */
  readonly iouThreshold?: number;
  /** Boxes with a score below this are skipped. Default 0. */
  readonly skipBoxThreshold?: number;
  /** Default 'avg'. */
  readonly confType?: WbfConfType;
  /** 'avg' only: let a cluster with more boxes than models score above 1. Default false. */
  readonly allowsOverflow?: boolean;
  /** `[height, width]`: clip boxes to the image, as `ensemble_boxes` clips to [0, 1]. */
  readonly imageSize?: ImageSize;
}

/** Fused boxes in descending score order, with where each came from. */
export interface WbfResult {
  /** [F, 4] fused absolute `x1, y1, x2, y2`. */
  readonly boxes: Float32Array;
  /** [F] fused confidence. */
  readonly scores: Float32Array;
  /** [F] class id. */
  readonly labels: Int32Array;
  /** [F] model and index (in that model's input) of each cluster's highest-weighted-score box. */
  readonly sourceModel: Int32Array;
  readonly sourceIndex: Int32Array;
}

/** A box after prefiltering: weighted score `score * weight`. */
interface Entry {
  readonly model: number;
  readonly index: number;
  readonly label: number;
  readonly score: number;
  readonly box: readonly [number, number, number, number];
}

/** A cluster: its members (first = highest weighted score) and the fused box they give. */
interface Cluster {
  readonly label: number;
  readonly members: Entry[];
  box: [number, number, number, number];
}

/**
 * Fuses the boxes of several models. Per label, boxes are visited by descending weighted score
 * (`score * weight`; ties in model then index order); each joins the cluster whose current fused
 * box it overlaps most if that IoU is greater than `iouThreshold`, else starts a new cluster.
 * A fused box is the weighted-score average of its members' coordinates. Scores follow
 * `ensemble_boxes` for each `confType`, with S = sum of member weighted scores, n = members,
 * W = sum of all model weights:
 *  - avg: `S / n * min(M, n) / W` (`S / W` with `allowsOverflow`);
 *  - max: `max(weighted score) / max(weights)`;
 *  - box_and_model_avg: `S / (sum of member weights) * (sum of weights of member models) / W`;
 *  - absent_model_aware_avg: `S / (sum of member weights + sum of weights of absent models)`.
 * Boxes with x2 < x1 (or y2 < y1) are swapped, and zero-area boxes (after clipping) skipped, as
 * `ensemble_boxes` does. Arithmetic is float64 (`ensemble_boxes` accumulates fused boxes in
 * float32). A cluster whose scores are all 0 gets the plain mean of its members' coordinates
 * (`ensemble_boxes` divides by zero).
 */
export function weightedBoxesFusion(models: readonly WbfModel[], options: WbfOptions = {}): WbfResult {
  if (!Array.isArray(models)) throw new TypeError(`weightedBoxesFusion: models must be an array, got ${describe(models)}`);
  const m = models.length;
  const { iouThreshold = 0.55, skipBoxThreshold = 0, confType = 'avg', allowsOverflow = false, imageSize } = options;
  const weights = options.weights ?? new Array<number>(m).fill(1);
  if (weights.length !== m || !weights.every((w) => Number.isFinite(w) && w >= 0)) {
    throw new RangeError(`weightedBoxesFusion: options.weights must be ${m} finite non-negative numbers (one per model), got [${weights.join(', ')}]`);
  }
  if (m > 0 && !weights.some((w) => w > 0)) throw new RangeError('weightedBoxesFusion: options.weights are all 0');
  checkThreshold(iouThreshold, 'weightedBoxesFusion', 'options.iouThreshold');
  checkThreshold(skipBoxThreshold, 'weightedBoxesFusion', 'options.skipBoxThreshold');
  if (!['avg', 'max', 'box_and_model_avg', 'absent_model_aware_avg'].includes(confType)) {
    throw new RangeError(`weightedBoxesFusion: options.confType must be avg, max, box_and_model_avg or absent_model_aware_avg, got ${JSON.stringify(confType)}`);
  }
  const entries = prefilter(models, weights, skipBoxThreshold, imageSize);
  const byLabel = new Map<number, Entry[]>();
  for (const e of entries) {
    const list = byLabel.get(e.label);
    if (list === undefined) byLabel.set(e.label, [e]);
    else list.push(e);
  }
  const clusters: Cluster[] = [];
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const list = byLabel.get(label)!;
    // Array.prototype.sort is stable: ties stay in model, then index order.
    list.sort((a, b) => b.score - a.score);
    clusters.push(...clusterLabel(list, iouThreshold));
  }
  const totalWeight = weights.reduce((s, w) => s + w, 0);
  const maxWeight = Math.max(...weights);
  const fusedScores = clusters.map((c) => clusterScore(c, weights, totalWeight, maxWeight, confType, allowsOverflow));
  const order = clusters.map((_, k) => k).sort((a, b) => fusedScores[b] - fusedScores[a]);
  const f = clusters.length;
  const result = {
    boxes: new Float32Array(4 * f),
    scores: new Float32Array(f),
    labels: new Int32Array(f),
    sourceModel: new Int32Array(f),
    sourceIndex: new Int32Array(f),
  };
  order.forEach((k, r) => {
    const c = clusters[k];
    result.boxes.set(c.box, 4 * r);
    result.scores[r] = fusedScores[k];
    result.labels[r] = c.label;
    result.sourceModel[r] = c.members[0].model;
    result.sourceIndex[r] = c.members[0].index;
  });
  return result;
}

/** Checks each model and keeps its usable boxes: swapped into order, clipped, non-empty, scored >= threshold. */
function prefilter(models: readonly WbfModel[], weights: readonly number[], threshold: number, imageSize: ImageSize | undefined): Entry[] {
  const entries: Entry[] = [];
  const clip = (v: number, hi: number) => (imageSize === undefined ? v : Math.min(Math.max(v, 0), hi));
  models.forEach((model, t) => {
    const what = `models[${t}]`;
    const n = checkBoxes(model.boxes, 'weightedBoxesFusion', `${what}.boxes`);
    checkScores(model.scores, n, 'weightedBoxesFusion', `${what}.scores`);
    if (!(model.labels instanceof Int32Array) || model.labels.length !== n) {
      throw new TypeError(`weightedBoxesFusion: ${what}.labels must be an Int32Array of length ${n}, got ${describe(model.labels)}`);
    }
    for (let j = 0; j < n; j++) {
      const score = model.scores[j];
      if (score < threshold) continue;
      const b = model.boxes.subarray(4 * j, 4 * j + 4);
      const w = imageSize?.[1] ?? 0;
      const h = imageSize?.[0] ?? 0;
      const x1 = clip(Math.min(b[0], b[2]), w);
      const x2 = clip(Math.max(b[0], b[2]), w);
      const y1 = clip(Math.min(b[1], b[3]), h);
      const y2 = clip(Math.max(b[1], b[3]), h);
      if ((x2 - x1) * (y2 - y1) === 0) continue;
      entries.push({ model: t, index: j, label: model.labels[j], score: score * weights[t], box: [x1, y1, x2, y2] });
    }
  });
  return entries;
}

/** Clusters the boxes of one label, given in descending weighted score. */
function clusterLabel(list: readonly Entry[], iouThreshold: number): Cluster[] {
  const clusters: Cluster[] = [];
  for (const e of list) {
    let best = -1;
    let bestIou = iouThreshold;
    for (let k = 0; k < clusters.length; k++) {
      const iou = boxIou(clusters[k].box, e.box);
      if (iou > bestIou) {
        best = k;
        bestIou = iou;
      }
    }
    if (best < 0) {
      clusters.push({ label: e.label, members: [e], box: [...e.box] });
    } else {
      clusters[best].members.push(e);
      clusters[best].box = fusedBox(clusters[best].members);
    }
  }
  return clusters;
}

/** Weighted-score average of the members' coordinates (plain mean when all scores are 0). */
function fusedBox(members: readonly Entry[]): [number, number, number, number] {
  const total = members.reduce((s, e) => s + e.score, 0);
  const out: [number, number, number, number] = [0, 0, 0, 0];
  for (const e of members) {
    const w = total > 0 ? e.score / total : 1 / members.length;
    for (let c = 0; c < 4; c++) out[c] += w * e.box[c];
  }
  return out;
}

function clusterScore(
  c: Cluster,
  weights: readonly number[],
  totalWeight: number,
  maxWeight: number,
  confType: WbfConfType,
  allowsOverflow: boolean,
): number {
  const n = c.members.length;
  const sum = c.members.reduce((s, e) => s + e.score, 0);
  const memberWeight = c.members.reduce((s, e) => s + weights[e.model], 0);
  const models = new Set(c.members.map((e) => e.model));
  switch (confType) {
    case 'max':
      return Math.max(...c.members.map((e) => e.score)) / maxWeight;
    case 'box_and_model_avg': {
      const modelWeight = [...models].reduce((s, t) => s + weights[t], 0);
      return (sum / memberWeight) * (modelWeight / totalWeight);
    }
    case 'absent_model_aware_avg': {
      const absent = weights.reduce((s, w, t) => (models.has(t) ? s : s + w), 0);
      return sum / (memberWeight + absent);
    }
    case 'avg':
      return ((sum / n) * (allowsOverflow ? n : Math.min(weights.length, n))) / totalWeight;
  }
}

/** IoU of two boxes, 0 when they do not overlap (`ensemble_boxes`' formula, no +1). */
function boxIou(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (!(w > 0 && h > 0)) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}
