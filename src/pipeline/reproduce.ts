/**
 * The solution end to end (`cellmask reproduce`): LIVECell pretraining, finetuning of one model
 * per fold of the competition data (grouped by `sample_id`), prediction of the test images by
 * every fold model, the NMS ensemble with per-class thresholds and overlap removal,
 * `submission.csv`, its check, and its score when the test truth is known.
 *
 * Everything is written under `out`:
 *   data/                    the synthetic data of a toy run (competition/, test/, livecell/)
 *   pretrain/                LIVECell pretraining: checkpoints, metrics.json, curves, model_final
 *   finetune/fold-K/         finetuning with fold K held out
 *   predictions/fold-K/      fold K's model on the test images, <id>.json per image (and, with
 *                            test truth, submission.csv of the model alone, to score it)
 *   ensemble/                the ensembled detections, <id>.json per image
 *   submission.csv           what the competition takes
 *   submission-check.json    its validation (run-length text, no overlaps)
 *   scores.json              with test truth: each fold model alone, and the ensemble
 *   report/                  with test truth: the ensemble's HTML report (index.html, overlays/)
 *   reproduce.json           the stages: what ran, and how long each took
 * Each stage is skipped when its outputs exist; training stages resume from their checkpoints.
 */
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { CellmaskConfig } from '../config/index.js';
import { pathExists, writeFileAtomic } from '../data/atomic.js';
import { listImages } from '../data/dataset.js';
import { type SubmissionRow, readSubmissionCsv, writeSubmissionCsv } from '../data/submission.js';
import { solutionEnsemble, validateSubmission } from '../ensemble/index.js';
import type { MapIouDatasetResult } from '../metrics/index.js';
import type { BackendName } from '../backend/index.js';
import { imageId, predictionJson, readPredictionFile, submissionRows } from '../data/prediction-files.js';
import type { ProgressStream } from '../train/progress.js';
import { type CompetitionInputs, competitionInputs, livecellInputs, toyDataLayout, writeToyData } from './inputs.js';
import type { ReproducePlan } from './plan.js';
import { predictImages } from './predict-batch.js';
import { scoreSubmission } from './score.js';
import { type Journal, type Stage, runStages } from './stages.js';
import { trainingRun } from './training-run.js';

export interface ReproduceOptions {
  readonly plan: ReproducePlan;
  readonly out: string;
  /** The competition's folder (train.csv, train/, test/); made by the run itself at toy scale when absent. */
  readonly data?: string;
  /** LIVECell (see `livecellInputs`); without it (and without `pretrained`) finetuning starts from `initWeights`. */
  readonly livecell?: string;
  /** Weights already pretrained on LIVECell: no pretraining stage. */
  readonly pretrained?: string;
  /** Initial weights of pretraining (the solution's: ImageNet R-50, converted to safetensors). */
  readonly initWeights?: string;
  /** Images to predict (default `<data>/test`), and their truth in train.csv's format, if known. */
  readonly test?: string;
  readonly testTruth?: string;
  /** How the test images are predicted (see `predictImages`). */
  readonly predict?: { readonly backend?: BackendName; readonly workers?: number; readonly threadsPerWorker?: number };
  readonly log?: (message: string) => void;
  /** Where the training progress line goes. */
  readonly progress?: ProgressStream;
}

/** One model's score on the test images, and on its held-out fold. */
export interface FoldScore {
  readonly fold: number;
  /** MAP-IoU of the last evaluation on the fold the model did not train on. */
  readonly validationMapIou?: number;
  /** MAP-IoU of the model alone on the test images, after the same thresholds and overlap removal. */
  readonly testMapIou: number;
}

export interface ReproduceScores {
  readonly folds: readonly FoldScore[];
  readonly ensemble: { readonly mapIou: number; readonly perCellType: Record<string, number> };
}

export interface ReproduceResult {
  readonly submission: string;
  readonly journal: Journal;
  /** Present when the test truth is known. */
  readonly scores?: ReproduceScores;
}


/** Whether `dir` holds `<id>.json` for every image of `images` (PNG paths). */
async function hasPredictions(dir: string, images: readonly string[]): Promise<boolean> {
  let names: Set<string>;
  try {
    names = new Set(await readdir(dir));
  } catch {
    return false;
  }
  return images.every((path) => names.has(`${imageId(path)}.json`));
}

/**
 * Ensembles the models of `dirs` (one `<id>.json` per image each, as predict writes them) image
 * by image with the plan's settings; writes `<id>.json` per image to `jsonDir` (when given) and
 * the submission to `csv` (last).
 */
