/**
 * Intersection and IoU of masks given as counts, computed on the runs without decoding.
 *
 * Shape shorthand: D: detections, G: ground truths, P: pixels of every mask (all the same P).
 *
 * Each mask is first reduced to its foreground intervals. Two strategies, same result:
 * - pairwise: a pair whose pixel ranges do not overlap costs two comparisons; otherwise the two
 *   interval lists are swept together from the first interval that can meet the other mask;
 * - label image: when the masks of one side do not overlap each other (a valid submission's never
 *   do), paint that side's pixels with their index and read the other side's pixels once, which is
 *   O(pixels of all masks) rather than O(pairs). Painting detects overlap and falls back.
 */
import { checkCounts, countsToIntervals } from './counts.js';
import { describe } from '../utils/describe.js';

/** A mask prepared for repeated intersections. */
class PreparedMask {
  /** Foreground pixel count. */
  readonly area: number;
  /** P, the pixels covered by the counts. */
  readonly total: number;
  private cachedIntervals: Uint32Array | undefined;

  constructor(readonly counts: Uint32Array) {
    let area = 0;
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      total += counts[i];
      if (i & 1) area += counts[i];
    }
    this.area = area;
    this.total = total;
  }

  /** Sorted disjoint flat [R, 2] `[start, end)` foreground intervals, made on first use. */
  get intervals(): Uint32Array {
    this.cachedIntervals ??= countsToIntervals(this.counts);
    return this.cachedIntervals;
  }
}

function prepare(counts: Uint32Array, fn: string, arg: string): PreparedMask {
  checkCounts(counts, fn, arg);
  return new PreparedMask(counts);
}

/** First even index k of `iv` whose interval ends after `pos` (iv.length when none). */
function firstEndingAfter(iv: Uint32Array, pos: number): number {
  let lo = 0;
  let hi = iv.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (iv[2 * mid + 1] > pos) hi = mid;
    else lo = mid + 1;
  }
  return 2 * lo;
}

/** Intersection area of two sorted disjoint interval lists. */
function intersectIntervals(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 || b.length === 0) return 0;
  const aEnd = a[a.length - 1];
  const bEnd = b[b.length - 1];
  if (a[0] >= bEnd || b[0] >= aEnd) return 0;
  let i = a[0] < b[0] ? firstEndingAfter(a, b[0]) : 0;
  let j = b[0] < a[0] ? firstEndingAfter(b, a[0]) : 0;
  let inter = 0;
  while (i < a.length && j < b.length) {
    const aStart = a[i];
    const aStop = a[i + 1];
    const bStart = b[j];
    const bStop = b[j + 1];
    if (aStart >= bEnd || bStart >= aEnd) break;
    const lo = aStart > bStart ? aStart : bStart;
    const hi = aStop < bStop ? aStop : bStop;
    if (hi > lo) inter += hi - lo;
    if (aStop < bStop) i += 2;
    else j += 2;
  }
  return inter;
}

/** Number of pixels foreground in both `a` and `b` (counts over the same P pixels). */
export function rleIntersectionArea(a: Uint32Array, b: Uint32Array): number {
  const pa = prepare(a, 'rleIntersectionArea', 'a');
  const pb = prepare(b, 'rleIntersectionArea', 'b');
  if (pa.total !== pb.total) {
    throw new RangeError(`rleIntersectionArea: a covers ${pa.total} pixels but b covers ${pb.total}`);
  }
  return intersectIntervals(pa.intervals, pb.intervals);
}

/** Below this many pairs the pairwise sweep is as fast as painting a label image. */
const LABEL_IMAGE_MIN_PAIRS = 64;
/** Largest image (in pixels) for which a label image is kept: 2 bytes a pixel. */
const LABEL_IMAGE_MAX_PIXELS = 1 << 24;

/** The label image, reused across calls and all zero between them: grows to the largest P seen. */
let labelImage = new Uint16Array(0);

/** A growable list of `(dt, gt, intersection)` triples. */
class PairList {
  dt: number[] = [];
  gt: number[] = [];
  inter: number[] = [];

  push(d: number, g: number, inter: number): void {
    this.dt.push(d);
    this.gt.push(g);
    this.inter.push(inter);
  }
}

