/**
 * Kaggle run-length text, as in the Sartorius competition's `train.csv` and `submission.csv`.
 *
 * Pixels are numbered row-major from 1 (pixel (y, x) of an H x W image is `y * W + x + 1`); the
 * text is space-separated `start length` pairs, sorted, non-overlapping. Competition images are
 * 520 x 704 (height x width). Masks here are row-major [H, W] arrays, nonzero = foreground.
 *
 * Shape shorthand: H, W: image height and width, R: runs.
 */
import { countsToIntervals, intervalsToCounts, maskToIntervals } from './counts.js';
import { describe } from '../utils/describe.js';
import { RleParseError } from './errors.js';

/** Checks an image size; the error names `fn`. */
export function checkImageSize(height: number, width: number, fn: string): void {
  if (!Number.isSafeInteger(height) || height < 0 || !Number.isSafeInteger(width) || width < 0) {
    throw new RangeError(`${fn}: height and width must be non-negative integers, got ${height} x ${width}`);
  }
}

function checkMask(mask: ArrayLike<number>, height: number, width: number, fn: string): void {
  if (mask === null || typeof mask !== 'object' || typeof mask.length !== 'number') {
    throw new TypeError(`${fn}: mask must be an array-like of H*W pixels, got ${describe(mask)}`);
  }
  if (mask.length !== height * width) {
    throw new RangeError(`${fn}: mask has ${mask.length} pixels but height x width is ${height} x ${width} = ${height * width}`);
  }
}

/** ASCII whitespace: tab, line feed, vertical tab, form feed, carriage return, space. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** A token for an error message, shortened when long. */
function quote(token: string): string {
  return JSON.stringify(token.length > 40 ? `${token.slice(0, 40)}...` : token);
}

/**
 * Scratch space for parsed runs, reused by every call (parsing is synchronous, so no two calls
 * share it at once): a mask then costs one allocation, its result, instead of three.
 */
let scratch = new Uint32Array(1024);

/**
 * Reads and validates Kaggle run text into `scratch` as flat [R, 2] `(start, length)` with
 * 0-based starts, and returns 2R. One pass over the character codes, no splitting.
 * Throws `RleParseError` naming `fn`.
 */
