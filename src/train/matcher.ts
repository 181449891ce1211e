/**
 * Detectron2's `Matcher` (detectron2/modeling/matcher.py) on IoU between ground-truth and
 * predicted boxes, without the [G, N] IoU matrix: the ground-truth boxes are bucketed on a
 * uniform grid and each prediction is scored only against the boxes in the cells it covers
 * (every other pair has IoU 0, which is also what the matrix would hold).
 *
 * Shape shorthand: G: ground-truth boxes, N: predictions (anchors or proposals).
 * Boxes are absolute `x1, y1, x2, y2` (Detectron2's convention).
 *
 * Each IoU is computed in float32 operation by operation, as Detectron2's `pairwise_iou` (and
 * torchvision's `box_iou`) compute it in PyTorch, and the thresholds are rounded to float32
 * before comparing, as PyTorch casts a Python float against a float32 tensor: an IoU of exactly
 * 0.7 (70 / 100) is then >= 0.7 here as it is there.
 */
import { boxCount } from '../structures/boxes.js';
import { describe } from '../utils/describe.js';

const f32 = Math.fround;

/** How IoU values are turned into labels (Detectron2's `Matcher` arguments). */
export interface MatcherOptions {
  /**
   * Ascending IoU thresholds, the first above 0: the IoU of a prediction's best ground truth
   * falls into one of the intervals `[-inf, t0), [t0, t1), ..., [tk, inf)`.
   * RPN: `[0.3, 0.7]` (`MODEL.RPN.IOU_THRESHOLDS`); ROI heads: `[0.5]`.
   */
  readonly thresholds: readonly number[];
  /**
   * One label in {-1, 0, 1} per interval (`thresholds.length + 1`): -1 ignore, 0 negative,
   * 1 positive. RPN: `[0, -1, 1]`; ROI heads: `[0, 1]`.
   */
  readonly labels: readonly number[];
  /**
   * Also label 1 every prediction whose IoU with some ground truth equals that ground truth's
   * highest IoU over all predictions, ties included (Faster R-CNN's RPN rule (i); Detectron2
   * sets it for the RPN and not for the ROI heads).
   */
  readonly allowLowQualityMatches: boolean;
}

/** What `matchBoxes` returns. */
export interface Matches {
  /** [N] the ground truth of highest IoU (the first of equal ones; 0 when every IoU is 0 or G = 0). */
  readonly matches: Int32Array;
  /** [N] -1 (ignore), 0 (negative) or 1 (positive). */
  readonly labels: Int8Array;
}

/**
 * Matches each prediction to the ground truth it overlaps most, and labels it by that IoU.
 *
 * As in Detectron2, the low-quality rule compares with `==` against each ground truth's
 * highest IoU, so a ground truth that overlaps no prediction at all (highest IoU 0, e.g. an
 * empty box) makes every prediction a positive. Detectron2's data loader removes empty boxes
 * (`filter_empty_instances`), and anchors cover the image, so training never sees this.
 * With no ground truth (or no prediction), every label is `labels[0]` and every match 0.
 *
 * @param gtBoxes [G, 4] ground-truth boxes.
 * @param predBoxes [N, 4] predicted boxes (anchors, proposals).
 */
