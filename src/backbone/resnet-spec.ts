/**
 * The structure of a ResNet read from its weights (Detectron2 names under a prefix, by default
 * `backbone.bottom_up`): channel counts from the kernel shapes, block counts from the names,
 * block kind from whether `conv3` exists (bottleneck: ResNet-50/101/152) or not (basic:
 * ResNet-18/34). Strides follow Detectron2's `build_resnet_backbone`: the stem has stride 4,
 * res2 keeps it, the first block of res3, res4, res5 halves the resolution. Every kernel is
 * checked against the channels flowing in, so a mismatch is reported by weight name before any
 * computation. Not supported: grouped 3x3 convs (ResNeXt), deformable convs, res5 dilation.
 */
import type { Tensor4D } from '@tensorflow/tfjs-core';

import { type WeightMap, getWeight, hasWeight } from '../weights/weight-map.js';
import { getConvKernel } from './conv.js';

/** The stages of a ResNet, in order; `res{k}` has stride 2^k. */
export const RESNET_STAGES = ['res2', 'res3', 'res4', 'res5'] as const;
export type ResNetStage = (typeof RESNET_STAGES)[number];

/** One residual block. */
export interface ResNetBlockSpec {
  /** Full name prefix, e.g. `backbone.bottom_up.res3.0`. */
  readonly name: string;
  readonly kind: 'bottleneck' | 'basic';
  /** 2 for the first block of res3..res5, else 1. */
  readonly stride: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** Width of the 3x3 conv (bottleneck) or of both 3x3 convs (basic). */
  readonly bottleneckChannels: number;
  /** Whether the block has a projection shortcut (`<name>.shortcut.weight`). */
  readonly shortcut: boolean;
}

export interface ResNetStageSpec {
  readonly name: ResNetStage;
  readonly blocks: readonly ResNetBlockSpec[];
  readonly outChannels: number;
  /** 4, 8, 16, 32 for res2..res5. */
  readonly stride: number;
}

export interface ResNetSpec {
  readonly prefix: string;
  /** Channels of the images (3). */
  readonly inChannels: number;
  /** Output channels of the stem (64 in ResNet-50). */
  readonly stemChannels: number;
  /** The stages found, from res2 on (a backbone may stop early). */
  readonly stages: readonly ResNetStageSpec[];
}

/**
 * The ResNet stored in `weights` under `prefix`.
 * @throws Error naming the weight when one is missing, has a shape that does not fit, or a
 *   block without shortcut would change its channels or resolution.
 */
export function resnetSpec(weights: WeightMap, prefix = 'backbone.bottom_up'): ResNetSpec {
  const stem = getKernel(weights, `${prefix}.stem.conv1.weight`, [7, 7, -1, -1]);
  const inChannels = stem.shape[2];
  const stemChannels = stem.shape[3];
  const stages: ResNetStageSpec[] = [];
  let channels = stemChannels;
  for (const [k, stage] of RESNET_STAGES.entries()) {
    const blocks: ResNetBlockSpec[] = [];
    for (let i = 0; hasWeight(weights, `${prefix}.${stage}.${i}.conv1.weight`); i++) {
      const block = blockSpec(weights, `${prefix}.${stage}.${i}`, channels, i === 0 && k > 0 ? 2 : 1);
      blocks.push(block);
      channels = block.outChannels;
    }
    if (blocks.length === 0) break;
    stages.push({ name: stage, blocks, outChannels: channels, stride: 2 ** (k + 2) });
  }
  return { prefix, inChannels, stemChannels, stages };
}

/** `getWeight` for a kernel: `shape` has four entries, so the tensor is 4-D. */
function getKernel(weights: WeightMap, name: string, shape: readonly [number, number, number, number]): Tensor4D {
  return getWeight(weights, name, shape) as Tensor4D;
}

function blockSpec(weights: WeightMap, name: string, inChannels: number, stride: number): ResNetBlockSpec {
  const kind = hasWeight(weights, `${name}.conv3.weight`) ? 'bottleneck' : 'basic';
  let bottleneckChannels: number;
  let outChannels: number;
  if (kind === 'bottleneck') {
    bottleneckChannels = getConvKernel(weights, `${name}.conv1`, inChannels).shape[3];
    getKernel(weights, `${name}.conv1.weight`, [1, 1, inChannels, bottleneckChannels]);
    getKernel(weights, `${name}.conv2.weight`, [3, 3, bottleneckChannels, bottleneckChannels]);
    outChannels = getKernel(weights, `${name}.conv3.weight`, [1, 1, bottleneckChannels, -1]).shape[3];
  } else {
    bottleneckChannels = getKernel(weights, `${name}.conv1.weight`, [3, 3, inChannels, -1]).shape[3];
    outChannels = getKernel(weights, `${name}.conv2.weight`, [3, 3, bottleneckChannels, -1]).shape[3];
  }
  const shortcut = hasWeight(weights, `${name}.shortcut.weight`);
  if (shortcut) getKernel(weights, `${name}.shortcut.weight`, [1, 1, inChannels, outChannels]);
  else if (inChannels !== outChannels || stride !== 1) {
    throw new Error(
      `resnetSpec: block "${name}" maps ${inChannels} -> ${outChannels} channels at stride ${stride} but has no "${name}.shortcut.weight"`,
    );
  }
  return { name, kind, stride, inChannels, outChannels, bottleneckChannels, shortcut };
}
