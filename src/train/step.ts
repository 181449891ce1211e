/**
 * One training forward pass of Mask R-CNN: the losses of a batch, as Detectron2's
 * `GeneralizedRCNN.forward` computes them in training mode (torchvision's `MaskRCNN.forward` with
 * `style: 'torchvision'`), and `trainingStep`, which differentiates them.
 *
 * batch -> normalize, pad -> ResNet -> FPN (p2..p6) -> RPN head -> rpn losses (anchors matched
 *   to the ground truth, 256 sampled per image)
 *   -> proposals (training top-k, detached) + ground-truth boxes -> 512 (or 128) sampled RoIs
 *   -> RoIAlign 7x7 -> box head -> fast R-CNN losses
 *   -> the foreground RoIs -> RoIAlign 14x14 -> mask head -> mask loss (28x28 targets cut from
 *      the ground-truth masks).
 *
 * Shape shorthand: N: images, A: anchors of all levels, S: sampled RoIs of the batch,
 * P: foreground RoIs, K: foreground classes. Boxes are absolute x1, y1, x2, y2 in input pixels.
 * The forward pass reads the RPN's outputs back synchronously to select proposals (their values
 * are not differentiated, as in both libraries), so it runs inside `tf.variableGrads`.
 */
import * as tf from '@tensorflow/tfjs-core';

import { resnetForward } from '../backbone/index.js';
import { type FpnOptions, fpnForward } from '../fpn/index.js';
import { maskHeadForward } from '../mask/index.js';
import { type Picture, type PreprocessOptions, preprocessImage } from '../model/preprocess.js';
import { type MultiLevelRoiAlignOptions, boxHeadForward, multiLevelRoiAlign } from '../roi/index.js';
import { type AnchorGenerator, type ProposalOptions, findTopProposals, rpnHead } from '../rpn/index.js';
import { type ImageSize, gatherBoxes } from '../structures/boxes.js';
import { concatFloat32 } from '../utils/typed-arrays.js';
import type { Random } from '../utils/random.js';
import type { WeightMap } from '../weights/weight-map.js';
import { type FastRcnnLossOptions, type RpnLossOptions, fastRcnnLosses, maskLoss, rpnLosses } from './losses.js';
import { type CroppedMask, maskTargets } from './mask-targets.js';
import { type RoiTargetOptions, sampleProposals } from './roi-targets.js';
import { type RpnTargetOptions, rpnTargets } from './rpn-targets.js';

/** One image of a training batch, already resized and augmented (the loader's output). */
export interface TrainingImage {
  /** 8-bit picture at the training size. */
  readonly picture: Picture;
  /** [G, 4] ground-truth boxes in the picture's pixels. */
  readonly gtBoxes: Float32Array;
  /** [G] class of each box in [0, K). */
  readonly gtClasses: Int32Array;
  /** [G] instance masks as crops of the picture. */
  readonly gtMasks: readonly CroppedMask[];
}

/** Which anchors and RoIs were sampled, given instead of drawn (a parity check's same draws). */
export interface SampledIndices {
  readonly positive: Int32Array;
  readonly negative: Int32Array;
}

/** Choices a check can fix per image instead of letting the step make them. */
export interface TrainingOverrides {
  /** [N] the sampled anchors of each image (indices into all levels' anchors). */
  readonly rpnSamples?: readonly SampledIndices[];
  /** [N] the RPN's proposals of each image (replacing the ones the step would select). */
  readonly proposals?: readonly Float32Array[];
  /** [N] the sampled RoIs of each image (indices into proposals followed by ground-truth boxes). */
  readonly roiSamples?: readonly SampledIndices[];
}

/** Every training option (see `trainingOptionsFromConfig` for the config keys). */
export interface TrainingStepOptions {
  /** Normalization and padding; `minSize` 0 (the loader has resized). */
  readonly preprocess: PreprocessOptions;
  readonly strideInOneByOne: boolean;
  readonly fpn: FpnOptions;
  readonly rpn: RpnTargetOptions & Omit<RpnLossOptions, 'normalizer'>;
  /** Training proposal selection (`PRE_NMS_TOPK_TRAIN`, `POST_NMS_TOPK_TRAIN`). */
  readonly proposals: Partial<ProposalOptions>;
  /** Matching and sampling (classes always numbered Detectron2's way here) and the box losses. */
  readonly roiHeads: Omit<RoiTargetOptions, 'style'> & FastRcnnLossOptions;
  readonly boxPooler: MultiLevelRoiAlignOptions;
  readonly maskOn: boolean;
  readonly maskPooler: MultiLevelRoiAlignOptions;
  /** Side of the mask targets (28: the mask head's output). */
  readonly maskSize: number;
  readonly style: 'detectron2' | 'torchvision';
}