/** Zeroes the foreground pixels of `masks` in `labels`. */
function clearLabels(labels: Uint16Array, masks: readonly PreparedMask[]): void {
  for (const { counts } of masks) {
    let pos = 0;
    for (let i = 0; i < counts.length; i++) {
      if (i & 1) labels.fill(0, pos, pos + counts[i]);
      pos += counts[i];
    }
  }
}

/** Paints each mask's pixels with its index + 1; false (and `labels` cleared) when two overlap. */
function paint(labels: Uint16Array, masks: readonly PreparedMask[]): boolean {
  for (let q = 0; q < masks.length; q++) {
    const counts = masks[q].counts;
    let pos = 0;
    for (let i = 0; i < counts.length; i++) {
      const end = pos + counts[i];
      if (i & 1) {
        for (let p = pos; p < end; p++) {
          if (labels[p] !== 0) {
            clearLabels(labels, masks.slice(0, q + 1));
            return false;
          }
          labels[p] = q + 1;
        }
      }
      pos = end;
    }
  }
  return true;
}

/**
 * Pairs of a `read` mask and a `painted` mask with common pixels, by a label image, or
 * `undefined` when two `painted` masks overlap (the label image cannot hold both). Pairs are
 * added as `(read index, painted index)`, or swapped when `swap` is set.
 */
function pairsByLabels(read: readonly PreparedMask[], painted: readonly PreparedMask[], total: number, swap: boolean, out: PairList): boolean {
  if (painted.length >= 0xffff || total > LABEL_IMAGE_MAX_PIXELS) return false;
  if (labelImage.length < total) labelImage = new Uint16Array(total);
  const labels = labelImage;
  if (!paint(labels, painted)) return false;
  // Intersection with each painted mask of the mask being read, and the labels it touched.
  const inter = new Float64Array(painted.length + 1);
  const touched: number[] = [];
  for (let r = 0; r < read.length; r++) {
    const counts = read[r].counts;
    let pos = 0;
    for (let i = 0; i < counts.length; i++) {
      const end = pos + counts[i];
      // Pixels of one painted mask come in runs: add each run's length at once.
      for (let p = pos; i & 1 && p < end; ) {
        const label = labels[p];
        const from = p;
        while (++p < end && labels[p] === label);
        if (label !== 0) {
          if (inter[label] === 0) touched.push(label);
          inter[label] += p - from;
        }
      }
      pos = end;
    }
    touched.sort((a, b) => a - b);
    for (const label of touched) {
      if (swap) out.push(label - 1, r, inter[label]);
      else out.push(r, label - 1, inter[label]);
      inter[label] = 0;
    }
    touched.length = 0;
  }
  clearLabels(labels, painted);
  return true;
}

/** Pairs with common pixels by sweeping the runs of every pair whose pixel ranges meet. */
function pairsBySweep(d: readonly PreparedMask[], g: readonly PreparedMask[], out: PairList): void {
  const range = (m: PreparedMask): [number, number] => {
    const iv = m.intervals;
    return iv.length > 0 ? [iv[0], iv[iv.length - 1]] : [Infinity, -Infinity];
  };
  const gRange = g.map(range);
  for (let i = 0; i < d.length; i++) {
    const [dFirst, dLast] = range(d[i]);
    for (let j = 0; j < g.length; j++) {
      if (dFirst >= gRange[j][1] || gRange[j][0] >= dLast) continue;
      const inter = intersectIntervals(d[i].intervals, g[j].intervals);
      if (inter > 0) out.push(i, j, inter);
    }
  }
}