export function matchBoxes(gtBoxes: Float32Array, predBoxes: Float32Array, options: MatcherOptions): Matches {
  const g = checkFiniteBoxes(gtBoxes, 'matchBoxes', 'gtBoxes');
  const n = checkFiniteBoxes(predBoxes, 'matchBoxes', 'predBoxes');
  checkMatcherOptions(options, 'matchBoxes');
  const matches = new Int32Array(n);
  const labels = new Int8Array(n);
  if (g === 0 || n === 0) {
    labels.fill(options.labels[0]);
    return { matches, labels };
  }
  const lowQuality = options.allowLowQualityMatches;
  const bestIou = new Float64Array(n);
  const gtBestIou = new Float64Array(g);
  // The predictions reaching each ground truth's best IoU so far (only with lowQuality).
  const gtBestPreds: number[][] = lowQuality ? Array.from({ length: g }, () => []) : [];
  const gtArea = new Float64Array(g);
  for (let j = 0; j < g; j++) gtArea[j] = f32(f32(gtBoxes[4 * j + 2] - gtBoxes[4 * j]) * f32(gtBoxes[4 * j + 3] - gtBoxes[4 * j + 1]));
  const grid = GtGrid.build(gtBoxes);
  const candidates = new Int32Array(g);
  for (let i = 0; grid !== null && i < n; i++) {
    const px1 = predBoxes[4 * i];
    const py1 = predBoxes[4 * i + 1];
    const px2 = predBoxes[4 * i + 2];
    const py2 = predBoxes[4 * i + 3];
    // A prediction without positive width and height intersects nothing.
    if (!(px2 > px1 && py2 > py1)) continue;
    const predArea = f32(f32(px2 - px1) * f32(py2 - py1));
    const count = grid.candidates(px1, py1, px2, py2, candidates);
    for (let c = 0; c < count; c++) {
      const j = candidates[c];
      const o = 4 * j;
      const w = f32(Math.min(px2, gtBoxes[o + 2]) - Math.max(px1, gtBoxes[o]));
      if (!(w > 0)) continue;
      const h = f32(Math.min(py2, gtBoxes[o + 3]) - Math.max(py1, gtBoxes[o + 1]));
      if (!(h > 0)) continue;
      const inter = f32(w * h);
      if (!(inter > 0)) continue;
      // Detectron2: inter / (area1[:, None] + area2 - inter), in float32.
      const iou = f32(inter / f32(f32(gtArea[j] + predArea) - inter));
      if (iou > bestIou[i] || (iou === bestIou[i] && j < matches[i])) {
        bestIou[i] = iou;
        matches[i] = j;
      }
      if (lowQuality && iou >= gtBestIou[j]) {
        if (iou > gtBestIou[j]) {
          gtBestIou[j] = iou;
          gtBestPreds[j].length = 0;
        }
        gtBestPreds[j].push(i);
      }
    }
  }

  const thresholds = options.thresholds.map(f32);
  for (let i = 0; i < n; i++) {
    // The interval [t(k-1), t(k)) holding the IoU: k = how many thresholds are <= it.
    let k = 0;
    while (k < thresholds.length && thresholds[k] <= bestIou[i]) k++;
    labels[i] = options.labels[k];
  }
  if (lowQuality) {
    if (gtBestIou.some((v) => v === 0)) labels.fill(1);
    else for (const preds of gtBestPreds) for (const i of preds) labels[i] = 1;
  }
  return { matches, labels };
}

/**
 * Ground-truth boxes of positive area bucketed on a uniform grid over their extent: cell (cx, cy)
 * lists every box that reaches into it. A prediction's positive-area intersection with a box lies
 * in a cell both reach (cell indices grow with the coordinate), so the cells a prediction covers
 * hold all the boxes it can overlap. Matching 485k anchors (928 x 1256 image, 5 levels x 5 aspect
 * ratios) with 500 cell-sized boxes scores about 7 pairs per anchor instead of 500.
 */
class GtGrid {
  private constructor(
    private readonly x0: number,
    private readonly y0: number,
    private readonly cell: number,
    private readonly cols: number,
    private readonly rows: number,
    /** [cols * rows + 1] cell c's boxes are `boxes[starts[c] .. starts[c + 1])`. */
    private readonly starts: Int32Array,
    private readonly boxes: Int32Array,
    /** Every box of positive area, for predictions that cover more cells than there are boxes. */
    private readonly all: Int32Array,
    /** [G] the query that last listed each box (a box spans several cells; each query lists it once). */
    private readonly seen: Int32Array,
  ) {}

  /** Queries so far. */
  private query = 0;

  /** The grid of `gtBoxes` [G, 4], or null when none has positive width and height. */
  static build(gtBoxes: Float32Array): GtGrid | null {
    const all: number[] = [];
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    const sides: number[] = [];
    for (let j = 0; j < gtBoxes.length / 4; j++) {
      const [bx1, by1, bx2, by2] = gtBoxes.subarray(4 * j, 4 * j + 4);
      if (!(bx2 > bx1 && by2 > by1)) continue;
      all.push(j);
      x0 = Math.min(x0, bx1);
      y0 = Math.min(y0, by1);
      x1 = Math.max(x1, bx2);
      y1 = Math.max(y1, by2);
      sides.push(Math.max(bx2 - bx1, by2 - by1));
    }
    if (all.length === 0) return null;
    // Cells about the size of a typical box keep each box in a few cells; at most 1024 per axis.
    sides.sort((a, b) => a - b);
    const cell = Math.max(sides[sides.length >> 1], (x1 - x0) / 1024, (y1 - y0) / 1024);
    const cols = Math.floor((x1 - x0) / cell) + 1;
    const rows = Math.floor((y1 - y0) / cell) + 1;
    const at = (v: number, v0: number, count: number): number => Math.min(Math.max(Math.floor((v - v0) / cell), 0), count - 1);
    const ranges = all.map((j) => {
      const o = 4 * j;
      return [at(gtBoxes[o], x0, cols), at(gtBoxes[o + 1], y0, rows), at(gtBoxes[o + 2], x0, cols), at(gtBoxes[o + 3], y0, rows)];
    });
    const starts = new Int32Array(cols * rows + 1);
    for (const [cx1, cy1, cx2, cy2] of ranges) {
      for (let cy = cy1; cy <= cy2; cy++) for (let cx = cx1; cx <= cx2; cx++) starts[cy * cols + cx + 1]++;
    }
    for (let c = 0; c < cols * rows; c++) starts[c + 1] += starts[c];
    const fill = starts.slice(0, cols * rows);
    const boxes = new Int32Array(starts[cols * rows]);
    ranges.forEach(([cx1, cy1, cx2, cy2], k) => {
      for (let cy = cy1; cy <= cy2; cy++) for (let cx = cx1; cx <= cx2; cx++) boxes[fill[cy * cols + cx]++] = all[k];
    });
    return new GtGrid(x0, y0, cell, cols, rows, starts, boxes, Int32Array.from(all), new Int32Array(gtBoxes.length / 4));
  }

