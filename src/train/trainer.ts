/**
 * The training loop, with the hooks of Detectron2's `DefaultTrainer`: the learning-rate
 * schedule, a checkpoint every `SOLVER.CHECKPOINT_PERIOD` iterations (`PeriodicCheckpointer`),
 * an evaluation every `TEST.EVAL_PERIOD` (`EvalHook`, also after the last iteration), a
 * JSON-lines metrics log (`metrics.json`, as its `JSONWriter`) and a progress line.
 *
 * Resuming (`resume: true`) continues from the newest checkpoint of `outDir` to the result an
 * uninterrupted run reaches: the weights, the momentum buffers and the sampling generator come
 * back from the checkpoint, and the data order and augmentation are functions of (seed,
 * iteration), so the same images come in the same order. Metric lines written after that
 * checkpoint are dropped from the log. A loss that is NaN or infinite stops training with an
 * error naming the iteration and the term; the checkpoints already written stay.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import { type CellmaskConfig, configToYaml } from '../config/index.js';
import { writeFileAtomic } from '../data/atomic.js';
import { MaskRcnn, anchorGeneratorFromConfig } from '../model/index.js';
import { writeTrainingCurves } from '../plot/index.js';
import { Random } from '../utils/random.js';
import { initWeights } from '../weights/index.js';
import type { WeightMap } from '../weights/weight-map.js';
import { type CheckpointState, checkpointName, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { type EvaluationResult, type ValidationSample, evaluateModel } from './evaluate.js';
import { trainingOptionsFromConfig } from './options.js';
import { isBiasParameter, isNormParameter, makeTrainable, requireGradients, trainableParameterNames } from './parameters.js';
import { ProgressLine, type ProgressStream, formatProgress } from './progress.js';
import { buildSolver, solverStep } from './solver.js';
import { type LossName, type TrainingImage, trainingStep } from './step.js';
import { trainingStepAsync } from './step-async.js';
import { type TransferReport, weightsFromCheckpoint } from './transfer.js';

/** Where the batches come from: iteration `start`, `start + 1`, ... in order. */
export interface BatchSource {
  next(): Promise<readonly TrainingImage[]>;
  close(): Promise<void> | void;
}

export interface TrainOptions {
  readonly config: CellmaskConfig;
  /** Checkpoints, `metrics.json`, `config.yaml` and the curves go here. */
  readonly outDir: string;
  /** The batches of iterations `start`, `start + 1`, ... for a run seeded with `seed`. */
  readonly batches: (start: number, seed: number) => BatchSource;
  /** Validation images at their own resolution with their ground truth (no evaluation without). */
  readonly validation?: () => Promise<readonly ValidationSample[]>;
  /** Initial weights (safetensors); overrides `MODEL.WEIGHTS`. Shapes that differ are re-initialized. */
  readonly weights?: string;
  /** Continue from the newest checkpoint in `outDir` when there is one. */
  readonly resume?: boolean;
  /** Messages for the user (stderr in the CLI). */
  readonly log?: (message: string) => void;
  /** Where the progress line goes (none without). */
  readonly progress?: ProgressStream;
  /**
   * Called after each evaluation (after its line is in `metrics.json`); returning true stops
   * training there, as a pruner does with an unpromising trial (`cellmask tune`). The weights of
   * that iteration are then written as its periodic checkpoint (`model_NNNNNNN`), not as
   * `model_final`. The answer after the last iteration's evaluation changes nothing: training
   * ends there anyway.
   */
  readonly onEvaluation?: (iteration: number, result: EvaluationResult) => boolean | Promise<boolean>;
}

export interface TrainResult {
  /** The iterations run in this call (0 when a finished run is resumed). */
  readonly iterationsRun: number;
  /** Path of the final weights: `model_final`, or the checkpoint written where training stopped early. */
  readonly finalWeights: string;
  readonly evaluations: readonly (EvaluationResult & { iteration: number })[];
  /** Set when `onEvaluation` stopped training before `SOLVER.MAX_ITER`: the last iteration run. */
  readonly stoppedEarly?: { readonly iteration: number };
  /** How the initial weights were loaded (absent when resumed or trained from scratch). */
  readonly transfer?: TransferReport;
}

