/**
 * The files of predictions that `cellmask predict`, `cellmask ensemble` and the pipeline write,
 * and reading them back: one `<id>.json` per image (`{"boxes", "scores", "classes", "masks",
 * "height", "width"}`, masks as Kaggle run-length text) or one `submission.csv` (`id,predicted`,
 * one row per object). Masks come out as row-major counts (see `cellmask/rle`). Errors name the
 * file (and line) and the field that is wrong.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

import { CsvError } from './csv.js';
import { type SubmissionRecord, readSubmissionCsv } from './submission.js';
import type { Detections } from '../ensemble/detections.js';
import { countsToKaggleRle, kaggleRleToCounts, rleArea } from '../rle/index.js';
import type { SubmissionRow } from './submission.js';

/** One image's predictions as written to `<id>.json`, keys in this order. */
export interface PredictionJson {
  /** `[x1, y1, x2, y2]` in absolute pixels, rounded to 0.01 px. */
  readonly boxes: number[][];
  /** Confidences rounded to 5 significant digits. */
  readonly scores: number[];
  /** Class ids (0 shsy5y, 1 astro, 2 cort in the competition). */
  readonly classes: number[];
  /** Kaggle run-length text of each mask (row-major, 1-indexed `start length` pairs); absent for detections without masks. */
  readonly masks?: string[];
  readonly height: number;
  readonly width: number;
}

/** The image id of a file: its name without the extension (`dir/abc.png` -> `abc`). */
export function imageId(path: string): string {
  return basename(path, extname(path));
}

/** `value` rounded to 0.01 (boxes: finer than any mask can show). */
function roundCoordinate(value: number): number {
  return Math.round(value * 100) / 100;
}

/** `value` to 5 significant digits: float32 scores carry about 7, and no ranking needs more. */
function roundScore(value: number): number {
  return Number(value.toPrecision(5));
}

/** The JSON of one image's detections (see {@link PredictionJson} for the rounding). */
export function predictionJson(dets: Detections): PredictionJson {
  const n = dets.scores.length;
  // [N * 4] -> N x [x1, y1, x2, y2]
  const boxes = Array.from({ length: n }, (_, i) => Array.from(dets.boxes.subarray(4 * i, 4 * i + 4), roundCoordinate));
  return {
    boxes,
    scores: Array.from(dets.scores, roundScore),
    classes: Array.from(dets.classes),
    ...(dets.masks !== undefined ? { masks: dets.masks.map(countsToKaggleRle) } : {}),
    height: dets.height,
    width: dets.width,
  };
}

/**
 * The `submission.csv` rows of one image: one per non-empty mask, in score order. An empty mask
 * (a detection whose mask probabilities stay under the threshold) gets no row, since an empty
 * `predicted` means "no objects"; an image without any mask gets that one empty row, as the
 * competition asks.
 */
export function submissionRows(id: string, dets: Detections): SubmissionRow[] {
  if (dets.masks === undefined) throw new Error('submissionRows: the detections have no masks (MODEL.MASK_ON is off)');
  const rows = dets.masks.filter((counts) => rleArea(counts) > 0).map((counts) => ({ id, predicted: countsToKaggleRle(counts) }));
  return rows.length > 0 ? rows : [{ id, predicted: '' }];
}

/** The fields of a prediction file as parsed, before they are checked. */
interface UncheckedPredictionJson {
  boxes: number[][];
  scores: number[];
  classes: number[];
  masks?: string[];
  height: number;
  width: number;
}

/** Reads one image's prediction JSON file -> its detections; errors name the file and the field. */
export async function readPredictionFile(path: string): Promise<Detections> {
  let json: UncheckedPredictionJson;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as UncheckedPredictionJson;
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  const fail = (what: string): never => {
    throw new Error(`${path}: ${what}`);
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('expected a JSON object');
  const { height, width } = json;
  if (!Number.isSafeInteger(height) || height <= 0 || !Number.isSafeInteger(width) || width <= 0) {
    fail(`"height" and "width" must be positive integers, got ${JSON.stringify(height)} x ${JSON.stringify(width)}`);
  }
  for (const key of ['boxes', 'scores', 'classes'] as const) if (!Array.isArray(json[key])) fail(`"${key}" must be an array`);
  const n = json.scores.length;
  const boxes = new Float32Array(4 * n);
  if (json.boxes.length !== n) fail(`"boxes" has ${json.boxes.length} entries, "scores" has ${n}`);
  json.boxes.forEach((b, i) => {
    if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      fail(`"boxes"[${i}] must be [x1, y1, x2, y2] numbers, got ${JSON.stringify(b)}`);
    }
    boxes.set(b, 4 * i);
  });
  json.scores.forEach((s, i) => typeof s === 'number' && Number.isFinite(s) || fail(`"scores"[${i}] must be a number, got ${JSON.stringify(s)}`));
  if (json.classes.length !== n) fail(`"classes" has ${json.classes.length} entries, "scores" has ${n}`);
  json.classes.forEach((c, i) => Number.isInteger(c) || fail(`"classes"[${i}] must be an integer, got ${JSON.stringify(c)}`));
  const dets: Detections = { height, width, boxes, scores: Float32Array.from(json.scores), classes: Int32Array.from(json.classes) };
  if (json.masks === undefined) return dets;
  if (!Array.isArray(json.masks) || json.masks.length !== n) fail(`"masks" must be an array of ${n} run-length strings`);
  const masks = json.masks.map((text, i) => {
    if (typeof text !== 'string') return fail(`"masks"[${i}] must be a run-length string, got ${JSON.stringify(text)}`);
    try {
      return kaggleRleToCounts(text, height, width);
    } catch (error) {
      return fail(`"masks"[${i}]: ${(error as Error).message}`);
    }
  });
  return { ...dets, masks };
}

