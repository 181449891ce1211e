/**
 * "Counts": pycocotools' uncompressed run-length encoding, independent of pixel order.
 *
 * A counts array is a `Uint32Array` of alternating run lengths over a flat sequence of pixels,
 * starting with a background run (0 when the first pixel is foreground): `[bg, fg, bg, fg, ...]`.
 * Its total, the sum of the runs, is the number of pixels. Whether the pixels are numbered
 * row-major (Kaggle) or column-major (COCO) is the caller's business; nothing here depends on it.
 *
 * Shape shorthand: P: pixels in the flat sequence, R: foreground runs.
 */
import { describe } from '../utils/describe.js';

/** Checks that `counts` is a `Uint32Array`; the error names `fn` and `arg`. */
export function checkCounts(counts: unknown, fn: string, arg: string): asserts counts is Uint32Array {
  if (!(counts instanceof Uint32Array)) {
    throw new TypeError(`${fn}: ${arg} must be a Uint32Array of run lengths, got ${describe(counts)}`);
  }
}


/** P, the number of pixels `counts` covers (the sum of its runs). */
export function rleTotal(counts: Uint32Array): number {
  checkCounts(counts, 'rleTotal', 'counts');
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return total;
}

/** The number of foreground pixels: the sum of the odd-indexed runs (pycocotools `rleArea`). */
export function rleArea(counts: Uint32Array): number {
  checkCounts(counts, 'rleArea', 'counts');
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i];
  return area;
}

/**
 * Foreground runs of `counts` as flat [R, 2] half-open `[start, end)` pixel intervals, skipping
 * empty runs and joining runs that touch (an empty background run between them).
 */
export function countsToIntervals(counts: Uint32Array): Uint32Array {
  checkCounts(counts, 'countsToIntervals', 'counts');
  const out = new Uint32Array(counts.length + 1);
  let n = 0;
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const run = counts[i];
    if (i % 2 === 1 && run > 0) {
      if (n > 0 && out[n - 1] === pos) {
        out[n - 1] = pos + run;
      } else {
        out[n++] = pos;
        out[n++] = pos + run;
      }
    }
    pos += run;
  }
  return out.slice(0, n);
}

/** Elements in one slab of `allocateCounts`: 256 KiB. */
const SLAB_SIZE = 1 << 16;
let slab = new Uint32Array(SLAB_SIZE);
let slabUsed = 0;

/**
 * A zeroed `Uint32Array` of `n` elements for a new counts array. Small ones are views into a
 * shared 256 KiB slab: V8 allocates a separate backing store (malloc plus external-memory
 * accounting, ~1-2 us) for every typed array over 64 bytes, which dominated parsing a
 * submission's tens of thousands of masks. A slab lives while any of its views does.
 */
