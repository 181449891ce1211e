/**
 * A tiny Sartorius-shaped dataset for the report and overlay CLI tests: three 12 x 16 grey
 * images, their train.csv, and predictions both as per-image JSON and as submission.csv.
 *
 *   a (shsy5y): truth 4x4 squares at (1,1) and (8,2); predicted the first exactly and 12 of the
 *               second's 16 pixels (IoU 0.75): precision 1 at IoU 0.50-0.70, 1/3 from 0.75: 2/3.
 *   b (shsy5y): truth a square at (2,2); predicted exactly plus a false positive at (10,6): 1/2.
 *   c (astro):  truth a square at the image corner (0,0); no prediction: 0.
 * MAP-IoU (2/3 + 1/2 + 0) / 3 = 7/18; shsy5y 7/12, astro 0; worst first c, b, a.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ndarray from 'ndarray';

import { writePng } from '../../src/data/image.js';
import { kaggleRleEncode } from '../../src/rle/index.js';

export const H = 12;
export const W = 16;
/** The grey value of every pixel of the fixture's images. */
export const GREY = 80;

/** Kaggle RLE of the rectangle of columns x1..x2-1 and rows y1..y2-1. */
export function rect(x1: number, y1: number, x2: number, y2: number): string {
  const mask = new Uint8Array(H * W);
  for (let y = y1; y < y2; y++) mask.fill(1, y * W + x1, y * W + x2);
  return kaggleRleEncode(mask, H, W);
}

export const TRUTH: Record<string, { cellType: string; masks: string[] }> = {
  a: { cellType: 'shsy5y', masks: [rect(1, 1, 5, 5), rect(8, 2, 12, 6)] },
  b: { cellType: 'shsy5y', masks: [rect(2, 2, 6, 6)] },
  c: { cellType: 'astro', masks: [rect(0, 0, 4, 4)] },
};

/** Predicted boxes (x1, y1, x2, y2) of a and b; each mask is its box filled. */
export const PREDICTED: Record<string, number[][]> = {
  a: [[1, 1, 5, 5], [8, 2, 12, 5]],
  b: [[2, 2, 6, 6], [10, 6, 14, 10]],
};

export const EXPECTED = { mapIou: 7 / 18, shsy5y: 7 / 12, astro: 0, order: ['c', 'b', 'a'], scores: { a: 2 / 3, b: 0.5, c: 0 } };

const HEADER = 'id,annotation,width,height,cell_type,plate_time,sample_date,sample_id,elapsed_timedelta';

/** The predictions of one image as `cellmask predict` writes them. */
export function predictionJson(boxes: number[][]): object {
  return {
    boxes,
    scores: boxes.map((_, i) => 0.9 - 0.1 * i),
    classes: boxes.map(() => 0),
    masks: boxes.map(([x1, y1, x2, y2]) => rect(x1, y1, x2, y2)),
    height: H,
    width: W,
  };
}

/** Writes the fixture under `dir`: train.csv, images/<id>.png, pred/<id>.json, submission.csv. */
export async function writeFixture(dir: string): Promise<{ truth: string; images: string; pred: string; submission: string }> {
  const truth = join(dir, 'train.csv');
  const rows = Object.entries(TRUTH).flatMap(([id, { cellType, masks }]) =>
    masks.map((m) => `${id},${m},${W},${H},${cellType},11h30m00s,2019-06-16,${id}_1,0 days 11:30:00`),
  );
  writeFileSync(truth, [HEADER, ...rows].join('\n') + '\n');
  const images = join(dir, 'images');
  mkdirSync(images);
  for (const id of Object.keys(TRUTH)) await writePng(join(images, `${id}.png`), ndarray(new Uint8Array(H * W).fill(GREY), [H, W]));
  const pred = join(dir, 'pred');
  mkdirSync(pred);
  for (const [id, boxes] of Object.entries(PREDICTED)) writeFileSync(join(pred, `${id}.json`), JSON.stringify(predictionJson(boxes)));
  const submission = join(dir, 'submission.csv');
  const lines = Object.entries(PREDICTED).flatMap(([id, boxes]) => boxes.map(([x1, y1, x2, y2]) => `${id},${rect(x1, y1, x2, y2)}`));
  writeFileSync(submission, ['id,predicted', ...lines].join('\n') + '\n');
  return { truth, images, pred, submission };
}
