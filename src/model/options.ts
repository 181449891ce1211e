/**
 * The one mapper from a config (Detectron2's keys) to the options of every inference stage.
 * Core ops never read the config; this is the only place that does, for inference.
 */
import type { CellmaskConfig } from '../config/index.js';
import { AnchorGenerator } from '../rpn/anchor-generator.js';
import type { MaskRcnnOptions } from './mask-rcnn.js';

/** Strides of P2..P6. */
const STRIDES = [4, 8, 16, 32, 64];
/** 1 / stride of P2..P5, the levels RoIs are pooled from. */
const POOLER_SCALES = [1 / 4, 1 / 8, 1 / 16, 1 / 32];

function rgbTriple(values: readonly number[], key: string): readonly [number, number, number] {
  if (values.length !== 3) throw new Error(`${key} must hold 3 values, got ${values.length}`);
  return [values[0], values[1], values[2]];
}

function format(value: string): 'BGR' | 'RGB' {
  if (value !== 'BGR' && value !== 'RGB') throw new Error(`INPUT.FORMAT must be "BGR" or "RGB", got "${value}"`);
  return value;
}

/** ROIAlignV2 (aligned) or ROIAlign (legacy); other pooler types are not implemented. */
function aligned(poolerType: string, key: string): boolean {
  if (poolerType === 'ROIAlignV2') return true;
  if (poolerType === 'ROIAlign') return false;
  throw new Error(`${key} must be "ROIAlignV2" or "ROIAlign", got "${poolerType}"`);
}

function boxWeights(values: readonly number[], key: string): readonly [number, number, number, number] {
  if (values.length !== 4) throw new Error(`${key} must hold 4 values, got ${values.length}`);
  return [values[0], values[1], values[2], values[3]];
}

/** Inference options of every stage from `cfg`. */
export function maskRcnnOptionsFromConfig(cfg: CellmaskConfig): MaskRcnnOptions {
  const { MODEL, INPUT, TEST } = cfg;
  const style = MODEL.CONVENTIONS;
  const box = MODEL.ROI_BOX_HEAD;
  const mask = MODEL.ROI_MASK_HEAD;
  return {
    preprocess: {
      minSize: INPUT.MIN_SIZE_TEST,
      maxSize: INPUT.MAX_SIZE_TEST,
      pixelMean: rgbTriple(MODEL.PIXEL_MEAN, 'MODEL.PIXEL_MEAN'),
      pixelStd: rgbTriple(MODEL.PIXEL_STD, 'MODEL.PIXEL_STD'),
      format: format(INPUT.FORMAT),
      sizeDivisibility: 32,
      style,
    },
    strideInOneByOne: MODEL.RESNETS.STRIDE_IN_1X1,
    fpn: { fuseType: MODEL.FPN.FUSE_TYPE === 'avg' ? 'avg' : 'sum' },
    proposals: {
      preNmsTopK: MODEL.RPN.PRE_NMS_TOPK_TEST,
      postNmsTopK: MODEL.RPN.POST_NMS_TOPK_TEST,
      nmsThresh: MODEL.RPN.NMS_THRESH,
      minSize: MODEL.PROPOSAL_GENERATOR.MIN_SIZE,
      boxWeights: boxWeights(MODEL.RPN.BBOX_REG_WEIGHTS, 'MODEL.RPN.BBOX_REG_WEIGHTS'),
      style,
    },
    boxPooler: {
      outputSize: [box.POOLER_RESOLUTION, box.POOLER_RESOLUTION],
      scales: POOLER_SCALES,
      samplingRatio: box.POOLER_SAMPLING_RATIO,
      aligned: aligned(box.POOLER_TYPE, 'MODEL.ROI_BOX_HEAD.POOLER_TYPE'),
      style,
    },
    detections: {
      scoreThresh: MODEL.ROI_HEADS.SCORE_THRESH_TEST,
      nmsThresh: MODEL.ROI_HEADS.NMS_THRESH_TEST,
      detectionsPerImage: TEST.DETECTIONS_PER_IMAGE,
      boxRegWeights: boxWeights(box.BBOX_REG_WEIGHTS, 'MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS'),
      style,
    },
    maskOn: MODEL.MASK_ON,
    maskPooler: {
      outputSize: [mask.POOLER_RESOLUTION, mask.POOLER_RESOLUTION],
      scales: POOLER_SCALES,
      samplingRatio: mask.POOLER_SAMPLING_RATIO,
      aligned: aligned(mask.POOLER_TYPE, 'MODEL.ROI_MASK_HEAD.POOLER_TYPE'),
      style,
    },
    paste: { threshold: 0.5, style },
    maskBatchSize: 512,
    postprocess: style,
  };
}

/** The anchor generator of `cfg` (`MODEL.ANCHOR_GENERATOR`), for P2..P6. */
export function anchorGeneratorFromConfig(cfg: CellmaskConfig): AnchorGenerator {
  const a = cfg.MODEL.ANCHOR_GENERATOR;
  return new AnchorGenerator({
    sizes: a.SIZES,
    aspectRatios: a.ASPECT_RATIOS,
    strides: STRIDES,
    offset: a.OFFSET,
    style: cfg.MODEL.CONVENTIONS,
  });
}