function allocateCounts(n: number): Uint32Array {
  if (n > SLAB_SIZE >> 4) return new Uint32Array(n);
  if (slabUsed + n > SLAB_SIZE) {
    slab = new Uint32Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const view = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return view;
}

/**
 * Counts of `total` pixels from flat [R, 2] `[start, end)` foreground intervals that are sorted,
 * non-empty and disjoint (touching intervals are joined). Like pycocotools' encoder the result
 * ends with the last run, with no trailing empty run; an empty mask of P pixels gives `[P]`.
 * The result may share its `ArrayBuffer` with other counts (see `allocateCounts`): `slice()` it
 * before transferring its buffer to a worker.
 */
export function intervalsToCounts(intervals: ArrayLike<number>, total: number): Uint32Array {
  let joins = 0;
  for (let k = 2; k < intervals.length; k += 2) if (intervals[k] === intervals[k - 1]) joins++;
  // Exact length: a background and a foreground run per interval, less the joins, plus a tail.
  const fits = intervals.length === 0 || intervals[intervals.length - 1] < total ? 1 : 0;
  const out = allocateCounts(intervals.length - 2 * joins + fits);
  let n = 0;
  let pos = 0;
  for (let k = 0; k < intervals.length; k += 2) {
    const start = intervals[k];
    const end = intervals[k + 1];
    if (n > 0 && start === pos) {
      out[n - 1] += end - start;
    } else {
      out[n++] = start - pos;
      out[n++] = end - start;
    }
    pos = end;
  }
  if (pos < total || n === 0) out[n++] = total - pos;
  return out;
}

/** A growable flat list of `[start, end)` pairs. */
class IntervalList {
  private data = new Uint32Array(64);
  length = 0;

  push(start: number, end: number): void {
    if (this.length + 2 > this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = start;
    this.data[this.length++] = end;
  }

  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * True when some byte of the 32-bit word `w` is zero (the classic `haszero` bit trick).
 * Words are read through an `Int32Array` so that V8 keeps them small integers.
 */
function hasZeroByte(w: number): boolean {
  return ((w - 0x01010101) & ~w & 0x80808080) !== 0;
}

/** Scans elements `from..to-1` of a mask for run boundaries; returns the open run's start (-1: none). */
function scanElements(mask: ArrayLike<number>, from: number, to: number, open: number, runs: IntervalList): number {
  for (let p = from; p < to; p++) {
    if (mask[p] !== 0) {
      if (open < 0) open = p;
    } else if (open >= 0) {
      runs.push(open, p);
      open = -1;
    }
  }
  return open;
}

/**
 * Foreground runs of a flat mask (nonzero = foreground) as [R, 2] `[start, end)` intervals.
 * A `Uint8Array` is scanned four bytes at a time where a word is all background (or, inside a
 * run, all foreground), which is most of a cell mask; other array types are scanned per element.
 */
export function maskToIntervals(mask: ArrayLike<number>): Uint32Array {
  const runs = new IntervalList();
  const n = mask.length;
  let open = -1;
  let tail = 0;
  if (mask instanceof Uint8Array && n >= 16) {
    const head = (4 - (mask.byteOffset % 4)) % 4;
    open = scanElements(mask, 0, head, open, runs);
    const words = new Int32Array(mask.buffer, mask.byteOffset + head, (n - head) >> 2);
    const nw = words.length;
    let k = 0;
    while (k < nw) {
      if (open < 0) {
        // Four words (16 pixels) per step through the background, then one at a time.
        while (k + 4 <= nw && (words[k] | words[k + 1] | words[k + 2] | words[k + 3]) === 0) k += 4;
        while (k < nw && words[k] === 0) k++;
      } else {
        while (k < nw && !hasZeroByte(words[k])) k++;
      }
      if (k === nw) break;
      const at = head + 4 * k;
      open = scanElements(mask, at, at + 4, open, runs);
      k++;
    }
    tail = head + 4 * words.length;
  }
  open = scanElements(mask, tail, n, open, runs);
  if (open >= 0) runs.push(open, n);
  return runs.toArray();
}

/**
 * Counts of a flat mask of P pixels (nonzero = foreground), in the mask's own order.
 * Same runs as pycocotools `rleEncode` on a 0/1 mask: starts with a (possibly empty) background
 * run and ends with the last run; an empty mask gives `[P]`, an all-foreground one `[0, P]`.
 */
export function encodeCounts(mask: ArrayLike<number>): Uint32Array {
  if (mask === null || typeof mask !== 'object' || typeof mask.length !== 'number') {
    throw new TypeError(`encodeCounts: mask must be an array-like of pixels, got ${describe(mask)}`);
  }
  return intervalsToCounts(maskToIntervals(mask), mask.length);
}

/**
 * The flat 0/1 mask of `length` pixels that `counts` encodes (pycocotools `rleDecode`).
 * Throws when the runs do not add up to `length`.
 */
export function decodeCounts(counts: Uint32Array, length: number): Uint8Array {
  checkCounts(counts, 'decodeCounts', 'counts');
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`decodeCounts: length must be a non-negative integer, got ${length}`);
  }
  const total = rleTotal(counts);
  if (total !== length) {
    throw new RangeError(`decodeCounts: counts cover ${total} pixels but length is ${length}`);
  }
  const mask = new Uint8Array(length);
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    if (i % 2 === 1) mask.fill(1, pos, pos + counts[i]);
    pos += counts[i];
  }
  return mask;
}
