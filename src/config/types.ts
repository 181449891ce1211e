/**
 * The config tree: Detectron2's key names (`cfg.MODEL.ROI_HEADS.SCORE_THRESH_TEST`), read-only.
 *
 * Every key means what it means in Detectron2's `config/defaults.py`; `MODEL.CONVENTIONS` is
 * cellmask's own. Lists that Detectron2 writes as tuples are arrays here. Keys of Detectron2 that
 * a Mask R-CNN with FPN never reads (keypoints, RetinaNet, panoptic, ...) are not modelled; see
 * `DETECTRON2_UNMODELLED` for how files that contain them are read.
 */

/**
 * Whose conventions the network follows where Detectron2 and torchvision differ:
 * - `'detectron2'`: ROIAlignV2 (aligned), anchors as computed, BGR pixels in [0, 255] less
 *   `PIXEL_MEAN` over `PIXEL_STD`, background last in the box classifier, Detectron2's
 *   min-size filters and mask pasting.
 * - `'torchvision'`: torchvision 0.14's `maskrcnn_resnet50_fpn`: unaligned RoIAlign with
 *   sampling ratio 2, rounded cell anchors, RGB in [0, 1] normalised with ImageNet mean/std,
 *   its level mapper, min-size filters (1e-3 on proposals, 1e-2 on detections) and paste method.
 *   Weights keep Detectron2's class layout (the loader converts torchvision's).
 */
export type Conventions = 'detectron2' | 'torchvision';

/** `MODEL.BACKBONE`. */
export interface BackboneConfig {
  /** Detectron2's builder name; cellmask builds `build_resnet_fpn_backbone`. */
  readonly NAME: string;
  /** Stages frozen for training: 0 none, 1 the stem, 2 the stem and res2, ... up to 5. */
  readonly FREEZE_AT: number;
}

/** `MODEL.RESNETS`. */
export interface ResnetsConfig {
  /** 50, 101 or 152 (bottleneck blocks). */
  readonly DEPTH: number;
  /** Stages whose outputs the backbone returns (`res2`..`res5`). */
  readonly OUT_FEATURES: readonly string[];
  /** 1 for ResNet, more for ResNeXt. */
  readonly NUM_GROUPS: number;
  readonly WIDTH_PER_GROUP: number;
  /** Stride 2 in the first 1x1 conv of a block (MSRA/Detectron2) rather than in the 3x3 (torchvision). */
  readonly STRIDE_IN_1X1: boolean;
  readonly RES5_DILATION: number;
  readonly RES2_OUT_CHANNELS: number;
  readonly STEM_OUT_CHANNELS: number;
  /** `FrozenBN`, `BN`, `SyncBN`, `GN` or `''` (none). */
  readonly NORM: string;
}

/** `MODEL.FPN`. */
export interface FpnConfig {
  readonly IN_FEATURES: readonly string[];
  readonly OUT_CHANNELS: number;
  readonly NORM: string;
  /** `sum` or `avg`: how a lateral and the upsampled coarser level combine. */
  readonly FUSE_TYPE: string;
}

/** `MODEL.PROPOSAL_GENERATOR`. */
export interface ProposalGeneratorConfig {
  readonly NAME: string;
  /** Proposals with a side at or below this (pixels of the network input) are dropped. */
  readonly MIN_SIZE: number;
}

/** `MODEL.ANCHOR_GENERATOR`. */
export interface AnchorGeneratorConfig {
  readonly NAME: string;
  /** Anchor sizes (sqrt of area, input pixels): one list per feature level, or one list for all. */
  readonly SIZES: readonly (readonly number[])[];
  /** Height / width ratios: one list per feature level, or one list for all. */
  readonly ASPECT_RATIOS: readonly (readonly number[])[];
  /** Anchor centres at `(i + OFFSET) * stride`, OFFSET in [0, 1). */
  readonly OFFSET: number;
}

