/**
 * The whole non-neural part of the solution, end to end, on data this script makes itself:
 *
 *   1. synthesize a dataset in the competition's layout (DIR/data/train/*.png, train.csv);
 *   2. predict every image with two settings of a CLASSICAL baseline (examples/classical-baseline.ts;
 *      threshold + morphology + connected components, no neural network), standing in for the
 *      solution's Mask R-CNN models;
 *   3. per image, as the solution's inference: per model `applyClassThresholds` (0.17 / 0.30 /
 *      0.60 by the image's majority class), `poolDetections` of both models, `ensembleNms` (box
 *      IoU 0.4, class-aware), `removeOverlaps` (75 / 150 / 75 pixels), Kaggle RLE;
 *   4. write DIR/submission.csv, check it as the competition's scorer does, and score it with
 *      MAP-IoU against the truth, next to each model scored alone through the same steps.
 *
 * Do not expect the ensemble to beat both models here. NMS pools duplicates of the same cell;
 * it cannot choose between a whole cell and the fragments of it that a worse model returns
 * (their boxes overlap the whole cell's by less than IoU 0.4). On astrocytes model B breaks
 * bodies up and guesses SH-SY5Y, so the class-aware NMS keeps both models' detections and the
 * ensemble lands between the two. The solution ensembled folds of one strong model, whose
 * detections mostly agree.
 *
 * Usage: node --import tsx examples/toolkit-demo.ts [--out DIR] [--images N] [--seed S]
 * (defaults: demo/, 8 images, seed 0). The same options give the same files and scores.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CELL_TYPES,
  type SubmissionRow,
  loadTrainCsv,
  readPng,
  readSubmissionCsv,
  writeSubmissionCsv,
  writeSynthDataset,
} from '../src/data/index.js';
import {
  type Detections,
  SOLUTION_CLASS_THRESHOLDS,
  SOLUTION_MIN_PIXELS,
  applyClassThresholds,
  ensembleNms,
  poolDetections,
  removeOverlaps,
  validateSubmission,
} from '../src/ensemble/index.js';
import { type MapIouDatasetResult, evaluateMapIou } from '../src/metrics/index.js';
import { countsToKaggleRle, kaggleRleToCounts } from '../src/rle/index.js';
import { BASELINE_A, BASELINE_B, type ClassicalBaselineOptions, segmentClassical } from './classical-baseline.js';

/** Options of `runDemo`. */
export interface DemoOptions {
  /** Folder for everything written: `data/` (the synthetic dataset) and `submission.csv`. */
  readonly out: string;
  /** Number of synthetic images, >= 1. */
  readonly images: number;
  /** Seed of the synthetic data (the baseline itself draws nothing). */
  readonly seed: number;
  /** Image height; default 520, the competition's. */
  readonly height?: number;
  /** Image width; default 704, the competition's. */
  readonly width?: number;
  /** The two baseline settings standing in for two models; default `BASELINE_A`, `BASELINE_B`. */
  readonly models?: readonly [ClassicalBaselineOptions, ClassicalBaselineOptions];
}

/** MAP-IoU of one set of predictions: overall and per cell type (types present in the data). */
export interface DemoScore {
  readonly mapIou: number;
  readonly perCellType: Record<string, number>;
}

/** Per image: what the truth holds and what each step kept. */
export interface DemoImage {
  readonly id: string;
  readonly cellType: string;
  /** The cell type each model guessed from its components (see `guessCellType`). */
  readonly guessedA: string;
  readonly guessedB: string;
  readonly truthObjects: number;
  /** Detections of A and B before thresholds, and masks in the submission. */
  readonly detectionsA: number;
  readonly detectionsB: number;
  readonly submitted: number;
}

/** What `runDemo` did and measured. */
export interface DemoSummary {
  /** The truth, `DIR/data/train.csv`. */
  readonly truthCsv: string;
  /** The ensemble's submission, `DIR/submission.csv`. */
  readonly submissionCsv: string;
  readonly height: number;
  readonly width: number;
  readonly images: readonly DemoImage[];
  /** `validateSubmission`'s messages for the written file; empty means valid. */
  readonly problems: readonly string[];
  /** Model A alone, model B alone, and the ensemble (scored from submission.csv as read back). */
  readonly scores: { readonly modelA: DemoScore; readonly modelB: DemoScore; readonly ensemble: DemoScore };
  /** Wall time of each stage in milliseconds, in the order run. */
  readonly timingsMs: Readonly<Record<string, number>>;
}

