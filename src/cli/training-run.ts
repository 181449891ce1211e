/**
 * One training run as `cellmask train` does it, shared with `cellmask tune` (one run per
 * trial): the data of `--data` split into `--folds` with `--fold` held out, the trainer fed by
 * the training loader, messages to stderr. The backend is set up by the caller, once.
 */
import type { CellmaskConfig } from '../config/index.js';
import type { EvaluationResult } from '../train/evaluate.js';
import type { TrainResult } from '../train/trainer.js';
import type { CommandIO } from './command.js';

export interface TrainingRunOptions {
  readonly config: CellmaskConfig;
  /** The dataset directory (`--data`). */
  readonly data: string;
  /** Where checkpoints, metrics and curves go (`--out`, or a trial's directory). */
  readonly out: string;
  readonly folds: number;
  readonly fold: number;
  /** The backend in words, for the first message. */
  readonly backendInfo: string;
  readonly io: CommandIO;
  readonly weights?: string;
  readonly resume?: boolean;
  /** See `TrainOptions.onEvaluation`. */
  readonly onEvaluation?: (iteration: number, result: EvaluationResult) => boolean | Promise<boolean>;
}

/** Trains `config` on the training folds of `data`, validating on the held-out fold. */
export async function runTraining(options: TrainingRunOptions): Promise<TrainResult> {
  const { config: cfg, io } = options;
  const [{ openDataset, splitDataset }, { trainingRun }] = await Promise.all([import('../train/data/split.js'), import('../pipeline/training-run.js')]);
  const dataset = await openDataset(options.data);
  const { training, validation } = splitDataset(dataset, options.folds, options.fold, cfg.SEED >= 0 ? cfg.SEED : 0);
  io.stderr(`training on ${training.size} image(s), validating on ${validation?.size ?? 0}, ${options.backendInfo}\n`);
  return trainingRun({
    config: cfg,
    training,
    validation,
    outDir: options.out,
    weights: options.weights,
    resume: options.resume === true,
    log: (message) => io.stderr(`${message}\n`),
    progress: process.stderr,
    onEvaluation: options.onEvaluation,
  });
}
