/**
 * Overlap removal: submitted masks may not overlap, so each pixel goes to the highest-scored
 * mask that claims it, and masks left with too few pixels are dropped (the solution's minimums:
 * 75 / 150 / 75 pixels for shsy5y / astro / cort).
 *
 * Shape shorthand: N: detections, K: kept, H, W: image size, P = H * W pixels.
 */
import { countsToIntervals, intervalsToCounts } from '../rle/index.js';
import { type MajorityClassOption, classResolver } from './class-thresholds.js';
import { type Detections, checkDetections, selectDetections } from './detections.js';
import { argsortDescending } from './order.js';

/** The solution's minimum mask sizes in pixels for class ids 0 (shsy5y), 1 (astro), 2 (cort). */
export const SOLUTION_MIN_PIXELS: readonly number[] = [75, 150, 75];

/** Options of `removeOverlaps`. */
export interface RemoveOverlapsOptions extends MajorityClassOption {
  /** `minPixels[c]`: a mask of class c is kept when at least this many of its pixels remain. */
  readonly minPixels: readonly number[];
}

/** The result of `removeOverlaps`. */
export interface RemoveOverlapsResult {
  /** The kept detections in descending score order, masks trimmed to their unclaimed pixels (boxes unchanged). */
  readonly detections: Detections;
  /** [K] index in the input of each kept detection. */
  readonly kept: Int32Array;
}

/**
 * In descending score order (ties: lower index first), removes from each mask the pixels that
 * kept masks already claimed and keeps it when at least `minPixels` of its class remain; it then
 * claims those pixels. Works on a P-pixel claimed bitmap and each mask's runs: O(P + total mask
 * pixels), no per-mask image copies. A mask none of whose pixels were claimed keeps its counts
 * array unchanged.
 */
export function removeOverlaps(dets: Detections, options: RemoveOverlapsOptions): RemoveOverlapsResult {
  const n = checkDetections(dets, 'removeOverlaps', 'dets');
  const masks = dets.masks;
  if (masks === undefined) throw new TypeError('removeOverlaps: dets has no masks');
  const classOf = classResolver(dets, options.minPixels, options, 'removeOverlaps', 'options.minPixels');
  const total = dets.height * dets.width;
  const claimed = new Uint8Array(total);
  const kept: number[] = [];
  const trimmed: Uint32Array[] = [];
  let free: Uint32Array = new Uint32Array(64);
  for (const i of argsortDescending(dets.scores)) {
    const runs = countsToIntervals(masks[i]);
    if (free.length < runs.length * 2) free = new Uint32Array(runs.length * 2);
    // [start, end) runs of the mask's unclaimed pixels.
    let m = 0;
    let count = 0;
    for (let r = 0; r < runs.length; r += 2) {
      let p = runs[r];
      const end = runs[r + 1];
      while (p < end) {
        while (p < end && claimed[p] !== 0) p++;
        const start = p;
        while (p < end && claimed[p] === 0) p++;
        if (p > start) {
          if (m + 2 > free.length) free = grow(free);
          free[m++] = start;
          free[m++] = p;
          count += p - start;
        }
      }
    }
    if (count < options.minPixels[classOf(i)]) continue;
    for (let r = 0; r < m; r += 2) claimed.fill(1, free[r], free[r + 1]);
    kept.push(i);
    trimmed.push(m === runs.length && free.subarray(0, m).every((v, k) => v === runs[k]) ? masks[i] : intervalsToCounts(free.subarray(0, m), total));
  }
  const selected = selectDetections(dets, kept);
  return { detections: { ...selected, masks: trimmed }, kept: Int32Array.from(kept) };
}

function grow(a: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length * 2);
  out.set(a);
  return out;
}
