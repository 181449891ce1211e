/**
 * The competition's `train.csv`: one row per annotated cell,
 * `id,annotation,width,height,cell_type,plate_time,sample_date,sample_id,elapsed_timedelta`,
 * where `annotation` is a Kaggle RLE (row-major, 1-indexed `start length` pairs) of a mask of
 * `height` x `width` pixels. Rows are grouped into one `TrainImage` per `id`; every column of
 * every row is kept.
 */
import type { Readable } from 'node:stream';
import { kaggleRleRuns } from '../rle/index.js';
import { BitMasks } from '../structures/index.js';
import { CsvError, readCsvTable, writeCsv, type CsvTableRow } from './csv.js';

/** The competition's cell types; the index of each is its class id (0, 1, 2). */
export const CELL_TYPES = ['shsy5y', 'astro', 'cort'] as const;

/** One of `CELL_TYPES`. */
export type CellType = (typeof CELL_TYPES)[number];

/** The class id (index in `CELL_TYPES`) of a cell type; throws for anything else. */
export function cellTypeId(cellType: string): number {
  const id = (CELL_TYPES as readonly string[]).indexOf(cellType);
  if (id === -1) throw new Error(`cellTypeId: unknown cell type ${JSON.stringify(cellType)}, expected one of ${CELL_TYPES.join(', ')}`);
  return id;
}

/** The columns of the competition's `train.csv`, in its order. */
export const TRAIN_CSV_COLUMNS = [
  'id',
  'annotation',
  'width',
  'height',
  'cell_type',
  'plate_time',
  'sample_date',
  'sample_id',
  'elapsed_timedelta',
] as const;

/** One column name of `train.csv`. */
export type TrainColumn = (typeof TRAIN_CSV_COLUMNS)[number];

/** The columns a `train.csv` must have to be read; the others are kept when present. */
export const REQUIRED_TRAIN_COLUMNS: readonly TrainColumn[] = ['id', 'annotation', 'width', 'height', 'cell_type'];

/** One row (one cell) of `train.csv`. */
export interface TrainRow {
  /** The Kaggle RLE of this cell's mask (the `annotation` column). */
  readonly annotation: string;
  /** The 1-based line of the row in its file. */
  readonly line: number;
  /** Every column of the row by header name, including `id` and `annotation`. */
  readonly values: Readonly<Record<string, string>>;
}

/** The annotated cells of one image of `train.csv`. */
export interface TrainImage {
  readonly id: string;
  /** Image width in pixels (the `width` column). */
  readonly width: number;
  /** Image height in pixels (the `height` column). */
  readonly height: number;
  readonly cellType: CellType;
  /** The `sample_id` column (the well the image comes from), when the file has it. */
  readonly sampleId?: string;
  /** The file (or stream name) the rows were read from, for error messages. */
  readonly file: string;
  /** The image's rows, one per cell, in file order. */
  readonly rows: TrainRow[];
}

/** Options of the `train.csv` readers. */
export interface TrainCsvOptions {
  /** Name used in error messages when reading a `Readable`. */
  readonly name?: string;
}

