/**
 * MAP-IoU over a dataset: the mean of the per-image scores (not a score of pooled counts), as the
 * Sartorius leaderboard computes it, with the same mean per cell type.
 */
import { mapIouImage } from './mapIou.js';
import { describe } from '../utils/describe.js';

/** One image to score: its masks as uncompressed run-length counts (see `mapIouImage`). */
export interface MapIouImageInput {
  /** The image id (the `id` column of train.csv). */
  readonly id: string;
  /** The cell type (`shsy5y`, `astro`, `cort`), when known; images without one are left out of `perCellType`. */
  readonly cellType?: string;
  /** G true masks; may overlap. */
  readonly truth: readonly Uint32Array[];
  /** P predicted masks. */
  readonly pred: readonly Uint32Array[];
}

/** The score of one image within `evaluateMapIou`'s result. */
export interface MapIouImageScore {
  /** MAP-IoU of the image, in [0, 1]. */
  readonly score: number;
  /** Its cell type, or `undefined` when none was given. */
  readonly cellType: string | undefined;
  /** G, the number of true objects. */
  readonly numTruth: number;
  /** P, the number of predicted objects. */
  readonly numPred: number;
}

/** MAP-IoU of a dataset. */
export interface MapIouDatasetResult {
  /** Mean of the per-image scores, in [0, 1]. */
  readonly mapIou: number;
  /** Mean of the per-image scores of each cell type, keyed by cell type. */
  readonly perCellType: Record<string, number>;
  /** Each image's score, keyed by image id. */
  readonly perImage: Record<string, MapIouImageScore>;
}

/**
 * Scores every image with `mapIouImage` and averages: the dataset score is the mean over images,
 * each cell type's score the mean over that type's images. Image ids must be unique.
 * Throws when `images` is empty (a mean over nothing is undefined).
 */
export function evaluateMapIou(images: Iterable<MapIouImageInput>): MapIouDatasetResult {
  const perImage: Record<string, MapIouImageScore> = {};
  const seen = new Set<string>();
  const typeSums = new Map<string, { sum: number; count: number }>();
  let sum = 0;
  let count = 0;
  for (const image of images) {
    if (typeof image?.id !== 'string') {
      throw new Error(`evaluateMapIou: image #${count} must have a string id, got ${describe(image?.id)}`);
    }
    if (seen.has(image.id)) throw new Error(`evaluateMapIou: image id "${image.id}" appears twice`);
    seen.add(image.id);
    const { score } = mapIouImage(image.truth, image.pred);
    perImage[image.id] = { score, cellType: image.cellType, numTruth: image.truth.length, numPred: image.pred.length };
    sum += score;
    count++;
    if (image.cellType !== undefined) {
      const entry = typeSums.get(image.cellType) ?? { sum: 0, count: 0 };
      entry.sum += score;
      entry.count++;
      typeSums.set(image.cellType, entry);
    }
  }
  if (count === 0) throw new Error('evaluateMapIou: images is empty; the mean over no images is undefined');
  const perCellType: Record<string, number> = {};
  for (const type of [...typeSums.keys()].sort()) {
    const entry = typeSums.get(type)!;
    perCellType[type] = entry.sum / entry.count;
  }
  return { mapIou: sum / count, perCellType, perImage };
}
