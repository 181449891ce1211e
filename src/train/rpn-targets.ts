/**
 * The RPN's training targets for one image: Detectron2's `RPN.label_and_sample_anchors`
 * (detectron2/modeling/proposal_generator/rpn.py) followed by the `get_deltas` of `RPN.losses`.
 * Anchors are matched with IoU thresholds `MODEL.RPN.IOU_THRESHOLDS` and the low-quality rule
 * (always on for the RPN), then `MODEL.RPN.BATCH_SIZE_PER_IMAGE` of them are sampled.
 *
 * Shape shorthand: A: anchors of all levels of the image, G: ground-truth boxes.
 * Boxes are absolute `x1, y1, x2, y2`.
 *
 * Not modelled: `MODEL.RPN.BOUNDARY_THRESH` (Detectron2's default -1 keeps anchors that cross
 * the image border).
 */
import type { BoxWeights } from '../rpn/box-coder.js';
import { gatherBoxes } from '../structures/boxes.js';
import type { Random } from '../utils/random.js';
import { checkBoxWeights, encodeBoxesArray } from './box-targets.js';
import { checkFiniteBoxes, checkMatcherOptions, matchBoxes } from './matcher.js';
import { type SampledIndices, checkInjectedSample, checkSamplingOptions, subsampleLabels } from './sampler.js';

/** How anchors are labelled and sampled (Detectron2's `MODEL.RPN.*` keys in parentheses). */
export interface RpnTargetOptions {
  /** IoU thresholds (`IOU_THRESHOLDS`, default `[0.3, 0.7]`). */
  readonly thresholds: readonly number[];
  /** One label in {-1, 0, 1} per threshold interval (`IOU_LABELS`, default `[0, -1, 1]`). */
  readonly labels: readonly number[];
  /** Anchors sampled per image (`BATCH_SIZE_PER_IMAGE`, default 256). */
  readonly batchSizePerImage: number;
  /** Target fraction of positives among them (`POSITIVE_FRACTION`, default 0.5). */
  readonly positiveFraction: number;
  /** Delta weights (`BBOX_REG_WEIGHTS`, default `[1, 1, 1, 1]`). */
  readonly boxWeights: BoxWeights;
}

/** The RPN's targets for one image. */
export interface RpnTargets {
  /** [A] -1: not sampled (ignored by the losses), 0: sampled background, 1: sampled foreground. */
  readonly labels: Int8Array;
  /** [A, 4] each anchor's matched ground-truth box (the one of highest IoU; zeros when G = 0). */
  readonly matchedGtBoxes: Float32Array;
  /** [A, 4] `dx, dy, dw, dh` from each anchor to its matched box where `labels` is 1; zeros elsewhere. */
  readonly deltas: Float32Array;
}

/**
 * Labels, samples and regression targets of the anchors of one image.
 *
 * @param anchors [A, 4] anchors of all levels, concatenated.
 * @param gtBoxes [G, 4] ground-truth boxes (G may be 0: all sampled anchors are background).
 * @param rng draws the sample; unused when `sampled` is given.
 * @param sampled the anchors to sample instead of drawing them (to reproduce another
 *   implementation's draws); every positive must be matched with label 1, every negative with 0.
 */
export function rpnTargets(
  anchors: Float32Array,
  gtBoxes: Float32Array,
  options: RpnTargetOptions,
  rng: Random,
  sampled?: SampledIndices,
): RpnTargets {
  const fn = 'rpnTargets';
  const a = checkFiniteBoxes(anchors, fn, 'anchors');
  const g = checkFiniteBoxes(gtBoxes, fn, 'gtBoxes');
  const matcherOptions = { thresholds: options.thresholds, labels: options.labels, allowLowQualityMatches: true };
  checkMatcherOptions(matcherOptions, fn);
  checkSamplingOptions(options, fn);
  checkBoxWeights(options.boxWeights, fn);
  const match = matchBoxes(gtBoxes, anchors, matcherOptions);
  const sample =
    sampled === undefined
      ? subsampleLabels(match.labels, options.batchSizePerImage, options.positiveFraction, 0, rng)
      : checkInjectedSample(sampled, a, (i) => match.labels[i] === 1, (i) => match.labels[i] === 0, fn, 'match label 1', 'match label 0');

  const labels = new Int8Array(a).fill(-1);
  for (const i of sample.positive) labels[i] = 1;
  for (const i of sample.negative) labels[i] = 0;
  const matchedGtBoxes = g === 0 ? new Float32Array(4 * a) : gatherBoxes(gtBoxes, match.matches);
  const deltas = new Float32Array(4 * a);
  if (g > 0) {
    const positiveDeltas = encodeBoxesArray(
      gatherBoxes(anchors, sample.positive),
      gatherBoxes(matchedGtBoxes, sample.positive),
      options.boxWeights,
    );
    sample.positive.forEach((i, k) => deltas.set(positiveDeltas.subarray(4 * k, 4 * k + 4), 4 * i));
  }
  return { labels, matchedGtBoxes, deltas };
}
