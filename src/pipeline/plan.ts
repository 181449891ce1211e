/**
 * What `cellmask reproduce` runs: the solution's two training configs, its folds and its
 * ensemble, at full scale (the presets `livecell_pretrain` and `sartorius_finetune`, as in
 * `../shared/seed/SOLUTION.md`) or at toy scale (the same recipe on the small network and
 * synthetic data, minutes on a CPU).
 */
import { type CellmaskConfig, getPreset, setConfigValues } from '../config/index.js';
import { type EnsembleMethod, SOLUTION_CLASS_THRESHOLDS, SOLUTION_MIN_PIXELS } from '../ensemble/index.js';

export const REPRODUCE_SCALES = ['full', 'toy'] as const;
export type ReproduceScale = (typeof REPRODUCE_SCALES)[number];

/** How the fold models' predictions are pooled (the solution's "ensemble by NMS"). */
export interface EnsemblePlan {
  /** `nms` (class-aware box NMS, the solution's), `mask-nms` or `wbf`. */
  readonly method: EnsembleMethod;
  readonly iouThreshold: number;
  /** Score threshold of each class, applied by each model's majority class per image. */
  readonly classThresholds: readonly number[];
  /** Minimum mask pixels of each class left after overlap removal. */
  readonly minPixels: readonly number[];
}

/** The synthetic data a toy run makes for itself (`cellmask synth`). */
export interface ToyDataPlan {
  /** Images of the competition-format training set, of the held-out test set, of the LIVECell-format pretraining set. */
  readonly trainImages: number;
  readonly testImages: number;
  readonly livecellImages: number;
  readonly height: number;
  readonly width: number;
  readonly seed: number;
}

export interface ReproducePlan {
  readonly scale: ReproduceScale;
  /** LIVECell pretraining (NUM_CLASSES 10, constant learning rate). */
  readonly pretrain: CellmaskConfig;
  /** Finetuning of each fold on the competition data (3 classes), from the pretrained weights. */
  readonly finetune: CellmaskConfig;
  /** Folds of the competition data, grouped by `sample_id`; one model per fold. */
  readonly folds: number;
  readonly ensemble: EnsemblePlan;
  /** Present at toy scale only. */
  readonly toyData?: ToyDataPlan;
}

const SOLUTION_ENSEMBLE: EnsemblePlan = {
  method: 'nms',
  iouThreshold: 0.4,
  classThresholds: SOLUTION_CLASS_THRESHOLDS,
  minPixels: SOLUTION_MIN_PIXELS,
};

/** Toy schedules, in iterations of one image: long enough that the fold models find cells. */
const TOY_PRETRAIN_ITERS = 200;
const TOY_FINETUNE_ITERS = 60;

/**
 * The finetune schedule's steps [13000, 17000, 20000, 22000, 23000] of 24000 iterations, scaled
 * to `maxIter`: the same shape of halvings on a shorter run.
 */
function scaledFinetuneSteps(maxIter: number): number[] {
  return [13000, 17000, 20000, 22000, 23000].map((step) => Math.round((step / 24000) * maxIter));
}

/**
 * The toy configs: `mask_rcnn_R_50_FPN_small` trained as the solution trained R-50-FPN, with
 * schedules cut to minutes. Pretraining keeps its constant learning rate and 10 classes;
 * finetuning its halvings (GAMMA 0.5) at the same fractions of the run, a short warmup, and one
 * evaluation of the held-out fold at the end. Weight init comes from the previous stage, so
 * MODEL.WEIGHTS is empty here.
 */
function toyConfigs(): { pretrain: CellmaskConfig; finetune: CellmaskConfig } {
  const small = getPreset('mask_rcnn_R_50_FPN_small');
  const pretrain = setConfigValues(small, [
    'MODEL.ROI_HEADS.NUM_CLASSES=10',
    `SOLVER.MAX_ITER=${TOY_PRETRAIN_ITERS}`,
    'SOLVER.STEPS=[]',
    'SOLVER.WARMUP_ITERS=50',
    `SOLVER.CHECKPOINT_PERIOD=${TOY_PRETRAIN_ITERS / 4}`,
    'TEST.EVAL_PERIOD=0',
    'TEST.DETECTIONS_PER_IMAGE=100',
    'DATASETS.TRAIN=["livecell_synth"]',
    'DATASETS.TEST=[]',
    'OUTPUT_DIR=pretrain',
  ]);
  const finetune = setConfigValues(small, [
    `SOLVER.MAX_ITER=${TOY_FINETUNE_ITERS}`,
    `SOLVER.STEPS=${JSON.stringify(scaledFinetuneSteps(TOY_FINETUNE_ITERS))}`,
    'SOLVER.GAMMA=0.5',
    'SOLVER.WARMUP_ITERS=5',
    'SOLVER.BASE_LR=0.005',
    `SOLVER.CHECKPOINT_PERIOD=${TOY_FINETUNE_ITERS / 2}`,
    `TEST.EVAL_PERIOD=${TOY_FINETUNE_ITERS}`,
    'DATASETS.TRAIN=["sartorius_synth_train"]',
    'DATASETS.TEST=["sartorius_synth_val"]',
    'OUTPUT_DIR=finetune',
  ]);
  return { pretrain, finetune };
}

/**
 * The plan of `scale`. Full: the presets as the solution set them (MODEL.WEIGHTS of pretraining
 * is the ImageNet R-50 that Detectron2 downloads; `reproduce` takes a converted file instead).
 * Toy: see `toyConfigs`, on 40 synthetic training images, 10 test images and 40 LIVECell-format
 * images of 260 x 352 px.
 */
export function reproducePlan(scale: ReproduceScale): ReproducePlan {
  if (scale === 'full') {
    return { scale, pretrain: getPreset('livecell_pretrain'), finetune: getPreset('sartorius_finetune'), folds: 5, ensemble: SOLUTION_ENSEMBLE };
  }
  if (scale !== 'toy') throw new Error(`reproducePlan: scale must be ${REPRODUCE_SCALES.join(' or ')}, got ${JSON.stringify(scale)}`);
  return {
    scale,
    ...toyConfigs(),
    folds: 5,
    ensemble: SOLUTION_ENSEMBLE,
    toyData: { trainImages: 40, testImages: 10, livecellImages: 40, height: 260, width: 352, seed: 2021 },
  };
}
