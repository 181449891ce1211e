/**
 * `MODEL.BACKBONE.FREEZE_AT`, as Detectron2's `ResNet.freeze` applies it: 0 freezes nothing,
 * 1 the stem, 2 the stem and res2, ... 5 the whole body (larger values change nothing more).
 * `mask_rcnn_R_50_FPN_3x` uses 2.
 */
import type { WeightMap } from '../weights/weight-map.js';
import { RESNET_STAGES } from './resnet-spec.js';

/**
 * The names in `weights` that `freezeAt` keeps fixed during training: every tensor under
 * `<prefix>.stem.` when `freezeAt >= 1` and under `<prefix>.res{k}.` when `freezeAt >= k`,
 * in the order of `weights`. This covers conv kernels and biases (folded or not) and the
 * FrozenBatchNorm tensors of those layers; FrozenBatchNorm tensors elsewhere are fixed too
 * (Detectron2 stores them as buffers, not parameters), which this function does not decide.
 * @throws Error when `freezeAt` is not a non-negative integer.
 */
export function frozenParameterNames(weights: WeightMap, freezeAt: number, prefix = 'backbone.bottom_up'): string[] {
  if (!Number.isInteger(freezeAt) || freezeAt < 0) {
    throw new Error(`frozenParameterNames: freezeAt must be a non-negative integer, got ${freezeAt}`);
  }
  const frozen: string[] = [];
  if (freezeAt >= 1) frozen.push(`${prefix}.stem.`);
  for (const [i, stage] of RESNET_STAGES.entries()) if (freezeAt >= i + 2) frozen.push(`${prefix}.${stage}.`);
  return [...weights.keys()].filter((name) => frozen.some((p) => name.startsWith(p)));
}
