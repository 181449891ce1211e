/**
 * Dataset helpers: listing image files, and pairing a `train.csv` image with its PNG under
 * `train/` as the arrays training takes.
 */
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { BitMasks } from '../structures/index.js';
import { readPng, type ImageArray } from './image.js';
import { cellTypeId, decodeMasks, type TrainImage } from './sartorius.js';

/** The image extensions `listImages` looks for by default. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.tif', '.tiff'];

/**
 * The image files directly in `dir` whose extension (case-insensitive, with the dot) is in
 * `extensions` -> full paths, sorted by file name.
 */
export async function listImages(dir: string, extensions: readonly string[] = IMAGE_EXTENSIONS): Promise<string[]> {
  const wanted = new Set(extensions.map((e) => e.toLowerCase()));
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new Error(`listImages: cannot list ${dir}: ${(error as Error).message}`, { cause: error });
  }
  return entries
    .filter((e) => e.isFile() && wanted.has(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort()
    .map((name) => join(dir, name));
}

/** One competition training image with its ground truth. */
export interface SartoriusSample {
  readonly id: string;
  /** [H, W] 8-bit grey image as stored in `train/<id>.png`. */
  readonly image: ImageArray;
  /** [N, H, W] ground-truth masks, one per `train.csv` row, in row order (they may overlap). */
  readonly masks: BitMasks;
  /** [N] class ids: the index of the image's cell type in `CELL_TYPES`. */
  readonly classes: Int32Array;
}

/**
 * Loads `<dataDir>/train/<image.id>.png` with the image's masks and class ids. Throws when the
 * PNG is missing or corrupt, or its size differs from the `train.csv` width and height.
 */
export async function loadSartoriusSample(dataDir: string, image: TrainImage): Promise<SartoriusSample> {
  const path = join(dataDir, 'train', `${image.id}.png`);
  const pixels = await readPng(path);
  const [height, width] = pixels.shape;
  if (pixels.dimension !== 2 || height !== image.height || width !== image.width) {
    throw new Error(
      `loadSartoriusSample: ${path} has shape [${pixels.shape.join(', ')}], but ${image.file} gives image ${image.id} as grey ${image.height} x ${image.width}`,
    );
  }
  const masks = decodeMasks(image);
  const classes = new Int32Array(image.rows.length).fill(cellTypeId(image.cellType));
  return { id: image.id, image: pixels, masks, classes };
}