const SOLUTION_ENSEMBLE_IOU = 0.4;

/**
 * The solution's post-processing of one image's detections from M models: per-model class
 * thresholds, pooling, ensemble NMS, overlap removal. M = 1 scores a model alone through the
 * same steps.
 */
function postProcess(perModel: readonly Detections[], timings?: Record<string, number>): Detections {
  const thresholded = timed(timings, 'class thresholds', () =>
    perModel.map((d) => applyClassThresholds(d, SOLUTION_CLASS_THRESHOLDS, { useMajorityClass: true })),
  );
  const kept = timed(timings, 'pool + ensemble NMS', () =>
    ensembleNms(poolDetections(thresholded), { iouThreshold: SOLUTION_ENSEMBLE_IOU }),
  );
  return timed(timings, 'remove overlaps', () =>
    removeOverlaps(kept, { minPixels: SOLUTION_MIN_PIXELS, useMajorityClass: true }).detections,
  );
}

/** Runs `fn`, adding its wall time to `timings[stage]` when timings are kept. */
function timed<T>(timings: Record<string, number> | undefined, stage: string, fn: () => T): T {
  const start = performance.now();
  const result = fn();
  if (timings !== undefined) timings[stage] = (timings[stage] ?? 0) + performance.now() - start;
  return result;
}

async function timedAsync<T>(timings: Record<string, number>, stage: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  timings[stage] = (timings[stage] ?? 0) + performance.now() - start;
  return result;
}

function toScore(result: MapIouDatasetResult): DemoScore {
  return { mapIou: result.mapIou, perCellType: result.perCellType };
}