async function ensembleToFiles(plan: ReproducePlan, dirs: readonly string[], images: readonly string[], csv: string, jsonDir?: string): Promise<void> {
  const { method, iouThreshold, classThresholds, minPixels } = plan.ensemble;
  const rows: SubmissionRow[] = [];
  if (jsonDir !== undefined) await mkdir(jsonDir, { recursive: true });
  for (const path of images) {
    const id = imageId(path);
    const perModel = await Promise.all(dirs.map((dir) => readPredictionFile(join(dir, `${id}.json`))));
    const result = solutionEnsemble(perModel, { method, iouThreshold, classThresholds, minPixels });
    if (jsonDir !== undefined) await writeFileAtomic(join(jsonDir, `${id}.json`), `${JSON.stringify(predictionJson(result))}\n`);
    rows.push(...submissionRows(id, result));
  }
  await writeSubmissionCsv(csv, rows);
}

/** The last validation MAP-IoU in a training run's `metrics.json`, if it evaluated. */
async function lastValidation(runDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(runDir, 'metrics.json'), 'utf8');
  } catch {
    return undefined;
  }
  let last: number | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as { map_iou?: number };
      if (typeof entry.map_iou === 'number') last = entry.map_iou;
    } catch {
      // a line cut short by a crash
    }
  }
  return last;
}

function withoutWeights(cfg: CellmaskConfig): CellmaskConfig {
  return { ...cfg, MODEL: { ...cfg.MODEL, WEIGHTS: '' } };
}