  /**
   * Writes into `out` the distinct boxes listed in the cells that box `x1, y1, x2, y2` covers
   * and returns how many (every box when it covers more cells than there are boxes).
   */
  candidates(x1: number, y1: number, x2: number, y2: number, out: Int32Array): number {
    const cx1 = Math.floor((x1 - this.x0) / this.cell);
    const cy1 = Math.floor((y1 - this.y0) / this.cell);
    const cx2 = Math.floor((x2 - this.x0) / this.cell);
    const cy2 = Math.floor((y2 - this.y0) / this.cell);
    if (cx2 < 0 || cy2 < 0 || cx1 >= this.cols || cy1 >= this.rows) return 0;
    const fromX = Math.max(cx1, 0);
    const toX = Math.min(cx2, this.cols - 1);
    const fromY = Math.max(cy1, 0);
    const toY = Math.min(cy2, this.rows - 1);
    if ((toX - fromX + 1) * (toY - fromY + 1) > this.all.length) {
      out.set(this.all);
      return this.all.length;
    }
    const query = ++this.query;
    let count = 0;
    for (let cy = fromY; cy <= toY; cy++) {
      for (let c = cy * this.cols + fromX; c <= cy * this.cols + toX; c++) {
        for (let k = this.starts[c]; k < this.starts[c + 1]; k++) {
          const j = this.boxes[k];
          if (this.seen[j] === query) continue;
          this.seen[j] = query;
          out[count++] = j;
        }
      }
    }
    return count;
  }
}

/** Checks that `boxes` is a flat [N, 4] Float32Array of finite numbers and returns N. */
export function checkFiniteBoxes(boxes: Float32Array, fn: string, arg: string): number {
  if (!(boxes instanceof Float32Array)) throw new TypeError(`${fn}: ${arg} must be a flat [N, 4] Float32Array, got ${describe(boxes)}`);
  const n = boxCount(boxes, `${fn}: ${arg}`);
  for (let k = 0; k < boxes.length; k++) {
    if (!Number.isFinite(boxes[k])) {
      throw new RangeError(`${fn}: ${arg} must hold finite coordinates, got ${boxes[k]} in box ${k >> 2} (coordinate ${k & 3})`);
    }
  }
  return n;
}

/** Checks Detectron2's `Matcher` assertions: thresholds ascending from above 0, one label in {-1, 0, 1} per interval. */
export function checkMatcherOptions(options: MatcherOptions, fn: string): void {
  const { thresholds, labels, allowLowQualityMatches } = options ?? {};
  if (!Array.isArray(thresholds) || thresholds.length === 0 || !thresholds.every((t) => typeof t === 'number' && Number.isFinite(t))) {
    throw new RangeError(`${fn}: options.thresholds must be a non-empty array of finite numbers, got ${describe(thresholds)}`);
  }
  if (!(thresholds[0] > 0) || thresholds.some((t, k) => k > 0 && t < thresholds[k - 1])) {
    throw new RangeError(`${fn}: options.thresholds must be ascending and start above 0, got [${thresholds.join(', ')}]`);
  }
  if (!Array.isArray(labels) || labels.length !== thresholds.length + 1 || !labels.every((l) => l === -1 || l === 0 || l === 1)) {
    throw new RangeError(
      `${fn}: options.labels must hold ${thresholds.length + 1} labels in {-1, 0, 1} (one per threshold interval), got ${
        Array.isArray(labels) ? `[${labels.join(', ')}]` : describe(labels)
      }`,
    );
  }
  if (typeof allowLowQualityMatches !== 'boolean') {
    throw new TypeError(`${fn}: options.allowLowQualityMatches must be a boolean, got ${describe(allowLowQualityMatches)}`);
  }
}