/** `MODEL.RPN`. */
export interface RpnConfig {
  readonly HEAD_NAME: string;
  readonly IN_FEATURES: readonly string[];
  /** Anchors past the image by more than this are ignored in training; negative keeps all. */
  readonly BOUNDARY_THRESH: number;
  readonly IOU_THRESHOLDS: readonly number[];
  readonly IOU_LABELS: readonly number[];
  readonly BATCH_SIZE_PER_IMAGE: number;
  readonly POSITIVE_FRACTION: number;
  readonly BBOX_REG_LOSS_TYPE: string;
  readonly BBOX_REG_LOSS_WEIGHT: number;
  /** Weights (wx, wy, ww, wh) of the anchor-to-box coder. */
  readonly BBOX_REG_WEIGHTS: readonly number[];
  readonly SMOOTH_L1_BETA: number;
  readonly LOSS_WEIGHT: number;
  /** Top-scoring anchors kept per feature level before NMS. */
  readonly PRE_NMS_TOPK_TRAIN: number;
  readonly PRE_NMS_TOPK_TEST: number;
  /** Proposals kept per image after NMS. */
  readonly POST_NMS_TOPK_TRAIN: number;
  readonly POST_NMS_TOPK_TEST: number;
  readonly NMS_THRESH: number;
  /** Channels of the RPN head's conv; `[-1]` means as many as its input. */
  readonly CONV_DIMS: readonly number[];
}

/** `MODEL.ROI_HEADS`. */
export interface RoiHeadsConfig {
  readonly NAME: string;
  /** Foreground classes; the background is not counted (torchvision's `num_classes` is this + 1). */
  readonly NUM_CLASSES: number;
  readonly IN_FEATURES: readonly string[];
  readonly IOU_THRESHOLDS: readonly number[];
  readonly IOU_LABELS: readonly number[];
  readonly BATCH_SIZE_PER_IMAGE: number;
  readonly POSITIVE_FRACTION: number;
  readonly SCORE_THRESH_TEST: number;
  readonly NMS_THRESH_TEST: number;
  readonly PROPOSAL_APPEND_GT: boolean;
}

/** `MODEL.ROI_BOX_HEAD`. */
export interface RoiBoxHeadConfig {
  readonly NAME: string;
  readonly BBOX_REG_LOSS_TYPE: string;
  readonly BBOX_REG_LOSS_WEIGHT: number;
  readonly BBOX_REG_WEIGHTS: readonly number[];
  readonly SMOOTH_L1_BETA: number;
  readonly POOLER_RESOLUTION: number;
  /** Samples per bin side; 0 means adaptive (ceil of the bin size). */
  readonly POOLER_SAMPLING_RATIO: number;
  /** `ROIAlignV2` (aligned, half-pixel shift) or `ROIAlign` (unaligned). */
  readonly POOLER_TYPE: string;
  readonly NUM_FC: number;
  readonly FC_DIM: number;
  readonly NUM_CONV: number;
  readonly CONV_DIM: number;
  readonly NORM: string;
  readonly CLS_AGNOSTIC_BBOX_REG: boolean;
  readonly TRAIN_ON_PRED_BOXES: boolean;
}

/** `MODEL.ROI_MASK_HEAD`. */
export interface RoiMaskHeadConfig {
  readonly NAME: string;
  readonly POOLER_RESOLUTION: number;
  readonly POOLER_SAMPLING_RATIO: number;
  readonly POOLER_TYPE: string;
  readonly NUM_CONV: number;
  readonly CONV_DIM: number;
  readonly NORM: string;
  readonly CLS_AGNOSTIC_MASK: boolean;
}