/** Checks the arguments of `rleIou`/`rleIouPairs` and prepares the masks. */
function prepareAll(
  dt: readonly Uint32Array[],
  gt: readonly Uint32Array[],
  iscrowd: ArrayLike<number | boolean> | undefined,
  fn: string,
): { d: PreparedMask[]; g: PreparedMask[]; total: number } {
  if (!Array.isArray(dt)) throw new TypeError(`${fn}: dt must be an array of Uint32Array counts, got ${describe(dt)}`);
  if (!Array.isArray(gt)) throw new TypeError(`${fn}: gt must be an array of Uint32Array counts, got ${describe(gt)}`);
  if (iscrowd !== undefined && iscrowd.length !== gt.length) {
    throw new RangeError(`${fn}: iscrowd has length ${iscrowd.length} but there are ${gt.length} ground truths`);
  }
  const d = dt.map((c, k) => prepare(c, fn, `dt[${k}]`));
  const g = gt.map((c, k) => prepare(c, fn, `gt[${k}]`));
  const all = [...d, ...g];
  for (let k = 1; k < all.length; k++) {
    if (all[k].total !== all[0].total) {
      const name = (m: number) => (m < d.length ? `dt[${m}]` : `gt[${m - d.length}]`);
      throw new RangeError(`${fn}: ${name(k)} covers ${all[k].total} pixels but ${name(0)} covers ${all[0].total}`);
    }
  }
  return { d, g, total: all.length > 0 ? all[0].total : 0 };
}

/** The pairs of a detection and a ground truth that share pixels, with their IoU: K pairs. */
export interface RleIouPairs {
  /** [K] detection index of each pair. */
  readonly dt: Int32Array;
  /** [K] ground-truth index of each pair. */
  readonly gt: Int32Array;
  /** [K] IoU of each pair, > 0. */
  readonly iou: Float64Array;
}

/**
 * The non-zero entries of `rleIou(dt, gt, iscrowd)`, sorted by detection then ground truth:
 * what a metric needs when most pairs do not touch (cells of one image), in O(pixels + K)
 * memory instead of O(D * G). Same semantics and checks as `rleIou`.
 */
export function rleIouPairs(
  dt: readonly Uint32Array[],
  gt: readonly Uint32Array[],
  iscrowd?: ArrayLike<number | boolean>,
): RleIouPairs {
  return iouPairs(dt, gt, iscrowd, 'rleIouPairs');
}

/** `rleIouPairs`, with errors naming `fn`. */
function iouPairs(
  dt: readonly Uint32Array[],
  gt: readonly Uint32Array[],
  iscrowd: ArrayLike<number | boolean> | undefined,
  fn: string,
): RleIouPairs {
  const { d, g, total } = prepareAll(dt, gt, iscrowd, fn);
  const pairs = new PairList();
  const labelled =
    d.length * g.length >= LABEL_IMAGE_MIN_PAIRS &&
    (pairsByLabels(d, g, total, false, pairs) || pairsByLabels(g, d, total, true, pairs));
  if (!labelled) pairsBySweep(d, g, pairs);
  const k = pairs.dt.length;
  const order = Array.from({ length: k }, (_, i) => i);
  // Painting the detections lists pairs by ground truth; put them in (dt, gt) order.
  order.sort((a, b) => pairs.dt[a] - pairs.dt[b] || pairs.gt[a] - pairs.gt[b]);
  const out = { dt: new Int32Array(k), gt: new Int32Array(k), iou: new Float64Array(k) };
  for (let n = 0; n < k; n++) {
    const i = pairs.dt[order[n]];
    const j = pairs.gt[order[n]];
    const inter = pairs.inter[order[n]];
    const crowd = iscrowd !== undefined && Boolean(iscrowd[j]);
    out.dt[n] = i;
    out.gt[n] = j;
    out.iou[n] = inter / (crowd ? d[i].area : d[i].area + g[j].area - inter);
  }
  return out;
}

/**
 * IoU of every detection with every ground truth, row-major [D, G]: `out[d * G + g]`.
 *
 * pycocotools `maskUtils.iou` semantics: `inter / union`, except that for a crowd ground truth
 * (`iscrowd[g]` truthy) the denominator is the detection's area, and a pair with no common pixel
 * scores 0 (so empty masks score 0, never NaN). `iscrowd`, when given, has length G.
 * Unlike pycocotools, masks of different sizes (totals) throw instead of scoring -1.
 */
export function rleIou(
  dt: readonly Uint32Array[],
  gt: readonly Uint32Array[],
  iscrowd?: ArrayLike<number | boolean>,
): Float64Array {
  const pairs = iouPairs(dt, gt, iscrowd, 'rleIou');
  const out = new Float64Array(dt.length * gt.length);
  for (let k = 0; k < pairs.iou.length; k++) out[pairs.dt[k] * gt.length + pairs.gt[k]] = pairs.iou[k];
  return out;
}
