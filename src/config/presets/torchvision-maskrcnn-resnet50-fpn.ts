/**
 * torchvision 0.14's `maskrcnn_resnet50_fpn()` in Detectron2's keys, every value written out, with
 * `MODEL.CONVENTIONS: 'torchvision'` so that torchvision-trained weights run as in torchvision.
 *
 * - Classes: torchvision's `num_classes=91` counts the background; Detectron2's NUM_CLASSES does
 *   not, so NUM_CLASSES is 90, and cellmask class k is torchvision label k + 1.
 * - Input: RGB, `(x / 255 - mean) / std` with ImageNet's mean (0.485, 0.456, 0.406) and std
 *   (0.229, 0.224, 0.225), written here as PIXEL_MEAN = 255 mean and PIXEL_STD = 255 std
 *   (the same map on [0, 255] pixels); min size 800 (train and test), max size 1333.
 * - Backbone: stride in the 3x3 conv (STRIDE_IN_1X1 false); FrozenBatchNorm and 3 trainable
 *   stages when built with weights (FREEZE_AT 2).
 * - RPN: 2000/1000 proposals per level before NMS (train/test), 2000/1000 per image after,
 *   NMS 0.7, proposals with a side below 1e-3 dropped, smooth-L1 beta 1/9.
 * - RoI heads: RoIAlign unaligned with sampling ratio 2 (7 x 7 boxes, 14 x 14 masks), box score
 *   threshold 0.05, NMS 0.5, 100 detections, smooth-L1 beta 1/9.
 * - The builder sets no training schedule; SOLVER and DATASETS are `mask_rcnn_R_50_FPN_3x`'s.
 */
import type { CellmaskConfig } from '../types.js';

