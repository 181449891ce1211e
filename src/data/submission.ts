/**
 * The competition's `submission.csv`: header `id,predicted`, one row per predicted object,
 * `predicted` a Kaggle RLE (row-major, 1-indexed `start length` pairs). An image without
 * predictions is one row with an empty `predicted`.
 */
import { CsvError, readCsvTable, writeCsv } from './csv.js';

/** One row of a submission: an image id and one object's Kaggle RLE (possibly empty). */
export interface SubmissionRow {
  readonly id: string;
  readonly predicted: string;
}

/** A submission row as read, with its 1-based line in the file. */
export interface SubmissionRecord extends SubmissionRow {
  readonly line: number;
}

/**
 * Reads a `submission.csv` (extra columns are ignored). Throws `CsvError` (file:line) for
 * malformed CSV, a header without `id` or `predicted`, or an empty id.
 */
export async function readSubmissionCsv(path: string): Promise<SubmissionRecord[]> {
  const out: SubmissionRecord[] = [];
  for await (const row of readCsvTable(path, { required: ['id', 'predicted'] })) {
    const { id, predicted } = row.values;
    if (id === '') throw new CsvError(path, row.line, undefined, 'column id: empty image id');
    out.push({ id, predicted, line: row.line });
  }
  return out;
}

/**
 * Writes `id,predicted` rows to `path` atomically (temporary file, then rename), so an error
 * leaves any previous file intact. Throws for a row whose id is empty or not a string or whose
 * `predicted` is not a string, naming the row index.
 */
export async function writeSubmissionCsv(path: string, rows: Iterable<SubmissionRow>): Promise<void> {
  const records: string[][] = [['id', 'predicted']];
  let index = 0;
  for (const row of rows) {
    if (typeof row.id !== 'string' || row.id === '') {
      throw new Error(`writeSubmissionCsv: row ${index}: id must be a non-empty string, got ${JSON.stringify(row.id)}`);
    }
    if (typeof row.predicted !== 'string') {
      throw new Error(`writeSubmissionCsv: row ${index} (id ${row.id}): predicted must be a string, got ${typeof row.predicted}`);
    }
    records.push([row.id, row.predicted]);
    index++;
  }
  await writeCsv(path, records);
}
