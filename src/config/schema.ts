/**
 * The type of every config key, so that text (`--set`, YAML) is parsed and checked by what the
 * key holds rather than by the JavaScript type of its current value (which cannot tell `1` the
 * int from `1.0` the float).
 */
import type { CellmaskConfig } from './types.js';

/** The type of one config value. An array of strings is an enumeration of the allowed strings. */
export type LeafKind =
  | 'int'
  | 'float'
  | 'bool'
  | 'string'
  | 'int[]'
  | 'float[]'
  | 'string[]'
  | 'float[][]'
  | readonly string[];

/** A schema mirroring the config tree `T`, with a {@link LeafKind} at every leaf. */
export type SchemaOf<T> = {
  readonly [K in keyof T]: T[K] extends readonly (readonly number[])[]
    ? 'float[][]'
    : T[K] extends readonly number[]
      ? 'int[]' | 'float[]'
      : T[K] extends readonly string[]
        ? 'string[]'
        : T[K] extends number
          ? 'int' | 'float'
          : T[K] extends boolean
            ? 'bool'
            : T[K] extends string
              ? 'string' | readonly string[]
              : SchemaOf<T[K]>;
};

/** The kind of every key of {@link CellmaskConfig}. */
export const CONFIG_SCHEMA: SchemaOf<CellmaskConfig> = {
  VERSION: 'int',
  MODEL: {
    CONVENTIONS: ['detectron2', 'torchvision'],
    META_ARCHITECTURE: 'string',
    WEIGHTS: 'string',
    MASK_ON: 'bool',
    PIXEL_MEAN: 'float[]',
    PIXEL_STD: 'float[]',
    BACKBONE: { NAME: 'string', FREEZE_AT: 'int' },
    RESNETS: {
      DEPTH: 'int',
      OUT_FEATURES: 'string[]',
      NUM_GROUPS: 'int',
      WIDTH_PER_GROUP: 'int',
      STRIDE_IN_1X1: 'bool',
      RES5_DILATION: 'int',
      RES2_OUT_CHANNELS: 'int',
      STEM_OUT_CHANNELS: 'int',
      NORM: ['FrozenBN', 'BN', 'SyncBN', 'GN', ''],
    },
    FPN: { IN_FEATURES: 'string[]', OUT_CHANNELS: 'int', NORM: 'string', FUSE_TYPE: ['sum', 'avg'] },
    PROPOSAL_GENERATOR: { NAME: 'string', MIN_SIZE: 'float' },
    ANCHOR_GENERATOR: { NAME: 'string', SIZES: 'float[][]', ASPECT_RATIOS: 'float[][]', OFFSET: 'float' },
    RPN: {
      HEAD_NAME: 'string',
      IN_FEATURES: 'string[]',
      BOUNDARY_THRESH: 'int',
      IOU_THRESHOLDS: 'float[]',
      IOU_LABELS: 'int[]',
      BATCH_SIZE_PER_IMAGE: 'int',
      POSITIVE_FRACTION: 'float',
      BBOX_REG_LOSS_TYPE: ['smooth_l1', 'giou', 'diou', 'ciou'],
      BBOX_REG_LOSS_WEIGHT: 'float',
      BBOX_REG_WEIGHTS: 'float[]',
      SMOOTH_L1_BETA: 'float',
      LOSS_WEIGHT: 'float',
      PRE_NMS_TOPK_TRAIN: 'int',
      PRE_NMS_TOPK_TEST: 'int',
      POST_NMS_TOPK_TRAIN: 'int',
      POST_NMS_TOPK_TEST: 'int',
      NMS_THRESH: 'float',
      CONV_DIMS: 'int[]',
    },
    ROI_HEADS: {
      NAME: 'string',
      NUM_CLASSES: 'int',
      IN_FEATURES: 'string[]',
      IOU_THRESHOLDS: 'float[]',
      IOU_LABELS: 'int[]',
      BATCH_SIZE_PER_IMAGE: 'int',
      POSITIVE_FRACTION: 'float',
      SCORE_THRESH_TEST: 'float',
      NMS_THRESH_TEST: 'float',
      PROPOSAL_APPEND_GT: 'bool',
    },
    ROI_BOX_HEAD: {
      NAME: 'string',
      BBOX_REG_LOSS_TYPE: ['smooth_l1', 'giou', 'diou', 'ciou'],
      BBOX_REG_LOSS_WEIGHT: 'float',
      BBOX_REG_WEIGHTS: 'float[]',
      SMOOTH_L1_BETA: 'float',
      POOLER_RESOLUTION: 'int',
      POOLER_SAMPLING_RATIO: 'int',
      POOLER_TYPE: ['ROIAlignV2', 'ROIAlign'],
      NUM_FC: 'int',
      FC_DIM: 'int',
      NUM_CONV: 'int',
      CONV_DIM: 'int',
      NORM: 'string',
      CLS_AGNOSTIC_BBOX_REG: 'bool',
      TRAIN_ON_PRED_BOXES: 'bool',
    },
    ROI_MASK_HEAD: {
      NAME: 'string',
      POOLER_RESOLUTION: 'int',
      POOLER_SAMPLING_RATIO: 'int',
      POOLER_TYPE: ['ROIAlignV2', 'ROIAlign'],
      NUM_CONV: 'int',
      CONV_DIM: 'int',
      NORM: 'string',
      CLS_AGNOSTIC_MASK: 'bool',
    },
  },
  INPUT: {
    MIN_SIZE_TRAIN: 'int[]',
    MIN_SIZE_TRAIN_SAMPLING: ['choice', 'range'],
    MAX_SIZE_TRAIN: 'int',
    MIN_SIZE_TEST: 'int',
    MAX_SIZE_TEST: 'int',
    RANDOM_FLIP: ['horizontal', 'vertical', 'none'],
    FORMAT: ['BGR', 'RGB', 'L'],
    MASK_FORMAT: ['polygon', 'bitmask'],
  },
  DATASETS: { TRAIN: 'string[]', TEST: 'string[]' },
  DATALOADER: {
    NUM_WORKERS: 'int',
    ASPECT_RATIO_GROUPING: 'bool',
    SAMPLER_TRAIN: 'string',
    REPEAT_THRESHOLD: 'float',
    FILTER_EMPTY_ANNOTATIONS: 'bool',
  },
  SOLVER: {
    LR_SCHEDULER_NAME: 'string',
    MAX_ITER: 'int',
    BASE_LR: 'float',
    MOMENTUM: 'float',
    NESTEROV: 'bool',
    WEIGHT_DECAY: 'float',
    WEIGHT_DECAY_NORM: 'float',
    GAMMA: 'float',
    STEPS: 'int[]',
    WARMUP_FACTOR: 'float',
    WARMUP_ITERS: 'int',
    WARMUP_METHOD: ['linear', 'constant'],
    CHECKPOINT_PERIOD: 'int',
    IMS_PER_BATCH: 'int',
    BIAS_LR_FACTOR: 'float',
    CLIP_GRADIENTS: { ENABLED: 'bool', CLIP_TYPE: ['value', 'norm'], CLIP_VALUE: 'float', NORM_TYPE: 'float' },
  },
  TEST: { EVAL_PERIOD: 'int', DETECTIONS_PER_IMAGE: 'int' },
  OUTPUT_DIR: 'string',
  SEED: 'int',
};