/** Runs the pipeline; see the module comment. Needs TensorFlow.js set up for training. */
export async function reproduce(options: ReproduceOptions): Promise<ReproduceResult> {
  const { plan, out } = options;
  const log = options.log ?? (() => {});
  const dirs = {
    data: join(out, 'data'),
    pretrain: join(out, 'pretrain'),
    fold: (k: number) => join(out, 'finetune', `fold-${k}`),
    predictions: (k: number) => join(out, 'predictions', `fold-${k}`),
    ensemble: join(out, 'ensemble'),
  };
  const files = {
    submission: join(out, 'submission.csv'),
    check: join(out, 'submission-check.json'),
    scores: join(out, 'scores.json'),
    journal: join(out, 'reproduce.json'),
  };
  // Without --data the run makes its own (toy) data; it exists only after the first stage.
  const synthesize = options.data === undefined;
  if (synthesize && plan.toyData === undefined) throw new Error('reproduce: --data is required at full scale (the competition\'s folder)');
  const toyLayout = toyDataLayout(dirs.data);
  const competition = async (): Promise<CompetitionInputs> =>
    synthesize ? toyLayout : competitionInputs(options.data!, options.test, options.testTruth);
  const livecell = synthesize ? toyLayout.livecell : options.livecell;
  const pretraining = options.pretrained === undefined && livecell !== undefined;
  const pretrainedWeights = pretraining ? join(dirs.pretrain, 'model_final.safetensors') : (options.pretrained ?? options.initWeights);
  if (pretrainedWeights === undefined) {
    throw new Error('reproduce: finetuning starts from LIVECell-pretrained weights: give --livecell DIR to pretrain, or --pretrained FILE');
  }
  if (pretraining && options.initWeights === undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(plan.pretrain.MODEL.WEIGHTS)) {
    throw new Error(
      `reproduce: pretraining starts from MODEL.WEIGHTS = ${plan.pretrain.MODEL.WEIGHTS}, which cellmask cannot download: ` +
        'convert it to safetensors (docs/weights.md) and give it with --init-weights FILE',
    );
  }
  const testImages = async () => listImages((await competition()).testImages, ['.png']);
  const folds = Array.from({ length: plan.folds }, (_, k) => k);

  const stages: Stage[] = [];
  if (synthesize) {
    stages.push({
      name: 'data',
      description: `synthesize the toy data (${plan.toyData!.trainImages} training, ${plan.toyData!.testImages} test, ${plan.toyData!.livecellImages} LIVECell-format images)`,
      isDone: () => pathExists(dirs.data),
      run: () => writeToyData(dirs.data, plan.toyData!),
    });
  }
  if (pretraining) {
    stages.push({
      name: 'pretrain',
      description: `pretrain on LIVECell (${plan.pretrain.SOLVER.MAX_ITER} iterations)`,
      isDone: () => pathExists(join(dirs.pretrain, 'model_final.safetensors')),
      run: async () => {
        const { training, validation } = await livecellInputs(livecell!);
        const config = options.initWeights !== undefined ? withoutWeights(plan.pretrain) : plan.pretrain;
        await trainingRun({ config, training, validation, outDir: dirs.pretrain, weights: options.initWeights, log, progress: options.progress });
      },
    });
  }
  for (const k of folds) {
    stages.push({
      name: `finetune/fold-${k}`,
      description: `finetune with fold ${k} of ${plan.folds} held out (${plan.finetune.SOLVER.MAX_ITER} iterations)`,
      isDone: () => pathExists(join(dirs.fold(k), 'model_final.safetensors')),
      run: async () => {
        const { openDataset, splitDataset } = await import('../train/data/split.js');
        const dataset = await openDataset((await competition()).data);
        const seed = plan.finetune.SEED >= 0 ? plan.finetune.SEED : 0;
        const { training, validation } = splitDataset(dataset, plan.folds, k, seed);
        await trainingRun({
          config: withoutWeights(plan.finetune),
          training,
          validation,
          outDir: dirs.fold(k),
          weights: pretrainedWeights,
          log,
          progress: options.progress,
        });
      },
    });
  }
  for (const k of folds) {
    stages.push({
      name: `predict/fold-${k}`,
      description: `predict the test images with fold ${k}'s model`,
      isDone: async () => hasPredictions(dirs.predictions(k), await testImages()),
      run: async () => {
        const result = await predictImages({
          weights: join(dirs.fold(k), 'model_final.safetensors'),
          config: plan.finetune,
          images: await testImages(),
          out: dirs.predictions(k),
          skipExisting: true,
          ...options.predict,
          onWarning: (message) => log(`warning: ${message}`),
        });
        log(`  ${result.predicted} image(s) predicted in ${result.seconds.toFixed(1)} s on ${result.workers} worker(s), ${result.backend ?? '-'}: ${result.detections} detections`);
      },
    });
  }
  stages.push({
    name: 'ensemble',
    description: `ensemble the ${plan.folds} fold models (${plan.ensemble.method}, IoU ${plan.ensemble.iouThreshold}), remove overlaps, write submission.csv`,
    isDone: () => pathExists(files.submission),
    run: async () => ensembleToFiles(plan, folds.map(dirs.predictions), await testImages(), files.submission, dirs.ensemble),
  });
  stages.push({
    name: 'validate',
    description: 'check submission.csv (run-length text, no overlapping masks)',
    isDone: () => pathExists(files.check),
    run: async () => {
      const rows = await readSubmissionCsv(files.submission);
      const images = await testImages();
      const { readPng } = await import('../data/image.js');
      const [height, width] = (await readPng(images[0])).shape;
      const problems = validateSubmission(rows, { height, width });
      await writeFileAtomic(files.check, `${JSON.stringify({ ok: problems.length === 0, rows: rows.length, problems }, null, 2)}\n`);
      if (problems.length > 0) throw new Error(`${files.submission} has ${problems.length} problem(s), the first: ${problems[0].message}`);
    },
  });
  const truth = synthesize ? toyLayout.testTruth : options.testTruth;
  if (truth !== undefined) {
    stages.push({
      name: 'score',
      description: 'score each fold model and the ensemble on the test truth (MAP-IoU)',
      isDone: () => pathExists(files.scores),
      run: async () => {
        const images = await testImages();
        const perFold: FoldScore[] = [];
        for (const k of folds) {
          const single = join(dirs.predictions(k), 'submission.csv');
          await ensembleToFiles(plan, [dirs.predictions(k)], images, single);
          const validationMapIou = await lastValidation(dirs.fold(k));
          perFold.push({ fold: k, ...(validationMapIou !== undefined ? { validationMapIou } : {}), testMapIou: (await scoreSubmission(truth, single)).mapIou });
        }
        const ensemble: MapIouDatasetResult = await scoreSubmission(truth, files.submission);
        const scores: ReproduceScores = { folds: perFold, ensemble: { mapIou: ensemble.mapIou, perCellType: ensemble.perCellType } };
        await writeFileAtomic(files.scores, `${JSON.stringify(scores, null, 2)}\n`);
      },
    });
  }

  if (truth !== undefined) {
    stages.push({
      name: 'report',
      description: 'write the HTML report of the ensemble against the test truth (report/index.html)',
      isDone: () => pathExists(join(out, 'report', 'index.html')),
      run: async () => {
        const { writeReport } = await import('../report/write-report.js');
        await writeReport({
          pred: dirs.ensemble,
          truth,
          images: (await competition()).testImages,
          out: join(out, 'report'),
          title: `cellmask reproduce (${plan.scale} scale): the ensemble of ${plan.folds} fold models on the test images`,
        });
      },
    });
  }

  const journal = await runStages(stages, { journal: files.journal, log });
  const scores = truth === undefined ? undefined : (JSON.parse(await readFile(files.scores, 'utf8')) as ReproduceScores);
  return { submission: files.submission, journal, ...(scores !== undefined ? { scores } : {}) };
}