/** Synthesizes, predicts, ensembles, writes, validates and scores; see this file's header. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { out, images, seed, height = 520, width = 704, models = [BASELINE_A, BASELINE_B] } = options;
  const timings: Record<string, number> = {};
  const dataDir = join(out, 'data');
  await mkdir(out, { recursive: true });

  await timedAsync(timings, 'synthesize dataset', () => writeSynthDataset({ out: dataDir, images, seed, height, width }));
  const truthCsv = join(dataDir, 'train.csv');
  const loaded = await timedAsync(timings, 'read train.csv + PNGs', async () => {
    const truthImages = await loadTrainCsv(truthCsv);
    return Promise.all(
      truthImages.map(async (image) => ({
        image,
        pixels: (await readPng(join(dataDir, 'train', `${image.id}.png`))).data,
        truth: image.rows.map((row) => kaggleRleToCounts(row.annotation, image.height, image.width)),
      })),
    );
  });

  const predict = (stage: string, settings: ClassicalBaselineOptions) =>
    timed(timings, stage, () => loaded.map(({ image, pixels }) => segmentClassical(pixels, image.height, image.width, settings)));
  const predictedA = predict('predict model A (classical)', models[0]);
  const predictedB = predict('predict model B (classical)', models[1]);

  const ensembled = loaded.map((_, i) => postProcess([predictedA[i].detections, predictedB[i].detections], timings));

  const submissionCsv = join(out, 'submission.csv');
  await timedAsync(timings, 'encode RLE + write CSV', () => {
    const rows: SubmissionRow[] = [];
    loaded.forEach(({ image }, i) => {
      const masks = ensembled[i].masks ?? [];
      if (masks.length === 0) rows.push({ id: image.id, predicted: '' });
      for (const counts of masks) rows.push({ id: image.id, predicted: countsToKaggleRle(counts) });
    });
    return writeSubmissionCsv(submissionCsv, rows);
  });

  const records = await readSubmissionCsv(submissionCsv);
  const problems = timed(timings, 'validate submission', () =>
    validateSubmission(records, { height, width }).map((p) => p.message),
  );

  const ensemble = timed(timings, 'score submission (MAP-IoU)', () => {
    const predicted = new Map<string, Uint32Array[]>();
    for (const { id, predicted: text } of records) {
      const masks = predicted.get(id) ?? [];
      predicted.set(id, masks);
      if (text !== '') masks.push(kaggleRleToCounts(text, height, width));
    }
    return evaluateMapIou(
      loaded.map(({ image, truth }) => ({ id: image.id, cellType: image.cellType, truth, pred: predicted.get(image.id) ?? [] })),
    );
  });
  const [modelA, modelB] = timed(timings, 'post-process + score A, B alone', () =>
    [predictedA, predictedB].map((predicted) =>
      evaluateMapIou(
        loaded.map(({ image, truth }, i) => ({
          id: image.id,
          cellType: image.cellType,
          truth,
          pred: postProcess([predicted[i].detections]).masks ?? [],
        })),
      ),
    ),
  );

  return {
    truthCsv,
    submissionCsv,
    height,
    width,
    images: loaded.map(({ image, truth }, i) => ({
      id: image.id,
      cellType: image.cellType,
      guessedA: CELL_TYPES[predictedA[i].cellType],
      guessedB: CELL_TYPES[predictedB[i].cellType],
      truthObjects: truth.length,
      detectionsA: predictedA[i].detections.scores.length,
      detectionsB: predictedB[i].detections.scores.length,
      submitted: ensembled[i].scores.length,
    })),
    problems,
    scores: { modelA: toScore(modelA), modelB: toScore(modelB), ensemble: toScore(ensemble) },
    timingsMs: timings,
  };
}

/** The summary as the text the command prints: validity, the score table, the timings. */
export function formatSummary(summary: DemoSummary): string {
  const lines: string[] = [];
  const counts = new Map<string, number>();
  for (const image of summary.images) counts.set(image.cellType, (counts.get(image.cellType) ?? 0) + 1);
  const types = CELL_TYPES.filter((t) => counts.has(t));
  const guessedA = summary.images.filter((im) => im.guessedA === im.cellType).length;
  const guessedB = summary.images.filter((im) => im.guessedB === im.cellType).length;
  lines.push(
    `${summary.images.length} images (${types.map((t) => `${counts.get(t)} ${t}`).join(', ')}), ` +
      `${summary.images.reduce((s, im) => s + im.truthObjects, 0)} true cells; ` +
      `cell type guessed right in ${guessedA} (model A) and ${guessedB} (model B) of ${summary.images.length} images`,
  );
  lines.push(`${summary.submissionCsv}: ${summary.images.reduce((s, im) => s + im.submitted, 0)} masks, ` +
    (summary.problems.length === 0 ? 'valid' : `${summary.problems.length} problem(s):`));
  for (const problem of summary.problems.slice(0, 10)) lines.push(`  ${problem}`);

  lines.push('', 'MAP-IoU (mean over images; the classical baseline is weak by design)');
  const header = ['', 'all', ...types.map((t) => `${t} (${counts.get(t)})`)];
  const rows = [
    header,
    ...(
      [
        ['model A alone', summary.scores.modelA],
        ['model B alone', summary.scores.modelB],
        ['ensemble (NMS 0.4)', summary.scores.ensemble],
      ] as const
    ).map(([name, score]) => [name, score.mapIou.toFixed(4), ...types.map((t) => score.perCellType[t].toFixed(4))]),
  ];
  lines.push(...table(rows));

  lines.push('', 'Timings');
  const timingRows = Object.entries(summary.timingsMs).map(([stage, ms]) => [stage, `${ms.toFixed(0)} ms`]);
  const total = Object.values(summary.timingsMs).reduce((s, ms) => s + ms, 0);
  lines.push(...table([...timingRows, ['total', `${total.toFixed(0)} ms`]]));
  return `${lines.join('\n')}\n`;
}

/** Rows of cells as aligned text: first column left-aligned, the others right-aligned. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

function parseCli(argv: string[]): DemoOptions {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, images: { type: 'string' }, seed: { type: 'string' } },
    strict: true,
  });
  const integer = (text: string | undefined, name: string, fallback: number, min: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${text}"`);
    return n;
  };
  return {
    out: values.out ?? 'demo',
    images: integer(values.images, 'images', 8, 1),
    seed: integer(values.seed, 'seed', 0, Number.MIN_SAFE_INTEGER),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const summary = await runDemo(parseCli(process.argv.slice(2)));
    process.stdout.write(formatSummary(summary));
    process.exitCode = summary.problems.length === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`toolkit-demo: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
