/**
 * The ResNet body of Detectron2's `build_resnet_backbone` (`backbone.bottom_up` in an FPN
 * model): stem, then stages res2..res5 of residual blocks, returning the requested stage
 * outputs. Channel widths and block counts come from the weights (`resnetSpec`), so the same
 * function runs ResNet-50 ([3, 4, 6, 3] bottlenecks), -101, narrow variants and the basic-block
 * ResNet-18/34.
 *
 * Shapes: N images, H x W input; `res{k}` is `[N, ceil(H / 2^k), ceil(W / 2^k), C_k]`, `stem`
 * `[N, ceil(H / 4), ceil(W / 4), C_stem]`; NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { WeightMap } from '../weights/weight-map.js';
import { basicBlock, bottleneckBlock, stemForward } from './blocks.js';
import { type ResNetStage, resnetSpec } from './resnet-spec.js';

/** What `resnetForward` can return: the stem's output or a stage's. */
export type ResNetFeature = 'stem' | ResNetStage;

export interface ResNetOptions<F extends ResNetFeature = ResNetFeature> {
  /**
   * Where the first block of res3..res5 puts its stride in a bottleneck: the first 1x1 conv
   * (`true`: Detectron2's default `RESNETS.STRIDE_IN_1X1`, MSRA's models, the ImageNet weights
   * `mask_rcnn_R_50_FPN_3x` starts from) or the 3x3 conv (`false`: torchvision). Basic blocks
   * always stride in their first 3x3.
   */
  readonly strideInOneByOne: boolean;
  /** The features to return (`MODEL.RESNETS.OUT_FEATURES`: res2..res5 for an FPN). */
  readonly outFeatures: readonly F[];
  /** Name prefix of the weights; `backbone.bottom_up` (Detectron2's FPN backbone) by default. */
  readonly prefix?: string;
}

/**
 * Runs the ResNet in `weights` (Detectron2 names, TFJS layouts, FrozenBatchNorm folded or not)
 * on `images` `[N, H, W, 3]` float32, already normalised (pixel mean/std applied). Returns the
 * `outFeatures` (the caller disposes them); computes no stage past the last one requested and
 * frees each block's input as soon as it is no longer needed.
 * @throws Error naming the argument or weight when the images, options or weights do not fit.
 */
export function resnetForward<F extends ResNetFeature>(
  weights: WeightMap,
  images: tf.Tensor4D,
  options: ResNetOptions<F>,
): Record<F, tf.Tensor4D> {
  const spec = resnetSpec(weights, options.prefix);
  if (images.rank !== 4 || images.dtype !== 'float32' || images.shape[3] !== spec.inChannels) {
    throw new Error(
      `resnetForward: images must be float32 [N, H, W, ${spec.inChannels}], got ${images.dtype} [${images.shape.join(', ')}]`,
    );
  }
  if (options.outFeatures.length === 0) throw new Error('resnetForward: outFeatures is empty');
  const wanted = new Set<ResNetFeature>(options.outFeatures);
  const known = new Set<ResNetFeature>(['stem', ...spec.stages.map((s) => s.name)]);
  for (const f of wanted) {
    if (!known.has(f)) {
      throw new Error(`resnetForward: outFeatures asks for "${f}", but the weights hold only ${[...known].join(', ')}`);
    }
  }

  const outputs: Partial<Record<ResNetFeature, tf.Tensor4D>> = {};
  let x = stemForward(weights, spec.prefix, images);
  try {
    if (wanted.has('stem')) outputs.stem = x;
    for (const stage of spec.stages) {
      if (Object.keys(outputs).length === wanted.size) break;
      for (const block of stage.blocks) {
        const y =
          block.kind === 'bottleneck' ? bottleneckBlock(weights, block, x, options.strideInOneByOne) : basicBlock(weights, block, x);
        if (!Object.values(outputs).includes(x)) x.dispose();
        x = y;
      }
      if (wanted.has(stage.name)) outputs[stage.name] = x;
    }
  } catch (error) {
    tf.dispose([x, ...Object.values(outputs)]);
    throw error;
  }
  if (!Object.values(outputs).includes(x)) x.dispose();
  return outputs as Record<F, tf.Tensor4D>;
}
