/**
 * Checking a submission the way the competition's scorer does: every predicted run-length text
 * parses (sorted, positive, non-duplicated `start length` pairs inside the image) and no two
 * masks of an image share a pixel.
 *
 * Shape shorthand: H, W: image height and width (520 x 704 in the competition).
 */
import { RleParseError, intervalsToCounts, kaggleRleRuns, rleIntersectionArea } from '../rle/index.js';

import { describe } from '../utils/describe.js';

/** One submission row: image id and Kaggle run-length text ("" for an image without masks). */
export interface SubmissionCheckRow {
  readonly id: string;
  readonly predicted: string;
  /** 1-based line in the file, when read from one; messages use it. */
  readonly line?: number;
}

/** One problem found by `validateSubmission`. */
export interface SubmissionProblem {
  /** The image id. */
  readonly id: string;
  /** 0-based index of the row in `rows`. */
  readonly row: number;
  /** The row's line, when given. */
  readonly line?: number;
  /** For an overlap, the index (and line) of the earlier row sharing pixels with this one. */
  readonly otherRow?: number;
  readonly otherLine?: number;
  /** What is wrong, in words, naming the row (by line when known) and the id. */
  readonly message: string;
}

/** Options of `validateSubmission`. */
export interface ValidateOptions {
  /** Image height H. Default 520. */
  readonly height?: number;
  /** Image width W. Default 704. */
  readonly width?: number;
}

/**
 * Every problem of a submission, in row order: unparseable run text (with the token and its
 * character position), and each pair of rows of the same image whose masks overlap (reported
 * once per pair, on the later row, with the number of shared pixels). An empty list means valid.
 */
export function validateSubmission(rows: readonly SubmissionCheckRow[], options: ValidateOptions = {}): SubmissionProblem[] {
  if (!Array.isArray(rows)) throw new TypeError(`validateSubmission: rows must be an array, got ${describe(rows)}`);
  const { height = 520, width = 704 } = options;
  if (!Number.isSafeInteger(height) || height <= 0 || !Number.isSafeInteger(width) || width <= 0) {
    throw new RangeError(`validateSubmission: height and width must be positive integers, got ${height} x ${width}`);
  }
  const where = (r: number): string => (rows[r].line !== undefined ? `line ${rows[r].line}` : `row ${r}`);
  const problems: SubmissionProblem[] = [];
  const byImage = new Map<string, { row: number; runs: Uint32Array }[]>();
  rows.forEach((row, r) => {
    const base = { id: row.id, row: r, ...(row.line !== undefined ? { line: row.line } : {}) };
    let runs: Uint32Array;
    try {
      runs = kaggleRleRuns(row.predicted, height, width);
    } catch (error) {
      if (!(error instanceof RleParseError)) throw error;
      const detail = error.message.replace(/^kaggleRleRuns: /, '');
      problems.push({ ...base, message: `${where(r)} (id ${row.id}): invalid run-length text: ${detail}` });
      return;
    }
    const list = byImage.get(row.id);
    if (list === undefined) byImage.set(row.id, [{ row: r, runs }]);
    else list.push({ row: r, runs });
  });
  // owner[p] = 1 + the row that claimed pixel p; reset after each image by its own runs.
  const owner = new Int32Array(height * width);
  for (const [id, masks] of byImage) {
    masks.forEach(({ row, runs }, m) => {
      let overlaps = false;
      for (let k = 0; k < runs.length; k += 2) {
        const end = runs[k] + runs[k + 1];
        for (let p = runs[k]; p < end; p++) {
          if (owner[p] !== 0) overlaps = true;
          else owner[p] = row + 1;
        }
      }
      if (!overlaps) return;
      // A pixel records only its first row; find every earlier row this one shares pixels with.
      const counts = (r: Uint32Array) => intervalsToCounts(r.map((v, k) => (k % 2 === 0 ? v : r[k - 1] + v)), height * width);
      const mine = counts(runs);
      for (const earlier of masks.slice(0, m)) {
        const other = earlier.row;
        const pixels = rleIntersectionArea(mine, counts(earlier.runs));
        if (pixels === 0) continue;
        problems.push({
          id,
          row,
          ...(rows[row].line !== undefined ? { line: rows[row].line } : {}),
          otherRow: other,
          ...(rows[other].line !== undefined ? { otherLine: rows[other].line } : {}),
          message: `${where(row)} (id ${id}): mask overlaps the mask of ${where(other)} in ${pixels} pixel${pixels === 1 ? '' : 's'}; masks may not overlap`,
        });
      }
    });
    for (const { runs } of masks) for (let k = 0; k < runs.length; k += 2) owner.fill(0, runs[k], runs[k] + runs[k + 1]);
  }
  return problems.sort((a, b) => a.row - b.row || (a.otherRow ?? -1) - (b.otherRow ?? -1));
}