/** Thrown when a loss term stops being finite. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly iteration: number,
    readonly term: string,
    readonly value: number,
  ) {
    super(`training diverged at iteration ${iteration}: ${term} is ${value}; the last checkpoint written is kept`);
  }
}

const METRICS = 'metrics.json';

/** The seed of a run: `SEED`, or one drawn from the clock when negative (Detectron2's -1). */
function runSeed(cfg: CellmaskConfig): number {
  return cfg.SEED >= 0 ? cfg.SEED : Date.now() % 2 ** 31;
}

/** The metric lines of `path` up to and including `iteration` (all of them when it is undefined). */
async function metricLinesUpTo(path: string, iteration: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    try {
      return (JSON.parse(line) as { iteration: number }).iteration <= iteration;
    } catch {
      return false; // a line cut short by a crash
    }
  });
}

/** Whether the active backend can read a tensor back synchronously (all but WebGPU). */
function readsSynchronously(): boolean {
  return tf.getBackend() !== 'webgpu';
}

/** Trains the model of `options.config`; see the module comment. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  requireGradients();
  const log = options.log ?? (() => {});
  const cfg = options.config;
  const { outDir } = options;
  await mkdir(outDir, { recursive: true });
  await writeFileAtomic(join(outDir, 'config.yaml'), configToYaml(cfg));
  const maxIter = cfg.SOLVER.MAX_ITER;
  const poolerResolution = cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION;

  // The starting point: a checkpoint of this run, or initial weights, or random ones.
  const resumed = options.resume ? await loadCheckpoint(outDir) : undefined;
  let seed: number;
  let start: number;
  let rng: Random;
  let initial: WeightMap;
  let transfer: TransferReport | undefined;
  if (resumed !== undefined) {
    seed = Number(resumed.state.extra?.seed ?? runSeed(cfg));
    start = resumed.state.iteration + 1;
    rng = Random.fromState(resumed.state.rng);
    initial = resumed.weights;
    log(`resuming from ${join(outDir, resumed.name)} at iteration ${start}`);
  } else {
    seed = runSeed(cfg);
    start = 0;
    const init = new Random(seed);
    const source = options.weights ?? cfg.MODEL.WEIGHTS;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      throw new Error(
        `MODEL.WEIGHTS is ${source}, a URL: cellmask reads local safetensors files only. Convert the checkpoint (docs/weights.md) ` +
          "and pass it with --weights FILE, or train from random weights with --set MODEL.WEIGHTS=''",
      );
    }
    if (source !== '') {
      const loaded = await weightsFromCheckpoint(cfg, source, init);
      initial = loaded.weights;
      transfer = loaded.report;
      log(`initialized from ${source}: ${transfer.loaded.length} tensors loaded`);
      for (const r of transfer.reinitialized) log(`  re-initialized ${r.name}: checkpoint [${r.checkpoint.join(', ')}], model [${r.model.join(', ')}]`);
      if (transfer.missing.length > 0) log(`  not in the checkpoint, initialized fresh: ${transfer.missing.join(', ')}`);
      if (transfer.unused.length > 0) log(`  in the checkpoint but not in the model: ${transfer.unused.join(', ')}`);
    } else {
      initial = initWeights(cfg, init);
      log('initialized with random weights');
    }
    rng = new Random(seed ^ 0x5eed);
  }

  const names = trainableParameterNames(initial, cfg.MODEL.BACKBONE.FREEZE_AT);
  const { weights, variables } = makeTrainable(initial, names);
  const solver = buildSolver(cfg.SOLVER, { isNorm: isNormParameter, isBias: isBiasParameter }, log);
  if (resumed !== undefined) {
    solver.optimizer.loadState(resumed.momentum as Map<string, tf.Tensor>);
    resumed.momentum.forEach((t) => t.dispose());
  }
  const anchors = anchorGeneratorFromConfig(cfg);
  const stepOptions = trainingOptionsFromConfig(cfg);
  const metricsPath = join(outDir, METRICS);
  // The log keeps what came before the starting point (a resumed run drops the lines of the work
  // it repeats), then grows by appending, one line per entry, as Detectron2's JSONWriter does; a
  // line cut short by a crash is dropped when the run resumes.
  const kept = await metricLinesUpTo(metricsPath, start - 1);
  await writeFileAtomic(metricsPath, kept.map((l) => `${l}\n`).join(''));
  const appendMetrics = (entry: Record<string, number>) => appendFile(metricsPath, `${JSON.stringify(entry)}\n`);

  const checkpoint = async (name: string, iteration: number) => {
    const momentum = solver.optimizer.state();
    try {
      const state: CheckpointState = { iteration, rng: rng.state(), config: cfg, extra: { seed, optimizer: 'SGD' } };
      await saveCheckpoint(outDir, name, weights, momentum, state, poolerResolution);
    } finally {
      momentum.forEach((t) => t.dispose());
    }
  };

  const evaluations: (EvaluationResult & { iteration: number })[] = [];
  let validation: readonly ValidationSample[] | undefined;
  /** Evaluates the model after `iteration`; resolves to true when `onEvaluation` asks to stop. */
  const evaluate = async (iteration: number): Promise<boolean> => {
    if (options.validation === undefined) return false;
    validation ??= await options.validation();
    const result = await evaluateModel(new MaskRcnn(weights, cfg), validation);
    evaluations.push({ ...result, iteration });
    await appendMetrics({ iteration, map_iou: result.map_iou, segm_AP: result.segm_AP, bbox_AP: result.bbox_AP });
    log(`iteration ${iteration}: validation MAP-IoU ${result.map_iou.toFixed(4)}, segm AP ${result.segm_AP.toFixed(4)}, bbox AP ${result.bbox_AP.toFixed(4)}`);
    return (await options.onEvaluation?.(iteration, result)) === true;
  };

  const progress = options.progress === undefined ? undefined : new ProgressLine(options.progress);
  const batches = options.batches(start, seed);
  const began = performance.now();
  let smoothed: number | undefined;
  let stoppedAt: number | undefined;
  try {
    for (let iteration = start; iteration < maxIter; iteration++) {
      const t0 = performance.now();
      const batch = await batches.next();
      const t1 = performance.now();
      // WebGPU in Node cannot read tensors back synchronously, which trainingStep does inside
      // tf.variableGrads; its asynchronous twin pays one more forward pass of the backbone for that.
      const { losses, grads } = readsSynchronously()
        ? trainingStep(weights, variables, anchors, batch, stepOptions, rng)
        : await trainingStepAsync(weights, variables, anchors, batch, stepOptions, rng);
      let lr: number;
      try {
        for (const [term, value] of Object.entries(losses)) {
          if (!Number.isFinite(value)) throw new TrainingDivergedError(iteration, term, value);
        }
        lr = solverStep(solver, variables, grads, iteration);
      } finally {
        grads.forEach((g) => g.dispose());
      }
      const seconds = (performance.now() - t0) / 1000;
      smoothed = smoothed === undefined ? seconds : 0.9 * smoothed + 0.1 * seconds;
      const total = Object.values(losses).reduce((s, v) => s + v, 0);
      await appendMetrics({ iteration, total_loss: total, ...(losses as Record<LossName, number>), lr, time: seconds, data_time: (t1 - t0) / 1000 });
      progress?.update(
        formatProgress({ iteration: iteration + 1, maxIter, elapsedSeconds: (performance.now() - began) / 1000, secondsPerIter: smoothed, losses, lr }),
      );
      const done = iteration + 1 === maxIter;
      if ((iteration + 1) % cfg.SOLVER.CHECKPOINT_PERIOD === 0 && !done) await checkpoint(checkpointName(iteration), iteration);
      const evaluated = (cfg.TEST.EVAL_PERIOD > 0 && (iteration + 1) % cfg.TEST.EVAL_PERIOD === 0) || done;
      if (evaluated && (await evaluate(iteration)) && !done) {
        stoppedAt = iteration;
        if ((iteration + 1) % cfg.SOLVER.CHECKPOINT_PERIOD !== 0) await checkpoint(checkpointName(iteration), iteration);
        break;
      }
    }
    if (stoppedAt === undefined && (start < maxIter || resumed?.name !== 'model_final')) await checkpoint('model_final', maxIter - 1);
  } finally {
    progress?.done();
    await batches.close();
    solver.optimizer.dispose();
    weights.forEach((t) => t.dispose());
  }
  await writeTrainingCurves(metricsPath, outDir);
  if (stoppedAt !== undefined) {
    const finalWeights = join(outDir, `${checkpointName(stoppedAt)}.safetensors`);
    return { iterationsRun: stoppedAt + 1 - start, finalWeights, evaluations, transfer, stoppedEarly: { iteration: stoppedAt } };
  }
  return { iterationsRun: Math.max(0, maxIter - start), finalWeights: join(outDir, 'model_final.safetensors'), evaluations, transfer };
}
