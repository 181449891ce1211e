/**
 * The one mapper from a config (Detectron2's keys) to the options of a training step; the
 * inference stages' options come from the model's mapper (`maskRcnnOptionsFromConfig`).
 */
import type { CellmaskConfig } from '../config/index.js';
import { maskRcnnOptionsFromConfig } from '../model/options.js';
import type { BoxWeights } from '../rpn/box-coder.js';
import type { TrainingStepOptions } from './step.js';

function boxWeights(values: readonly number[], key: string): BoxWeights {
  if (values.length !== 4) throw new Error(`${key} must hold 4 values, got ${values.length}`);
  return [values[0], values[1], values[2], values[3]];
}

function smoothL1Only(type: string, key: string): void {
  if (type !== 'smooth_l1') throw new Error(`${key}: only "smooth_l1" is implemented, got "${type}"`);
}

/** Training-step options of `cfg`. */
export function trainingOptionsFromConfig(cfg: CellmaskConfig): TrainingStepOptions {
  const { MODEL } = cfg;
  const inference = maskRcnnOptionsFromConfig(cfg);
  const { RPN, ROI_HEADS, ROI_BOX_HEAD, ROI_MASK_HEAD } = MODEL;
  smoothL1Only(RPN.BBOX_REG_LOSS_TYPE, 'MODEL.RPN.BBOX_REG_LOSS_TYPE');
  smoothL1Only(ROI_BOX_HEAD.BBOX_REG_LOSS_TYPE, 'MODEL.ROI_BOX_HEAD.BBOX_REG_LOSS_TYPE');
  if (RPN.BOUNDARY_THRESH >= 0) throw new Error(`MODEL.RPN.BOUNDARY_THRESH: only -1 (keep every anchor) is implemented, got ${RPN.BOUNDARY_THRESH}`);
  if (!ROI_HEADS.PROPOSAL_APPEND_GT) throw new Error('MODEL.ROI_HEADS.PROPOSAL_APPEND_GT: only true is implemented');
  if (ROI_BOX_HEAD.TRAIN_ON_PRED_BOXES) throw new Error('MODEL.ROI_BOX_HEAD.TRAIN_ON_PRED_BOXES: only false is implemented');
  return {
    preprocess: { ...inference.preprocess, minSize: 0 },
    strideInOneByOne: inference.strideInOneByOne,
    fpn: inference.fpn,
    rpn: {
      thresholds: RPN.IOU_THRESHOLDS,
      labels: RPN.IOU_LABELS,
      batchSizePerImage: RPN.BATCH_SIZE_PER_IMAGE,
      positiveFraction: RPN.POSITIVE_FRACTION,
      boxWeights: boxWeights(RPN.BBOX_REG_WEIGHTS, 'MODEL.RPN.BBOX_REG_WEIGHTS'),
      smoothL1Beta: RPN.SMOOTH_L1_BETA,
      lossWeight: RPN.LOSS_WEIGHT,
      boxLossWeight: RPN.BBOX_REG_LOSS_WEIGHT,
    },
    proposals: { ...inference.proposals, preNmsTopK: RPN.PRE_NMS_TOPK_TRAIN, postNmsTopK: RPN.POST_NMS_TOPK_TRAIN },
    roiHeads: {
      thresholds: ROI_HEADS.IOU_THRESHOLDS,
      labels: ROI_HEADS.IOU_LABELS,
      batchSizePerImage: ROI_HEADS.BATCH_SIZE_PER_IMAGE,
      positiveFraction: ROI_HEADS.POSITIVE_FRACTION,
      boxWeights: boxWeights(ROI_BOX_HEAD.BBOX_REG_WEIGHTS, 'MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS'),
      numClasses: ROI_HEADS.NUM_CLASSES,
      smoothL1Beta: ROI_BOX_HEAD.SMOOTH_L1_BETA,
      boxLossWeight: ROI_BOX_HEAD.BBOX_REG_LOSS_WEIGHT,
    },
    boxPooler: inference.boxPooler,
    maskOn: inference.maskOn,
    maskPooler: inference.maskPooler,
    maskSize: 2 * ROI_MASK_HEAD.POOLER_RESOLUTION,
    style: MODEL.CONVENTIONS,
  };
}
