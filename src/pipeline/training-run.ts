/**
 * One training run on a dataset, as `cellmask train`, `cellmask tune` and the pipeline's
 * training stages do it:
 * the multi-scale loader with its worker threads, the held-out images for evaluation, and
 * `train()` resuming from the newest checkpoint of `outDir` when there is one.
 */
import type { CellmaskConfig } from '../config/index.js';
import type { TrainingDataset } from '../train/data/records.js';
import type { ProgressStream } from '../train/progress.js';
import type { TrainOptions, TrainResult } from '../train/trainer.js';

export interface TrainingRunOptions {
  readonly config: CellmaskConfig;
  readonly training: TrainingDataset;
  /** Evaluated every TEST.EVAL_PERIOD and at the end; none without. */
  readonly validation?: TrainingDataset;
  readonly outDir: string;
  /** Initial weights (safetensors), when not resuming; overrides MODEL.WEIGHTS. */
  readonly weights?: string;
  /** Continue from the newest checkpoint in `outDir` (default true). */
  readonly resume?: boolean;
  readonly log?: (message: string) => void;
  readonly progress?: ProgressStream;
  /** See `TrainOptions.onEvaluation` (a pruner's say after each evaluation). */
  readonly onEvaluation?: TrainOptions['onEvaluation'];
}

/**
 * Trains `config` on `training` into `outDir`. Needs TensorFlow.js with its gradients and a
 * backend set up (`useBackend(..., true)` in the CLI).
 */
export async function trainingRun(options: TrainingRunOptions): Promise<TrainResult> {
  const [{ train }, { validationSamples }, { TrainingLoader, trainingLoaderOptions }] = await Promise.all([
    import('../train/trainer.js'),
    import('../train/data/split.js'),
    import('../train/data/loader.js'),
  ]);
  const { config, training, validation } = options;
  return train({
    config,
    outDir: options.outDir,
    weights: options.weights,
    resume: options.resume ?? true,
    batches: (start, seed) => {
      const loader = new TrainingLoader(trainingLoaderOptions(config, training, { startIteration: start, seed }));
      return {
        next: async () => (await loader.nextBatch()).samples.map((s) => s.record),
        close: () => loader.close(),
      };
    },
    validation: validation === undefined ? undefined : () => validationSamples(validation),
    log: options.log,
    progress: options.progress,
    onEvaluation: options.onEvaluation,
  });
}
