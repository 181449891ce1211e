/**
 * The ROI heads' training sample for one image: Detectron2's
 * `ROIHeads.label_and_sample_proposals` (detectron2/modeling/roi_heads/roi_heads.py) with
 * `add_ground_truth_to_proposals`, and the `get_deltas` of `FastRCNNOutputLayers.losses`;
 * or torchvision's `RoIHeads.select_training_samples`.
 *
 * Shape shorthand: P: proposals, G: ground-truth boxes, S: sampled RoIs (at most
 * `batchSizePerImage`), K: foreground classes. Boxes are absolute `x1, y1, x2, y2`.
 *
 * The two styles differ only where the losses do not look:
 *   - class numbering: Detectron2's classes are 0..K-1 with background K; torchvision's are
 *     1..K with background 0 (its `num_classes` counts the background, ours does not);
 *   - the matched ground truth of a background RoI: Detectron2 keeps the box of highest IoU,
 *     torchvision clamps the matcher's -1 to 0.
 * Both return the foreground RoIs first (Detectron2's `cat([fg, bg])`; torchvision keeps the
 * sampled indices in ascending order, which the losses do not depend on).
 */
import type { BoxWeights } from '../rpn/box-coder.js';
import { gatherBoxes } from '../structures/boxes.js';
import { describe } from '../utils/describe.js';
import type { Random } from '../utils/random.js';
import { checkBoxWeights, encodeBoxesArray } from './box-targets.js';
import { checkFiniteBoxes, checkMatcherOptions, matchBoxes } from './matcher.js';
import { type SampledIndices, checkInjectedSample, checkSamplingOptions, subsampleLabels } from './sampler.js';

/** How proposals are labelled and sampled (Detectron2's `MODEL.ROI_HEADS.*` keys in parentheses). */
export interface RoiTargetOptions {
  /** IoU thresholds (`IOU_THRESHOLDS`, default `[0.5]`). */
  readonly thresholds: readonly number[];
  /** One label in {-1, 0, 1} per threshold interval (`IOU_LABELS`, default `[0, 1]`). */
  readonly labels: readonly number[];
  /** RoIs sampled per image (`BATCH_SIZE_PER_IMAGE`, default 512). */
  readonly batchSizePerImage: number;
  /** Target fraction of foreground among them (`POSITIVE_FRACTION`, default 0.25). */
  readonly positiveFraction: number;
  /** K, foreground classes (`NUM_CLASSES`), background not counted. */
  readonly numClasses: number;
  /** Delta weights (`MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS`, default `[10, 10, 5, 5]`). */
  readonly boxWeights: BoxWeights;
  /** Class numbering and background matches (see the module comment). */
  readonly style: 'detectron2' | 'torchvision';
}

/** The sampled RoIs of one image, foreground first. */
export interface RoiTargets {
  /** [S, 4] the sampled RoIs (proposals or appended ground-truth boxes). */
  readonly boxes: Float32Array;
  /** [S] ground-truth class of each foreground RoI; background: K (detectron2) or 0 (torchvision). */
  readonly classes: Int32Array;
  /** [S] index of each RoI's matched ground-truth box (see the module comment for background; 0 when G = 0). */
  readonly matchedGt: Int32Array;
  /** [S, 4] `dx, dy, dw, dh` from each foreground RoI to its matched box; zeros for background rows. */
  readonly deltas: Float32Array;
  /** How many leading rows are foreground. */
  readonly numForeground: number;
}

/**
 * Appends the ground-truth boxes to the proposals, matches them (no low-quality matches, as
 * Detectron2 and torchvision build the ROI heads' matcher) and samples RoIs.
 *
 * @param proposals [P, 4] the RPN's proposals for the image.
 * @param gtBoxes [G, 4] ground-truth boxes (G may be 0: every RoI is background).
 * @param gtClasses [G] classes: 0..K-1 (detectron2 style) or 1..K (torchvision style).
 * @param rng draws the sample; unused when `sampled` is given.
 * @param sampled the RoIs to sample instead of drawing them, as indices into the
 *   concatenation [proposals; gtBoxes] of P + G boxes.
 */
export function sampleProposals(
  proposals: Float32Array,
  gtBoxes: Float32Array,
  gtClasses: Int32Array,
  options: RoiTargetOptions,
  rng: Random,
  sampled?: SampledIndices,
): RoiTargets {
  const fn = 'sampleProposals';
  const p = checkFiniteBoxes(proposals, fn, 'proposals');
  const g = checkFiniteBoxes(gtBoxes, fn, 'gtBoxes');
  const matcherOptions = { thresholds: options.thresholds, labels: options.labels, allowLowQualityMatches: false };
  checkMatcherOptions(matcherOptions, fn);
  checkSamplingOptions(options, fn);
  checkBoxWeights(options.boxWeights, fn);
  const { numClasses, style } = options;
  if (style !== 'detectron2' && style !== 'torchvision') {
    throw new RangeError(`${fn}: options.style must be 'detectron2' or 'torchvision', got ${describe(style)}`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`${fn}: options.numClasses must be a positive integer, got ${describe(numClasses)}`);
  }
  const [lowest, highest] = style === 'detectron2' ? [0, numClasses - 1] : [1, numClasses];
  if (!(gtClasses instanceof Int32Array) || gtClasses.length !== g) {
    throw new TypeError(`${fn}: gtClasses must be an Int32Array of length ${g} (one per gt box), got ${describe(gtClasses)}`);
  }
  gtClasses.forEach((c, j) => {
    if (c < lowest || c > highest) throw new RangeError(`${fn}: gtClasses[${j}] is ${c}, outside [${lowest}, ${highest}] (${style} style)`);
  });
  const background = style === 'detectron2' ? numClasses : 0;

  // (P, 4) + (G, 4) -> (P + G, 4): add_ground_truth_to_proposals.
  const all = new Float32Array(4 * (p + g));
  all.set(proposals);
  all.set(gtBoxes, 4 * p);
  const match = matchBoxes(gtBoxes, all, matcherOptions);
  // Detectron2's _sample_proposals: matcher label 0 -> background, -1 -> ignored.
  const classes = new Int32Array(p + g).fill(background);
  if (g > 0) {
    match.labels.forEach((label, i) => {
      classes[i] = label === 1 ? gtClasses[match.matches[i]] : label === 0 ? background : -1;
    });
  }
  const isForeground = (i: number): boolean => classes[i] !== -1 && classes[i] !== background;
  const sample =
    sampled === undefined
      ? subsampleLabels(classes, options.batchSizePerImage, options.positiveFraction, background, rng)
      : checkInjectedSample(sampled, p + g, isForeground, (i) => classes[i] === background, fn, 'a foreground match', 'a background match');

  const rows = new Int32Array(sample.positive.length + sample.negative.length);
  rows.set(sample.positive);
  rows.set(sample.negative, sample.positive.length);
  const numForeground = sample.positive.length;
  const boxes = gatherBoxes(all, rows);
  const matchedGt = rows.map((i, k) => (style === 'torchvision' && k >= numForeground ? 0 : match.matches[i]));
  const deltas = new Float32Array(4 * rows.length);
  if (g > 0) {
    const foreground = rows.subarray(0, numForeground);
    deltas.set(encodeBoxesArray(gatherBoxes(all, foreground), gatherBoxes(gtBoxes, matchedGt.subarray(0, numForeground)), options.boxWeights));
  }
  return { boxes, classes: rows.map((i) => classes[i]), matchedGt, deltas, numForeground };
}