export const torchvisionMaskrcnnResnet50Fpn: CellmaskConfig = {
  VERSION: 2,
  MODEL: {
    CONVENTIONS: 'torchvision',
    META_ARCHITECTURE: 'GeneralizedRCNN',
    WEIGHTS: '',
    MASK_ON: true,
    PIXEL_MEAN: [123.675, 116.28, 103.53],
    PIXEL_STD: [58.395, 57.12, 57.375],
    BACKBONE: { NAME: 'build_resnet_fpn_backbone', FREEZE_AT: 2 },
    RESNETS: {
      DEPTH: 50,
      OUT_FEATURES: ['res2', 'res3', 'res4', 'res5'],
      NUM_GROUPS: 1,
      WIDTH_PER_GROUP: 64,
      STRIDE_IN_1X1: false,
      RES5_DILATION: 1,
      RES2_OUT_CHANNELS: 256,
      STEM_OUT_CHANNELS: 64,
      NORM: 'FrozenBN',
    },
    FPN: { IN_FEATURES: ['res2', 'res3', 'res4', 'res5'], OUT_CHANNELS: 256, NORM: '', FUSE_TYPE: 'sum' },
    PROPOSAL_GENERATOR: { NAME: 'RPN', MIN_SIZE: 0.001 },
    ANCHOR_GENERATOR: {
      NAME: 'DefaultAnchorGenerator',
      SIZES: [[32], [64], [128], [256], [512]],
      ASPECT_RATIOS: [[0.5, 1.0, 2.0]],
      OFFSET: 0.0,
    },
    RPN: {
      HEAD_NAME: 'StandardRPNHead',
      IN_FEATURES: ['p2', 'p3', 'p4', 'p5', 'p6'],
      BOUNDARY_THRESH: -1,
      IOU_THRESHOLDS: [0.3, 0.7],
      IOU_LABELS: [0, -1, 1],
      BATCH_SIZE_PER_IMAGE: 256,
      POSITIVE_FRACTION: 0.5,
      BBOX_REG_LOSS_TYPE: 'smooth_l1',
      BBOX_REG_LOSS_WEIGHT: 1.0,
      BBOX_REG_WEIGHTS: [1.0, 1.0, 1.0, 1.0],
      SMOOTH_L1_BETA: 0.1111111111111111,
      LOSS_WEIGHT: 1.0,
      PRE_NMS_TOPK_TRAIN: 2000,
      PRE_NMS_TOPK_TEST: 1000,
      POST_NMS_TOPK_TRAIN: 2000,
      POST_NMS_TOPK_TEST: 1000,
      NMS_THRESH: 0.7,
      CONV_DIMS: [-1],
    },
    ROI_HEADS: {
      NAME: 'StandardROIHeads',
      NUM_CLASSES: 90,
      IN_FEATURES: ['p2', 'p3', 'p4', 'p5'],
      IOU_THRESHOLDS: [0.5],
      IOU_LABELS: [0, 1],
      BATCH_SIZE_PER_IMAGE: 512,
      POSITIVE_FRACTION: 0.25,
      SCORE_THRESH_TEST: 0.05,
      NMS_THRESH_TEST: 0.5,
      PROPOSAL_APPEND_GT: true,
    },
    ROI_BOX_HEAD: {
      NAME: 'FastRCNNConvFCHead',
      BBOX_REG_LOSS_TYPE: 'smooth_l1',
      BBOX_REG_LOSS_WEIGHT: 1.0,
      BBOX_REG_WEIGHTS: [10.0, 10.0, 5.0, 5.0],
      SMOOTH_L1_BETA: 0.1111111111111111,
      POOLER_RESOLUTION: 7,
      POOLER_SAMPLING_RATIO: 2,
      POOLER_TYPE: 'ROIAlign',
      NUM_FC: 2,
      FC_DIM: 1024,
      NUM_CONV: 0,
      CONV_DIM: 256,
      NORM: '',
      CLS_AGNOSTIC_BBOX_REG: false,
      TRAIN_ON_PRED_BOXES: false,
    },
    ROI_MASK_HEAD: {
      NAME: 'MaskRCNNConvUpsampleHead',
      POOLER_RESOLUTION: 14,
      POOLER_SAMPLING_RATIO: 2,
      POOLER_TYPE: 'ROIAlign',
      NUM_CONV: 4,
      CONV_DIM: 256,
      NORM: '',
      CLS_AGNOSTIC_MASK: false,
    },
  },
  INPUT: {
    MIN_SIZE_TRAIN: [800],
    MIN_SIZE_TRAIN_SAMPLING: 'choice',
    MAX_SIZE_TRAIN: 1333,
    MIN_SIZE_TEST: 800,
    MAX_SIZE_TEST: 1333,
    RANDOM_FLIP: 'horizontal',
    FORMAT: 'RGB',
    MASK_FORMAT: 'polygon',
  },
  DATASETS: { TRAIN: ['coco_2017_train'], TEST: ['coco_2017_val'] },
  DATALOADER: {
    NUM_WORKERS: 4,
    ASPECT_RATIO_GROUPING: true,
    SAMPLER_TRAIN: 'TrainingSampler',
    REPEAT_THRESHOLD: 0.0,
    FILTER_EMPTY_ANNOTATIONS: true,
  },
  SOLVER: {
    LR_SCHEDULER_NAME: 'WarmupMultiStepLR',
    MAX_ITER: 270000,
    BASE_LR: 0.02,
    MOMENTUM: 0.9,
    NESTEROV: false,
    WEIGHT_DECAY: 0.0001,
    WEIGHT_DECAY_NORM: 0.0,
    GAMMA: 0.1,
    STEPS: [210000, 250000],
    WARMUP_FACTOR: 0.001,
    WARMUP_ITERS: 1000,
    WARMUP_METHOD: 'linear',
    CHECKPOINT_PERIOD: 5000,
    IMS_PER_BATCH: 16,
    BIAS_LR_FACTOR: 1.0,
    CLIP_GRADIENTS: { ENABLED: false, CLIP_TYPE: 'value', CLIP_VALUE: 1.0, NORM_TYPE: 2.0 },
  },
  TEST: { EVAL_PERIOD: 0, DETECTIONS_PER_IMAGE: 100 },
  OUTPUT_DIR: './output',
  SEED: -1,
};