function parseRuns(text: string, height: number, width: number, fn: string): number {
  if (typeof text !== 'string') throw new TypeError(`${fn}: text must be a string, got ${describe(text)}`);
  checkImageSize(height, width, fn);
  const total = height * width;
  let runs = scratch;
  let n = 0;
  let tokens = 0;
  let start = 0;
  let startPos = 0;
  let startStop = 0;
  let prevStart = -1;
  let prevEnd = 0;
  const startToken = (): string => text.slice(startPos, startStop);
  const len = text.length;
  let i = 0;
  while (i < len) {
    if (isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const pos = i;
    let value = 0;
    let numeric = true;
    for (; i < len; i++) {
      const c = text.charCodeAt(i);
      if (isSpace(c)) break;
      if (c >= 48 && c <= 57) {
        // Values beyond 2^50 are past any image; stop growing so the number stays exact enough.
        if (value < 2 ** 50) value = value * 10 + (c - 48);
      } else {
        numeric = false;
      }
    }
    if (!numeric) {
      throw new RleParseError(`${fn}: token ${quote(text.slice(pos, i))} at position ${pos} is not a non-negative decimal integer`, 'not-a-number', pos, text.slice(pos, i));
    }
    if (tokens++ % 2 === 0) {
      if (value < 1) {
        throw new RleParseError(`${fn}: start ${quote(text.slice(pos, i))} at position ${pos} is below 1 (starts are 1-indexed)`, 'start-below-1', pos, text.slice(pos, i));
      }
      start = value - 1;
      startPos = pos;
      startStop = i;
      continue;
    }
    if (value < 1) {
      throw new RleParseError(`${fn}: length ${quote(text.slice(pos, i))} at position ${pos} is below 1`, 'length-below-1', pos, text.slice(pos, i));
    }
    const run = n / 2 + 1;
    if (start < prevStart) {
      throw new RleParseError(
        `${fn}: run ${run} starting at ${start + 1} (position ${startPos}) comes after a run starting at ${prevStart + 1}; runs must be sorted by start`,
        'unsorted', startPos, startToken());
    }
    if (start < prevEnd) {
      throw new RleParseError(
        `${fn}: run ${run} starting at ${start + 1} (position ${startPos}) overlaps the previous run, which covers pixels ${prevStart + 1}..${prevEnd}`,
        'overlap', startPos, startToken());
    }
    const end = start + value;
    if (end > total) {
      throw new RleParseError(
        `${fn}: run ${run} (start ${start + 1}, length ${value}) at position ${startPos} ends at pixel ${end}, past the last pixel ${total} of a ${height} x ${width} image`,
        'past-end', startPos, startToken());
    }
    if (n + 2 > runs.length) {
      const grown = new Uint32Array(runs.length * 2);
      grown.set(runs);
      runs = grown;
      scratch = grown;
    }
    runs[n++] = start;
    runs[n++] = value;
    prevStart = start;
    prevEnd = end;
  }
  if (tokens % 2 === 1) {
    throw new RleParseError(
      `${fn}: odd number of values (${tokens}); start ${quote(startToken())} at position ${startPos} has no length`,
      'odd-count', startPos, startToken());
  }
  return n;
}

/**
 * Validated runs of Kaggle text for an H x W image: flat [R, 2] `(start, length)` with 0-based
 * row-major starts. Leading, trailing and repeated whitespace is fine; "" is an empty mask.
 * Runs that touch (one starts where the previous ends) are accepted.
 * @throws RleParseError for an odd number of values, a token that is not a plain decimal integer
 *   ("1.5", "-3", "0x10", "1e3"), a start or length below 1, runs out of order or overlapping,
 *   or a run past the end of the image.
 */
export function kaggleRleRuns(text: string, height: number, width: number): Uint32Array {
  return scratch.slice(0, parseRuns(text, height, width, 'kaggleRleRuns'));
}

/**
 * Decodes Kaggle text into a row-major [H, W] 0/1 mask. Throws `RleParseError` as `kaggleRleRuns`.
 * `out`, when given, is an [H, W] buffer to reuse: it is cleared, filled and returned, which
 * saves allocating a fresh image per mask in a loop (allocation then dominates the cost).
 */
export function kaggleRleDecode(text: string, height: number, width: number, out?: Uint8Array): Uint8Array {
  const n = parseRuns(text, height, width, 'kaggleRleDecode');
  if (out !== undefined && (!(out instanceof Uint8Array) || out.length !== height * width)) {
    throw new RangeError(`kaggleRleDecode: out must be a Uint8Array of ${height} x ${width} = ${height * width} pixels, got ${describe(out)}`);
  }
  const mask = out === undefined ? new Uint8Array(height * width) : out.fill(0);
  for (let k = 0; k < n; k += 2) mask.fill(1, scratch[k], scratch[k] + scratch[k + 1]);
  return mask;
}

/** Text for flat [R, 2] `[start, end)` 0-based intervals. */
function intervalsToText(intervals: Uint32Array): string {
  const parts = new Array<string>(intervals.length);
  for (let k = 0; k < intervals.length; k += 2) {
    parts[k] = String(intervals[k] + 1);
    parts[k + 1] = String(intervals[k + 1] - intervals[k]);
  }
  return parts.join(' ');
}

/**
 * Encodes a row-major [H, W] mask (nonzero = foreground) as Kaggle text: 1-indexed
 * `start length` pairs joined by single spaces; an empty mask gives "".
 */
export function kaggleRleEncode(mask: ArrayLike<number>, height: number, width: number): string {
  checkImageSize(height, width, 'kaggleRleEncode');
  checkMask(mask, height, width, 'kaggleRleEncode');
  return intervalsToText(maskToIntervals(mask));
}

/**
 * Row-major counts (see `counts.ts`) of Kaggle text for an H x W image, ready for `rleIou`.
 * Equal to `encodeCounts(kaggleRleDecode(text, height, width))` without decoding. Like
 * `intervalsToCounts`, the result may be a view into a shared buffer.
 */
export function kaggleRleToCounts(text: string, height: number, width: number): Uint32Array {
  const n = parseRuns(text, height, width, 'kaggleRleToCounts');
  for (let k = 1; k < n; k += 2) scratch[k] += scratch[k - 1];
  return intervalsToCounts(scratch.subarray(0, n), height * width);
}

/** Kaggle text of row-major counts (the counts' total is the image's H * W). */
export function countsToKaggleRle(counts: Uint32Array): string {
  return intervalsToText(countsToIntervals(counts));
}
