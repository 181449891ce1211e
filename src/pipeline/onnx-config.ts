/**
 * Which config keys may differ from the one an ONNX export carries. The three graphs hold the
 * network (depth, widths, classes, poolers) and the weights; the runtime reads the rest of the
 * exported config in TypeScript. Of that rest, the keys below only choose how inference runs
 * (test size, thresholds, how many proposals and detections), so a run may set them; the others
 * either describe the graphs or belong to the weights (pixel statistics, anchors, box-regression
 * weights, conventions), and a different value would give wrong detections without an error.
 */
import { type CellmaskConfig, configKeys } from '../config/index.js';

/** The keys a run may change in an exported model's config (`cellmask predict --model ... --set`). */
export const ONNX_INFERENCE_KEYS: readonly string[] = [
  'INPUT.MIN_SIZE_TEST',
  'INPUT.MAX_SIZE_TEST',
  'MODEL.RPN.PRE_NMS_TOPK_TEST',
  'MODEL.RPN.POST_NMS_TOPK_TEST',
  'MODEL.RPN.NMS_THRESH',
  'MODEL.PROPOSAL_GENERATOR.MIN_SIZE',
  'MODEL.ROI_HEADS.SCORE_THRESH_TEST',
  'MODEL.ROI_HEADS.NMS_THRESH_TEST',
  'TEST.DETECTIONS_PER_IMAGE',
];

function valueAt(cfg: CellmaskConfig, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], cfg);
}

/** The keys, in schema order, whose values in `cfg` differ from `exported`'s other than `ONNX_INFERENCE_KEYS`. */
export function fixedKeysChanged(exported: CellmaskConfig, cfg: CellmaskConfig): string[] {
  return configKeys().filter((key) => !ONNX_INFERENCE_KEYS.includes(key) && JSON.stringify(valueAt(exported, key)) !== JSON.stringify(valueAt(cfg, key)));
}
