/**
 * The numbers of a report: each image's MAP-IoU (the competition metric, from `cellmask/metrics`)
 * with its counts at IoU 0.5 and its precision at every threshold, the mean per cell type and
 * overall, and the images ordered worst first.
 *
 * Shape shorthand: G: true objects of an image, P: predicted objects; masks are counts RLE over
 * the image's row-major pixels (see `cellmask/rle`).
 */
import { mapIouImage } from '../metrics/index.js';

/** One image to score. */
export interface ReportImageInput {
  /** The image id (the `id` column of train.csv). */
  readonly id: string;
  /** Its cell type (the `cell_type` column). */
  readonly cellType: string;
  readonly height: number;
  readonly width: number;
  /** G true masks (may overlap). */
  readonly truth: readonly Uint32Array[];
  /** P predicted masks. */
  readonly pred: readonly Uint32Array[];
}

/** One image's scores. */
export interface ImageScore {
  readonly id: string;
  readonly cellType: string;
  readonly height: number;
  readonly width: number;
  /** G. */
  readonly numTruth: number;
  /** P. */
  readonly numPred: number;
  /** MAP-IoU in [0, 1]: the mean of `precisions`. */
  readonly score: number;
  /** Truths matched by exactly one prediction with IoU > 0.5. */
  readonly tp: number;
  /** Predictions matching no truth with IoU > 0.5. */
  readonly fp: number;
  /** Truths matched by no prediction with IoU > 0.5. */
  readonly fn: number;
  /** TP / (TP + FP + FN) at IoU thresholds 0.50, 0.55, ..., 0.95 (`MAP_IOU_THRESHOLDS`). */
  readonly precisions: readonly number[];
}

/** The images of one cell type together. */
export interface CellTypeScore {
  readonly cellType: string;
  /** Number of images. */
  readonly images: number;
  /** Sums of G, P and the counts at IoU 0.5 over the images. */
  readonly numTruth: number;
  readonly numPred: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  /** Mean of the images' MAP-IoU. */
  readonly score: number;
}

/** Everything a report shows. */
export interface ReportScores {
  /** Mean MAP-IoU over images (the leaderboard's score). */
  readonly mapIou: number;
  /** All images together, as a `CellTypeScore` with `cellType` "all". */
  readonly total: CellTypeScore;
  /** One entry per cell type, sorted by name. */
  readonly perCellType: readonly CellTypeScore[];
  /** Every image, worst first: ascending score, then ascending id. */
  readonly images: readonly ImageScore[];
}

/** Scores one image with `mapIouImage`; counts at the first threshold (0.5). */
export function scoreImage(input: ReportImageInput): ImageScore {
  const { id, cellType, height, width, truth, pred } = input;
  let result;
  try {
    result = mapIouImage(truth, pred);
  } catch (error) {
    throw new Error(`scoreImage: image ${id}: ${(error as Error).message}`, { cause: error });
  }
  const { tp, fp, fn } = result.perThreshold[0];
  return {
    id,
    cellType,
    height,
    width,
    numTruth: truth.length,
    numPred: pred.length,
    score: result.score,
    tp,
    fp,
    fn,
    precisions: result.perThreshold.map((c) => c.precision),
  };
}

/** Sums the counts and averages the scores of `images`, labelled `cellType`. */
function aggregate(cellType: string, images: readonly ImageScore[]): CellTypeScore {
  const sum = (key: 'numTruth' | 'numPred' | 'tp' | 'fp' | 'fn' | 'score'): number => images.reduce((s, image) => s + image[key], 0);
  return {
    cellType,
    images: images.length,
    numTruth: sum('numTruth'),
    numPred: sum('numPred'),
    tp: sum('tp'),
    fp: sum('fp'),
    fn: sum('fn'),
    score: sum('score') / images.length,
  };
}

/** Orders images worst first: ascending score, ties by ascending id (so the order is reproducible). */
export function worstFirst(images: readonly ImageScore[]): ImageScore[] {
  return [...images].sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Aggregates scored images: overall and per cell type, the mean of the images' MAP-IoU (as
 * `evaluateMapIou`), counts summed; images worst first. Throws for an empty list (a mean over
 * nothing) or a repeated id.
 */
export function summarizeScores(images: readonly ImageScore[]): ReportScores {
  if (images.length === 0) throw new Error('summarizeScores: no images; the mean over no images is undefined');
  const seen = new Set<string>();
  for (const image of images) {
    if (seen.has(image.id)) throw new Error(`summarizeScores: image id "${image.id}" appears twice`);
    seen.add(image.id);
  }
  const types = [...new Set(images.map((image) => image.cellType))].sort();
  const total = aggregate('all', images);
  return {
    mapIou: total.score,
    total,
    perCellType: types.map((type) => aggregate(type, images.filter((image) => image.cellType === type))),
    images: worstFirst(images),
  };
}

/** `scoreImage` on every input, then `summarizeScores`. */
export function scoreReport(inputs: readonly ReportImageInput[]): ReportScores {
  return summarizeScores(inputs.map(scoreImage));
}
