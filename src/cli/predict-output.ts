/**
 * What `cellmask predict` reads and writes, free of TensorFlow.js: a decoded PNG as the model's
 * `Picture`, and one image's detections as the per-image JSON that `cellmask ensemble` reads or
 * as `submission.csv` rows.
 */
import { basename, extname } from 'node:path';

import type { ImageArray } from '../data/image.js';
import type { SubmissionRow } from '../data/submission.js';
import type { Detections } from '../ensemble/detections.js';
import type { Picture } from '../model/preprocess.js';
import { countsToKaggleRle, rleArea } from '../rle/index.js';

/** One image's predictions as written to `<id>.json`, keys in this order. */
export interface PredictionJson {
  /** `[x1, y1, x2, y2]` in absolute pixels, rounded to 0.01 px. */
  readonly boxes: number[][];
  /** Confidences rounded to 5 significant digits. */
  readonly scores: number[];
  /** Class ids (0 shsy5y, 1 astro, 2 cort in the competition). */
  readonly classes: number[];
  /** Kaggle run-length text of each mask (row-major, 1-indexed `start length` pairs). */
  readonly masks: string[];
  readonly height: number;
  readonly width: number;
}

/** The image id of a file: its name without the extension (`dir/abc.png` -> `abc`). */
export function imageId(path: string): string {
  return basename(path, extname(path));
}

/**
 * A PNG decoded by `readPng` (dense [H, W] or [H, W, C]) as the model's `Picture`: grey and RGB
 * as they are, RGBA with its alpha (the model ignores it), grey+alpha reduced to grey.
 * @throws Error naming `path` for 16-bit samples: the network was trained on 8-bit images, and
 *   a 16-bit file may hold 12 or 16 significant bits, so no scaling is guessed.
 */
export function pictureFromPng(image: ImageArray, path: string): Picture {
  const [height, width] = image.shape;
  const channels = image.shape.length === 3 ? image.shape[2] : 1;
  if (!(image.data instanceof Uint8Array)) {
    throw new Error(`${path}: 16-bit PNG; predict reads 8-bit grey or RGB images (the competition's are 8-bit): convert it to 8 bits first`);
  }
  if (channels !== 2) return { data: image.data, height, width, channels };
  const grey = new Uint8Array(height * width);
  for (let i = 0; i < grey.length; i++) grey[i] = image.data[2 * i];
  return { data: grey, height, width, channels: 1 };
}

/** `value` rounded to 0.01 (boxes: finer than any mask can show). */
function roundCoordinate(value: number): number {
  return Math.round(value * 100) / 100;
}

/** `value` to 5 significant digits: float32 scores carry about 7, and no ranking needs more. */
function roundScore(value: number): number {
  return Number(value.toPrecision(5));
}

/**
 * The JSON of one image's detections (see {@link PredictionJson} for the rounding).
 * @throws Error when the detections have no masks.
 */
export function predictionJson(dets: Detections): PredictionJson {
  if (dets.masks === undefined) throw new Error('predictionJson: the detections have no masks (MODEL.MASK_ON is off)');
  const n = dets.scores.length;
  // [N * 4] -> N x [x1, y1, x2, y2]
  const boxes = Array.from({ length: n }, (_, i) => Array.from(dets.boxes.subarray(4 * i, 4 * i + 4), roundCoordinate));
  return {
    boxes,
    scores: Array.from(dets.scores, roundScore),
    classes: Array.from(dets.classes),
    masks: dets.masks.map(countsToKaggleRle),
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
