/**
 * The files a report reads: images as `<dir>/<id>.png` (ids checked to be file names), the
 * truth's masks from train.csv, and the checks that predictions, truth and images agree. Errors
 * name the file (and line) at fault.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { CsvError } from '../data/csv.js';
import { readPng } from '../data/image.js';
import type { TrainImage } from '../data/sartorius.js';
import { kaggleRleToCounts } from '../rle/index.js';
import type { OverlayBase } from './overlay.js';

/**
 * Checks that an image id can name files (`<id>.png`): not empty, `.` or `..`, and without `/`,
 * `\` or NUL. `source` (a file) is named in the error.
 */
export function checkFileId(id: string, source: string): void {
  if (id === '' || id === '.' || id === '..' || /[/\\\0]/.test(id)) {
    throw new Error(`${source}: image id ${JSON.stringify(id)} cannot name a file (<id>.png); ids must not be empty, "." or "..", or hold "/", "\\" or NUL`);
  }
}

/** Throws naming up to five ids of `ids` that have no `<id>.png` in `dir`. */
export async function checkImageFiles(dir: string, ids: readonly string[]): Promise<void> {
  let names: Set<string>;
  try {
    names = new Set(await readdir(dir));
  } catch (error) {
    throw new Error(`cannot read image directory ${dir}: ${(error as Error).message}`);
  }
  const missing = ids.filter((id) => !names.has(`${id}.png`)).map((id) => join(dir, `${id}.png`));
  if (missing.length > 0) {
    throw new Error(`missing image file${missing.length > 1 ? 's' : ''} (--images must hold <id>.png for each image): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? `, ... (${missing.length} in all)` : ''}`);
  }
}

/** Reads `dir/<id>.png` -> the base of an overlay; errors name the file. */
export async function readOverlayBase(dir: string, id: string): Promise<OverlayBase> {
  const image = await readPng(join(dir, `${id}.png`));
  const [height, width] = image.shape;
  return { data: image.data, height, width, channels: image.shape.length === 3 ? image.shape[2] : 1 };
}

/** The true masks of one image of train.csv as row-major counts; `CsvError` (file:line) for bad run-length text. */
export function truthMasks(image: TrainImage): Uint32Array[] {
  return image.rows.map((row) => {
    try {
      return kaggleRleToCounts(row.annotation, image.height, image.width);
    } catch (error) {
      throw new CsvError(image.file, row.line, undefined, `image ${image.id}: column annotation: ${(error as Error).message}`);
    }
  });
}

/** Throws when the PNG of image `id` is not the size train.csv gives it. */
export function checkTruthSize(base: OverlayBase, image: TrainImage, imagesDir: string): void {
  if (base.height !== image.height || base.width !== image.width) {
    throw new Error(
      `${join(imagesDir, `${image.id}.png`)} is ${base.height} x ${base.width} (height x width) but ${image.file} gives image ${image.id} ${image.height} x ${image.width}`,
    );
  }
}

/** Throws naming up to five predicted ids that train.csv does not have. */
export function checkPredictedIds(ids: readonly string[], truth: ReadonlyMap<string, TrainImage>, predPath: string, truthPath: string): void {
  const unknown = ids.filter((id) => !truth.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `${predPath}: predictions for ${unknown.length} image id(s) not in the truth ${truthPath}: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''}`,
    );
  }
}
