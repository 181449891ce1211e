/**
 * `--set` values that make `mask_rcnn_R_50_FPN_small` tiny for the training tests: a network of a
 * few thousand parameters on 64-80 px inputs, where a step takes well under a second.
 */
import type { CellmaskConfig } from '../../src/config/index.js';
import { TrainingLoader, trainingLoaderOptions } from '../../src/train/data/loader.js';
import { openDataset, splitDataset, validationSamples } from '../../src/train/data/split.js';
import type { TrainOptions } from '../../src/train/trainer.js';
import { SMALL_NETWORK } from '../model/small-network.js';

export const TINY_TRAINING: readonly string[] = [
  ...SMALL_NETWORK,
  'MODEL.RPN.POST_NMS_TOPK_TRAIN=200',
  'MODEL.RPN.PRE_NMS_TOPK_TRAIN=400',
  'MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE=32',
  'INPUT.MIN_SIZE_TRAIN=(64, 80)',
  'INPUT.MAX_SIZE_TRAIN=128',
  'INPUT.MIN_SIZE_TEST=64',
  'INPUT.MAX_SIZE_TEST=128',
  'DATALOADER.NUM_WORKERS=0',
  'SOLVER.MAX_ITER=6',
  'SOLVER.WARMUP_ITERS=2',
  'SOLVER.STEPS=(4,)',
  'SOLVER.CHECKPOINT_PERIOD=2',
  'TEST.EVAL_PERIOD=3',
  'TEST.DETECTIONS_PER_IMAGE=50',
];

/**
 * The `train()` options of a run of `config` on the dataset in `data`, writing to `out`: fold 0
 * of `folds` held out and evaluated, batches from the training loader.
 */
export async function runOptions(config: CellmaskConfig, data: string, out: string, folds: number): Promise<TrainOptions> {
  const { training, validation } = splitDataset(await openDataset(data), folds, 0, 0);
  return {
    config,
    outDir: out,
    batches: (start, seed) => {
      const loader = new TrainingLoader(trainingLoaderOptions(config, training, { startIteration: start, seed }));
      return { next: async () => (await loader.nextBatch()).samples.map((s) => s.record), close: () => loader.close() };
    },
    validation: () => validationSamples(validation!),
  };
}