function positiveInteger(file: string, row: CsvTableRow, column: 'width' | 'height'): number {
  const text = row.values[column];
  if (!/^[0-9]+$/.test(text) || Number(text) === 0) {
    throw new CsvError(file, row.line, undefined, `column ${column}: expected a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Collects the rows of one image, checking that the per-image columns agree. */
class ImageBuilder {
  readonly image: TrainImage & { rows: TrainRow[] };
  lastLine: number;

  constructor(file: string, first: CsvTableRow) {
    const cellType = first.values.cell_type;
    if (!(CELL_TYPES as readonly string[]).includes(cellType)) {
      throw new CsvError(
        file,
        first.line,
        undefined,
        `column cell_type: expected one of ${CELL_TYPES.join(', ')}, got ${JSON.stringify(cellType)}`,
      );
    }
    const id = first.values.id;
    if (id === '') throw new CsvError(file, first.line, undefined, 'column id: empty image id');
    this.image = {
      id,
      width: positiveInteger(file, first, 'width'),
      height: positiveInteger(file, first, 'height'),
      cellType: cellType as CellType,
      ...(first.values.sample_id !== undefined ? { sampleId: first.values.sample_id } : {}),
      file,
      rows: [],
    };
    this.lastLine = first.line;
    this.add(first);
  }

  add(row: CsvTableRow): void {
    const { image } = this;
    const firstLine = image.rows.length > 0 ? image.rows[0].line : row.line;
    const mismatch = (column: string, got: string | number, expected: string | number): CsvError =>
      new CsvError(
        image.file,
        row.line,
        undefined,
        `image ${image.id}: column ${column} is ${JSON.stringify(got)} here but ${JSON.stringify(expected)} on line ${firstLine}`,
      );
    if (image.rows.length > 0) {
      const width = positiveInteger(image.file, row, 'width');
      if (width !== image.width) throw mismatch('width', width, image.width);
      const height = positiveInteger(image.file, row, 'height');
      if (height !== image.height) throw mismatch('height', height, image.height);
      if (row.values.cell_type !== image.cellType) throw mismatch('cell_type', row.values.cell_type, image.cellType);
      if (row.values.sample_id !== image.sampleId) throw mismatch('sample_id', row.values.sample_id, image.sampleId ?? '');
    }
    image.rows.push({ annotation: row.values.annotation, line: row.line, values: row.values });
    this.lastLine = row.line;
  }
}

/**
 * Streams the images of a `train.csv` (path or `Readable`), one `TrainImage` per run of
 * consecutive rows with the same `id`. Throws `CsvError` (file:line) for malformed CSV, missing
 * columns, a width/height that is not a positive integer, an unknown cell type, per-image
 * columns (width, height, cell_type, sample_id) that differ within an image, or an id whose
 * rows are not consecutive (use `loadTrainCsv` for such files).
 */
export async function* readTrainCsv(source: string | Readable, options: TrainCsvOptions = {}): AsyncGenerator<TrainImage> {
  const file = options.name ?? (typeof source === 'string' ? source : '<stream>');
  const ended = new Map<string, number>();
  let current: ImageBuilder | undefined;
  for await (const row of readCsvTable(source, { name: file, required: REQUIRED_TRAIN_COLUMNS })) {
    const id = row.values.id;
    if (current !== undefined && current.image.id === id) {
      current.add(row);
      continue;
    }
    const endedOn = ended.get(id);
    if (endedOn !== undefined) {
      throw new CsvError(
        file,
        row.line,
        undefined,
        `image ${id} reappears after its rows ended on line ${endedOn}; readTrainCsv needs each image's rows consecutive (loadTrainCsv accepts any order)`,
      );
    }
    if (current !== undefined) {
      ended.set(current.image.id, current.lastLine);
      yield current.image;
    }
    current = new ImageBuilder(file, row);
  }
  if (current !== undefined) yield current.image;
}

/**
 * Reads a whole `train.csv` into one `TrainImage` per `id`, in order of first appearance,
 * grouping rows whatever their order. Same checks as `readTrainCsv`, except row order.
 */
export async function loadTrainCsv(source: string | Readable, options: TrainCsvOptions = {}): Promise<TrainImage[]> {
  const file = options.name ?? (typeof source === 'string' ? source : '<stream>');
  const builders = new Map<string, ImageBuilder>();
  for await (const row of readCsvTable(source, { name: file, required: REQUIRED_TRAIN_COLUMNS })) {
    const builder = builders.get(row.values.id);
    if (builder === undefined) builders.set(row.values.id, new ImageBuilder(file, row));
    else builder.add(row);
  }
  return [...builders.values()].map((b) => b.image);
}

/**
 * Decodes an image's annotations -> [N, H, W] masks, mask k from `image.rows[k]`.
 * Throws `CsvError` naming the file, the row's line and the image id for malformed RLE.
 */
export function decodeMasks(image: TrainImage): BitMasks {
  const { height, width, rows } = image;
  const plane = height * width;
  const data = new Uint8Array(rows.length * plane);
  rows.forEach((row, k) => {
    let runs: Uint32Array;
    try {
      runs = kaggleRleRuns(row.annotation, height, width);
    } catch (error) {
      throw new CsvError(image.file, row.line, undefined, `image ${image.id}: column annotation: ${(error as Error).message}`);
    }
    // runs: flat [R, 2] (0-based row-major start, length)
    for (let r = 0; r < runs.length; r += 2) data.fill(1, k * plane + runs[r], k * plane + runs[r] + runs[r + 1]);
  });
  return new BitMasks(data, height, width);
}

/** One row to write to `train.csv`: every column of `TRAIN_CSV_COLUMNS`. */
export type TrainCsvRow = { readonly [K in TrainColumn]: string | number };

/**
 * Writes rows in the competition's `train.csv` format (header `TRAIN_CSV_COLUMNS`), atomically.
 * Throws when a row lacks a column, naming the row index and the column.
 */
export async function writeTrainCsv(path: string, rows: Iterable<TrainCsvRow>): Promise<void> {
  const records: (string | number)[][] = [[...TRAIN_CSV_COLUMNS]];
  let index = 0;
  for (const row of rows) {
    records.push(
      TRAIN_CSV_COLUMNS.map((column) => {
        const value = row[column];
        if (typeof value !== 'string' && typeof value !== 'number') {
          throw new Error(`writeTrainCsv: row ${index} has no ${column} (got ${value === null ? 'null' : typeof value}), writing ${path}`);
        }
        return value;
      }),
    );
    index++;
  }
  await writeCsv(path, records);
}
