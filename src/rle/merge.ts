/**
 * Union or intersection of several masks given as counts (pycocotools `rleMerge`).
 *
 * Shape shorthand: N: masks, P: pixels of each (all N must cover the same P).
 */
import { checkCounts, countsToIntervals, intervalsToCounts, rleTotal } from './counts.js';

/** Union (or intersection) of two sorted flat [R, 2] `[start, end)` interval lists. */
function combineIntervals(a: Uint32Array, b: Uint32Array, intersect: boolean): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  let n = 0;
  let i = 0;
  let j = 0;
  if (intersect) {
    while (i < a.length && j < b.length) {
      const lo = Math.max(a[i], b[j]);
      const hi = Math.min(a[i + 1], b[j + 1]);
      if (hi > lo) {
        out[n++] = lo;
        out[n++] = hi;
      }
      if (a[i + 1] < b[j + 1]) i += 2;
      else j += 2;
    }
    return out.slice(0, n);
  }
  while (i < a.length || j < b.length) {
    let start: number;
    let end: number;
    if (j >= b.length || (i < a.length && a[i] <= b[j])) {
      start = a[i];
      end = a[i + 1];
      i += 2;
    } else {
      start = b[j];
      end = b[j + 1];
      j += 2;
    }
    if (n > 0 && start <= out[n - 1]) {
      if (end > out[n - 1]) out[n - 1] = end;
    } else {
      out[n++] = start;
      out[n++] = end;
    }
  }
  return out.slice(0, n);
}

/**
 * The union (default) or intersection of N masks' counts, as counts over the same P pixels.
 * Same runs as pycocotools `rleMerge` for canonical inputs (no empty runs but a leading one);
 * N = 1 returns a copy and N = 0 returns an empty `Uint32Array`, as pycocotools does.
 * Unlike pycocotools, masks of different sizes (totals) are an error rather than an empty result.
 */
export function rleMerge(rles: readonly Uint32Array[], intersect = false): Uint32Array {
  if (!Array.isArray(rles)) throw new TypeError(`rleMerge: rles must be an array of Uint32Array counts, got ${typeof rles}`);
  rles.forEach((counts, k) => checkCounts(counts, 'rleMerge', `rles[${k}]`));
  if (rles.length === 0) return new Uint32Array(0);
  if (rles.length === 1) return rles[0].slice();
  const total = rleTotal(rles[0]);
  let acc = countsToIntervals(rles[0]);
  for (let k = 1; k < rles.length; k++) {
    const t = rleTotal(rles[k]);
    if (t !== total) throw new RangeError(`rleMerge: rles[${k}] covers ${t} pixels but rles[0] covers ${total}`);
    acc = combineIntervals(acc, countsToIntervals(rles[k]), intersect);
  }
  return intervalsToCounts(acc, total);
}
