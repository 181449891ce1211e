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

/**
 * Intersection areas of every `read` mask with every `painted` mask, row-major [R, Q], by a label
 * image, or `undefined` when two `painted` masks overlap (the label image cannot hold both).
 */
function intersectionsByLabels(read: readonly PreparedMask[], painted: readonly PreparedMask[], total: number): Float64Array | undefined {
  if (painted.length >= 0xffff || total > LABEL_IMAGE_MAX_PIXELS) return undefined;
  if (labelImage.length < total) labelImage = new Uint16Array(total);
  const labels = labelImage;
  for (let q = 0; q < painted.length; q++) {
    const counts = painted[q].counts;
    let pos = 0;
    for (let i = 0; i < counts.length; i++) {
      const end = pos + counts[i];
      if (i & 1) {
        for (let p = pos; p < end; p++) {
          if (labels[p] !== 0) {
            clearLabels(labels, painted.slice(0, q + 1));
            return undefined;
          }
          labels[p] = q + 1;
        }
      }
      pos = end;
    }
  }
  const nq = painted.length;
  const inter = new Float64Array(read.length * nq);
  for (let r = 0; r < read.length; r++) {
    const counts = read[r].counts;
    const row = r * nq - 1;
    let pos = 0;
    for (let i = 0; i < counts.length; i++) {
      const end = pos + counts[i];
      // Pixels of one painted mask come in runs: add each run's length at once.
      for (let p = pos; i & 1 && p < end; ) {
        const label = labels[p];
        const from = p;
        while (++p < end && labels[p] === label);
        if (label !== 0) inter[row + label] += p - from;
      }
      pos = end;
    }
  }
  clearLabels(labels, painted);
  return inter;
}

/** [D, G] intersection areas by a label image of either side, or `undefined` when both sides overlap. */
function intersectionsByLabelImage(d: readonly PreparedMask[], g: readonly PreparedMask[], total: number): Float64Array | undefined {
  const byGt = intersectionsByLabels(d, g, total);
  if (byGt !== undefined) return byGt;
  const byDt = intersectionsByLabels(g, d, total);
  if (byDt === undefined) return undefined;
  const out = new Float64Array(d.length * g.length);
  for (let j = 0; j < g.length; j++) {
    for (let i = 0; i < d.length; i++) out[i * g.length + j] = byDt[j * d.length + i];
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
  if (!Array.isArray(dt)) throw new TypeError(`rleIou: dt must be an array of Uint32Array counts, got ${describe(dt)}`);
  if (!Array.isArray(gt)) throw new TypeError(`rleIou: gt must be an array of Uint32Array counts, got ${describe(gt)}`);
  if (iscrowd !== undefined && iscrowd.length !== gt.length) {
    throw new RangeError(`rleIou: iscrowd has length ${iscrowd.length} but there are ${gt.length} ground truths`);
  }
  const d = dt.map((c, k) => prepare(c, 'rleIou', `dt[${k}]`));
  const g = gt.map((c, k) => prepare(c, 'rleIou', `gt[${k}]`));
  const all = [...d, ...g];
  for (let k = 1; k < all.length; k++) {
    if (all[k].total !== all[0].total) {
      const name = (m: number) => (m < d.length ? `dt[${m}]` : `gt[${m - d.length}]`);
      throw new RangeError(`rleIou: ${name(k)} covers ${all[k].total} pixels but ${name(0)} covers ${all[0].total}`);
    }
  }
  const nd = d.length;
  const ng = g.length;
  const inter = nd * ng >= LABEL_IMAGE_MIN_PAIRS ? intersectionsByLabelImage(d, g, all[0].total) : undefined;
  if (inter !== undefined) {
    for (let j = 0; j < ng; j++) {
      const crowd = iscrowd !== undefined && Boolean(iscrowd[j]);
      for (let i = 0; i < nd; i++) {
        const k = i * ng + j;
        if (inter[k] > 0) inter[k] /= crowd ? d[i].area : d[i].area + g[j].area - inter[k];
      }
    }
    return inter;
  }
  // Pixel range [first, last) of each detection's foreground, for the cheap rejection: [D].
  const dFirst = new Float64Array(nd);
  const dLast = new Float64Array(nd);
  d.forEach(({ intervals }, i) => {
    dFirst[i] = intervals.length > 0 ? intervals[0] : Infinity;
    dLast[i] = intervals.length > 0 ? intervals[intervals.length - 1] : -Infinity;
  });
  const out = new Float64Array(nd * ng);
  for (let j = 0; j < ng; j++) {
    const gj = g[j];
    if (gj.intervals.length === 0) continue;
    const gFirst = gj.intervals[0];
    const gLast = gj.intervals[gj.intervals.length - 1];
    const crowd = iscrowd !== undefined && Boolean(iscrowd[j]);
    for (let i = 0; i < nd; i++) {
      if (dFirst[i] >= gLast || gFirst >= dLast[i]) continue;
      const di = d[i];
      const inter = intersectIntervals(di.intervals, gj.intervals);
      if (inter === 0) continue;
      out[i * ng + j] = inter / (crowd ? di.area : di.area + gj.area - inter);
    }
  }
  return out;
}