/** Whether a schema node is a leaf (its kind) rather than a subtree. */
export function isLeafKind(node: unknown): node is LeafKind {
  return typeof node === 'string' || Array.isArray(node);
}

/** How a kind reads in error messages. */
export function kindName(kind: LeafKind): string {
  if (typeof kind !== 'string') return `one of ${kind.map((s) => JSON.stringify(s)).join(', ')}`;
  const names: Record<string, string> = {
    int: 'an integer',
    float: 'a number',
    bool: 'a boolean (True/False)',
    string: 'a string',
    'int[]': 'a list of integers',
    'float[]': 'a list of numbers',
    'string[]': 'a list of strings',
    'float[][]': 'a list of lists of numbers',
  };
  return names[kind];
}

/** Every key of the config as a dotted path (`MODEL.RPN.NMS_THRESH`), in schema order. */
export function configKeys(): string[] {
  const keys: string[] = [];
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(node)) {
      if (isLeafKind(v)) keys.push(prefix + k);
      else walk(v as Record<string, unknown>, `${prefix}${k}.`);
    }
  };
  walk(CONFIG_SCHEMA as unknown as Record<string, unknown>, '');
  return keys;
}

/** The kind of the key at `path`, or undefined when the config has no such key. */
export function kindOf(path: string): LeafKind | undefined {
  let node: unknown = CONFIG_SCHEMA;
  for (const part of path.split('.')) {
    if (isLeafKind(node) || node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return isLeafKind(node) ? node : undefined;
}