/** The named loss terms (Detectron2's names). */
export type LossName = 'loss_rpn_cls' | 'loss_rpn_loc' | 'loss_cls' | 'loss_box_reg' | 'loss_mask';
export type Losses = Record<LossName, tf.Scalar>;

/** The batch as one padded NHWC tensor [N, Hp, Wp, 3] and each image's size inside it. */
export function batchImages(images: readonly TrainingImage[], options: PreprocessOptions): { input: tf.Tensor4D; sizes: ImageSize[] } {
  const each = images.map((im) => preprocessImage(im.picture, { ...options, minSize: 0 }));
  const hp = Math.max(...each.map((e) => e.images.shape[1]));
  const wp = Math.max(...each.map((e) => e.images.shape[2]));
  const input = tf.tidy(() =>
    tf.concat(each.map((e) => tf.pad(e.images, [[0, 0], [0, hp - e.images.shape[1]], [0, wp - e.images.shape[2]], [0, 0]]))),
  ) as tf.Tensor4D;
  each.forEach((e) => e.images.dispose());
  return { input, sizes: each.map((e) => e.resizedSize) };
}

/** Image `i`'s row of each level's [N, Mi] (or [N, Mi, 4]) head output, read back. */
function headRows(tensors: readonly tf.Tensor[], i: number, width: number): Float32Array[] {
  return tensors.map((t) => {
    const m = t.shape[1] as number;
    return (t.dataSync() as Float32Array).slice(i * m * width, (i + 1) * m * width);
  });
}

/**
 * The losses of one batch. Synchronous, so that `tf.variableGrads` can differentiate it; the
 * tensors it makes along the way are the caller's scope's (run it in `tf.tidy` or a gradient).
 *
 * @param weights every parameter by Detectron2 name (trainable ones as `tf.Variable`s).
 * @param anchors the model's anchor generator.
 * @param rng draws the anchor and RoI samples (RPN for every image first, then RoIs).
 */
export function trainingLosses(
  weights: WeightMap,
  anchors: AnchorGenerator,
  images: readonly TrainingImage[],
  options: TrainingStepOptions,
  rng: Random,
  overrides: TrainingOverrides = {},
): Losses {
  if (images.length === 0) throw new Error('trainingLosses: the batch is empty');
  const n = images.length;
  const { input, sizes } = batchImages(images, options.preprocess);
  const body = resnetForward(weights, input, { strideInOneByOne: options.strideInOneByOne, outFeatures: ['res2', 'res3', 'res4', 'res5'] });
  const p = fpnForward(weights, body, options.fpn);
  const levels = [p.p2, p.p3, p.p4, p.p5, p.p6];

  // RPN: targets of every anchor, then the losses over the sampled ones.
  const grid = levels.map((l) => [l.shape[1], l.shape[2]] as const);
  const levelAnchors = anchors.generate(grid, [input.shape[1], input.shape[2]]);
  const allAnchors = concatFloat32(levelAnchors);
  const head = rpnHead(levels, weights);
  const rpn = options.rpn;
  const targets = images.map((im, i) =>
    rpnTargets(allAnchors, im.gtBoxes, rpn, rng, overrides.rpnSamples?.[i]),
  );
  const sampled = targets.reduce((s, t) => s + t.labels.reduce((c, l) => c + (l >= 0 ? 1 : 0), 0), 0);
  const normalizer = options.style === 'torchvision' ? Math.max(1, sampled) : rpn.batchSizePerImage * n;
  const losses: Partial<Losses> = rpnLosses(head.logits, head.deltas, targets, { ...rpn, normalizer });

  // Proposals from the head's (detached) outputs, then the RoIs sampled among them and the truth.
  const roiBoxes: Float32Array[] = [];
  const roiIndex: number[] = [];
  const classes: number[] = [];
  const deltas: Float32Array[] = [];
  const fgBoxes: Float32Array[] = [];
  const fgIndex: number[] = [];
  const fgClasses: number[] = [];
  const fgTargets: Float32Array[] = [];
  const k = options.roiHeads.numClasses;
  for (let i = 0; i < n; i++) {
    const proposals =
      overrides.proposals?.[i] ??
      findTopProposals(headRows(head.logits, i, 1), headRows(head.deltas, i, 4), levelAnchors, sizes[i], options.proposals).boxes;
    const im = images[i];
    // Classes are numbered Detectron2's way (background K) in either style: the weights are in
    // that layout whatever checkpoint they came from.
    const rois = sampleProposals(proposals, im.gtBoxes, im.gtClasses, { ...options.roiHeads, style: 'detectron2' }, rng, overrides.roiSamples?.[i]);
    const s = rois.classes.length;
    roiBoxes.push(rois.boxes);
    for (let r = 0; r < s; r++) {
      roiIndex.push(i);
      classes.push(rois.classes[r]);
    }
    deltas.push(rois.deltas);
    if (!options.maskOn) continue;
    const fg = Array.from({ length: s }, (_, r) => r).filter((r) => rois.classes[r] < k);
    const boxes = gatherBoxes(rois.boxes, fg);
    const matched = Int32Array.from(fg, (r) => rois.matchedGt[r]);
    fgTargets.push(maskTargets(im.gtMasks, boxes, matched, { size: options.maskSize, style: options.style, imageSize: sizes[i] }));
    fgBoxes.push(boxes);
    for (const r of fg) {
      fgIndex.push(i);
      fgClasses.push(rois.classes[r]);
    }
  }

  const pyramid = levels.slice(0, 4);
  const s = classes.length;
  const pooled = multiLevelRoiAlign(pyramid, tf.tensor2d(concatFloat32(roiBoxes), [s, 4]), Int32Array.from(roiIndex), options.boxPooler);
  const box = boxHeadForward(weights, pooled);
  Object.assign(losses, fastRcnnLosses(box.logits, box.deltas, { classes: Int32Array.from(classes), deltas: concatFloat32(deltas) }, options.roiHeads));

  if (options.maskOn) {
    const f = fgClasses.length;
    const maskPooled = multiLevelRoiAlign(pyramid, tf.tensor2d(concatFloat32(fgBoxes), [f, 4]), Int32Array.from(fgIndex), options.maskPooler);
    losses.loss_mask = maskLoss(maskHeadForward(weights, maskPooled), Int32Array.from(fgClasses), concatFloat32(fgTargets));
  }
  return losses as Losses;
}

