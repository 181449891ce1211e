/**
 * Outlines of masks: the boundary pixels a viewer draws to show a mask without hiding the image.
 *
 * Shape shorthand: H, W: image height and width. Masks are row-major over the H*W pixels, pixel
 * (y, x) at index `y * W + x`, either as 0/1 bytes or as counts RLE (see `cellmask/rle`).
 *
 * A pixel is on the outline when it belongs to the mask and one of its four neighbours (up,
 * down, left, right) does not, or lies outside the image: a mask touching the image edge is
 * closed along that edge. Outlines are one pixel wide and lie inside the mask.
 */
import { checkCounts, countsToIntervals, rleTotal } from '../rle/index.js';
import { describe } from '../utils/describe.js';

function checkSize(fn: string, height: number, width: number): void {
  if (!Number.isSafeInteger(height) || height < 1 || !Number.isSafeInteger(width) || width < 1) {
    throw new RangeError(`${fn}: height and width must be positive integers, got ${height} x ${width}`);
  }
}

/**
 * The outline of a 0/1 mask (nonzero = foreground) -> a new row-major [H, W] 0/1 mask.
 * @param mask row-major [H, W].
 */
export function maskOutline(mask: ArrayLike<number>, height: number, width: number): Uint8Array {
  checkSize('maskOutline', height, width);
  if (mask === null || typeof mask !== 'object' || mask.length !== height * width) {
    throw new RangeError(`maskOutline: mask must hold ${height} x ${width} = ${height * width} pixels, got ${describe(mask)}`);
  }
  const out = new Uint8Array(height * width);
  const inside = (y: number, x: number): boolean => y >= 0 && y < height && x >= 0 && x < width && mask[y * width + x] !== 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!inside(y, x)) continue;
      if (!inside(y - 1, x) || !inside(y + 1, x) || !inside(y, x - 1) || !inside(y, x + 1)) out[y * width + x] = 1;
    }
  }
  return out;
}

/**
 * The outline of a counts-RLE mask -> the row-major indices of its outline pixels, ascending.
 * Works on the rows the mask spans only, so a small cell in a large image costs little.
 * @param counts `[bg, fg, bg, ...]` runs over the H*W row-major pixels.
 * @throws RangeError when the runs do not cover H*W pixels.
 */
export function countsOutline(counts: Uint32Array, height: number, width: number): Uint32Array {
  checkCounts(counts, 'countsOutline', 'counts');
  checkSize('countsOutline', height, width);
  const total = rleTotal(counts);
  if (total !== height * width) {
    throw new RangeError(`countsOutline: counts cover ${total} pixels, the image ${height} x ${width} has ${height * width}`);
  }
  const intervals = countsToIntervals(counts); // [R, 2] half-open [start, end)
  if (intervals.length === 0) return new Uint32Array(0);
  const firstRow = Math.floor(intervals[0] / width);
  const lastRow = Math.floor((intervals[intervals.length - 1] - 1) / width);
  // The mask over rows firstRow..lastRow; rows outside (and outside the image) are background.
  const band = new Uint8Array((lastRow - firstRow + 1) * width);
  const offset = firstRow * width;
  for (let k = 0; k < intervals.length; k += 2) band.fill(1, intervals[k] - offset, intervals[k + 1] - offset);
  const inside = (y: number, x: number): boolean =>
    y >= firstRow && y <= lastRow && x >= 0 && x < width && band[(y - firstRow) * width + x] === 1;
  const out: number[] = [];
  for (let k = 0; k < intervals.length; k += 2) {
    for (let p = intervals[k]; p < intervals[k + 1]; p++) {
      const y = Math.floor(p / width);
      const x = p - y * width;
      if (!inside(y - 1, x) || !inside(y + 1, x) || !inside(y, x - 1) || !inside(y, x + 1)) out.push(p);
    }
  }
  return Uint32Array.from(out);
}