/** One image's predictions read from `<id>.json`. */
export interface PredictionFile {
  /** The file read, for error messages. */
  readonly file: string;
  readonly detections: Detections;
}

/**
 * Reads every `*.json` of a directory -> image id (file name without `.json`) -> its detections,
 * ids in sorted order. Throws when the directory cannot be read or holds no `.json` file.
 */
export async function readPredictionDir(dir: string): Promise<Map<string, PredictionFile>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    throw new Error(`cannot read prediction directory ${dir}: ${(error as Error).message}`);
  }
  if (names.length === 0) throw new Error(`prediction directory ${dir} has no .json prediction files`);
  const out = new Map<string, PredictionFile>();
  for (const name of names) {
    const file = join(dir, name);
    out.set(imageId(name), { file, detections: await readPredictionFile(file) });
  }
  return out;
}

/**
 * Predictions as read from disk, masks not yet decoded where their image size is not known:
 * a directory of per-image JSON files (sizes inside) or a `submission.csv` (sizes come from the
 * truth or the image; see {@link predictedMasks}).
 */
export type PredictionSource =
  | { readonly kind: 'json'; readonly path: string; readonly images: ReadonlyMap<string, PredictionFile> }
  | { readonly kind: 'csv'; readonly path: string; readonly rows: ReadonlyMap<string, readonly SubmissionRecord[]> };

/** Reads `path`: a directory of `<id>.json` files, or a file read as `submission.csv`. */
export async function readPredictionSource(path: string): Promise<PredictionSource> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw new Error(`cannot read predictions ${path}: ${(error as Error).message}`);
  }
  if (isDirectory) return { kind: 'json', path, images: await readPredictionDir(path) };
  const rows = new Map<string, SubmissionRecord[]>();
  for (const record of await readSubmissionCsv(path)) {
    const list = rows.get(record.id);
    if (list === undefined) rows.set(record.id, [record]);
    else list.push(record);
  }
  return { kind: 'csv', path, rows };
}

/** The image ids that have predictions, in sorted order. */
export function predictionIds(source: PredictionSource): string[] {
  return [...(source.kind === 'json' ? source.images.keys() : source.rows.keys())].sort();
}

/**
 * The predicted masks of image `id` of `height` x `width` pixels, as row-major counts, in file
 * order; an image without predictions (or with only an empty `predicted`) has none.
 * @throws Error naming the file when a JSON file has no `"masks"` or another size than the
 *   image's, or `CsvError` (file:line) for malformed run-length text in a submission.
 */
export function predictedMasks(source: PredictionSource, id: string, height: number, width: number): Uint32Array[] {
  if (source.kind === 'json') {
    const entry = source.images.get(id);
    if (entry === undefined) return [];
    const { detections, file } = entry;
    if (detections.height !== height || detections.width !== width) {
      throw new Error(`${file}: predictions are ${detections.height} x ${detections.width} (height x width) but image ${id} is ${height} x ${width}`);
    }
    if (detections.masks === undefined) throw new Error(`${file}: no "masks" (Kaggle run-length strings) to draw and score`);
    return [...detections.masks];
  }
  const masks: Uint32Array[] = [];
  for (const record of source.rows.get(id) ?? []) {
    if (record.predicted.trim() === '') continue;
    try {
      masks.push(kaggleRleToCounts(record.predicted, height, width));
    } catch (error) {
      throw new CsvError(source.path, record.line, undefined, `image ${id} (${height} x ${width}): column predicted: ${(error as Error).message}`);
    }
  }
  return masks;
}