/** `MODEL`. */
export interface ModelConfig {
  /** cellmask's own key: whose conventions the network follows (see {@link Conventions}). */
  readonly CONVENTIONS: Conventions;
  readonly META_ARCHITECTURE: string;
  /** Path of the weights to load (safetensors), or `''`. */
  readonly WEIGHTS: string;
  readonly MASK_ON: boolean;
  /** Per-channel mean subtracted from the input, in `INPUT.FORMAT` channel order. */
  readonly PIXEL_MEAN: readonly number[];
  /** Per-channel divisor of the input, in `INPUT.FORMAT` channel order. */
  readonly PIXEL_STD: readonly number[];
  readonly BACKBONE: BackboneConfig;
  readonly RESNETS: ResnetsConfig;
  readonly FPN: FpnConfig;
  readonly PROPOSAL_GENERATOR: ProposalGeneratorConfig;
  readonly ANCHOR_GENERATOR: AnchorGeneratorConfig;
  readonly RPN: RpnConfig;
  readonly ROI_HEADS: RoiHeadsConfig;
  readonly ROI_BOX_HEAD: RoiBoxHeadConfig;
  readonly ROI_MASK_HEAD: RoiMaskHeadConfig;
}

/** `INPUT`. */
export interface InputConfig {
  /** Shortest-edge sizes for training: one picked per image (`choice`) or a `[min, max]` range. */
  readonly MIN_SIZE_TRAIN: readonly number[];
  /** `choice` or `range`. */
  readonly MIN_SIZE_TRAIN_SAMPLING: string;
  readonly MAX_SIZE_TRAIN: number;
  /** Shortest edge at test time; 0 disables resizing. */
  readonly MIN_SIZE_TEST: number;
  readonly MAX_SIZE_TEST: number;
  /** `horizontal`, `vertical` or `none`. */
  readonly RANDOM_FLIP: string;
  /** Channel order the model expects: `BGR`, `RGB` or `L`. */
  readonly FORMAT: string;
  /** `polygon` or `bitmask`. */
  readonly MASK_FORMAT: string;
}

/** `DATASETS`. */
export interface DatasetsConfig {
  readonly TRAIN: readonly string[];
  readonly TEST: readonly string[];
}

/** `DATALOADER`. */
export interface DataloaderConfig {
  readonly NUM_WORKERS: number;
  readonly ASPECT_RATIO_GROUPING: boolean;
  readonly SAMPLER_TRAIN: string;
  readonly REPEAT_THRESHOLD: number;
  readonly FILTER_EMPTY_ANNOTATIONS: boolean;
}

/** `SOLVER.CLIP_GRADIENTS`. */
export interface ClipGradientsConfig {
  readonly ENABLED: boolean;
  /** `value` or `norm`. */
  readonly CLIP_TYPE: string;
  readonly CLIP_VALUE: number;
  readonly NORM_TYPE: number;
}

/** `SOLVER`. */
export interface SolverConfig {
  readonly LR_SCHEDULER_NAME: string;
  readonly MAX_ITER: number;
  readonly BASE_LR: number;
  readonly MOMENTUM: number;
  readonly NESTEROV: boolean;
  readonly WEIGHT_DECAY: number;
  readonly WEIGHT_DECAY_NORM: number;
  readonly GAMMA: number;
  /** Iterations at which the learning rate is multiplied by `GAMMA`. */
  readonly STEPS: readonly number[];
  readonly WARMUP_FACTOR: number;
  readonly WARMUP_ITERS: number;
  /** `linear` or `constant`. */
  readonly WARMUP_METHOD: string;
  readonly CHECKPOINT_PERIOD: number;
  /** Images per batch over all workers. */
  readonly IMS_PER_BATCH: number;
  readonly BIAS_LR_FACTOR: number;
  readonly CLIP_GRADIENTS: ClipGradientsConfig;
}

/** `TEST`. */
export interface TestConfig {
  /** Iterations between evaluations in training; 0 evaluates only at the end. */
  readonly EVAL_PERIOD: number;
  readonly DETECTIONS_PER_IMAGE: number;
}

/** The whole config. */
export interface CellmaskConfig {
  /** Detectron2's config format version (2). */
  readonly VERSION: number;
  readonly MODEL: ModelConfig;
  readonly INPUT: InputConfig;
  readonly DATASETS: DatasetsConfig;
  readonly DATALOADER: DataloaderConfig;
  readonly SOLVER: SolverConfig;
  readonly TEST: TestConfig;
  readonly OUTPUT_DIR: string;
  /** Seed of every random choice; negative means one drawn at start (Detectron2's -1). */
  readonly SEED: number;
}