/** What one step computed: each loss term's value and the gradient of their sum. */
export interface StepResult {
  readonly losses: Record<LossName, number>;
  /** d(total loss)/d(parameter) for every variable of `trainable`; the caller disposes them. */
  readonly grads: Map<string, tf.Tensor>;
}

/**
 * The loss terms of a batch, as scalars the caller reads and disposes, and the gradient of their
 * sum with respect to `trainable`, by parameter name: what `trainingStep` and its asynchronous
 * twin (`step-async.ts`) share before they read the losses back.
 */
export function lossesAndGradients(
  weights: WeightMap,
  trainable: ReadonlyMap<string, tf.Variable>,
  anchors: AnchorGenerator,
  images: readonly TrainingImage[],
  options: TrainingStepOptions,
  rng: Random,
  overrides?: TrainingOverrides,
): { terms: Losses; grads: Map<string, tf.Tensor> } {
  const names = [...trainable.keys()];
  let terms: Losses | undefined;
  const { value, grads } = tf.variableGrads(() => {
    terms = trainingLosses(weights, anchors, images, options, rng, overrides);
    for (const t of Object.values(terms)) tf.keep(t);
    return tf.addN(Object.values(terms)) as tf.Scalar;
  }, names.map((name) => trainable.get(name) as tf.Variable));
  value.dispose();
  // variableGrads names the gradients by the variables' names; return them by parameter name.
  const byName = new Map<string, tf.Tensor>();
  for (const name of names) {
    const g = grads[(trainable.get(name) as tf.Variable).name];
    if (g !== undefined) byName.set(name, g);
  }
  return { terms: terms as Losses, grads: byName };
}

/**
 * The losses of a batch and the gradient of their sum with respect to `trainable`.
 *
 * @param trainable the parameters to differentiate, by name (also present in `weights`).
 */
export function trainingStep(
  weights: WeightMap,
  trainable: ReadonlyMap<string, tf.Variable>,
  anchors: AnchorGenerator,
  images: readonly TrainingImage[],
  options: TrainingStepOptions,
  rng: Random,
  overrides?: TrainingOverrides,
): StepResult {
  const { terms, grads } = lossesAndGradients(weights, trainable, anchors, images, options, rng, overrides);
  const losses = Object.fromEntries(
    Object.entries(terms).map(([name, t]) => {
      const v = t.dataSync()[0];
      t.dispose();
      return [name, v];
    }),
  ) as Record<LossName, number>;
  return { losses, grads };
}
