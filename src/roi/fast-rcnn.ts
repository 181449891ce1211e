/**
 * Detection post-processing of the box predictor for one image: Detectron2's
 * `fast_rcnn_inference_single_image` (modeling/roi_heads/fast_rcnn.py), or torchvision's
 * `RoIHeads.postprocess_detections` with `style: 'torchvision'`.
 *
 * Shape shorthand: R: proposals, K: foreground classes, B: boxes regressed per proposal (K, or 1
 * for class-agnostic regression), D: detections kept. Boxes are absolute `x1, y1, x2, y2` in the
 * pixels of the network input (Detectron2's convention); class scores are background LAST.
 *
 * Both styles: softmax over K + 1 logits, drop the background column, decode each class's deltas
 * against its proposal, clip to the image, keep (proposal, class) pairs with score > scoreThresh,
 * per-class NMS (torchvision's `batched_nms`), keep the first `detectionsPerImage` by score.
 * Where they differ:
 * - detectron2: proposals with any non-finite decoded box or score are dropped first;
 * - torchvision: boxes narrower or shorter than 1e-2 are dropped after the score threshold
 *   (`remove_small_boxes`), which also drops NaN boxes. Its background-first class layout is
 *   already converted to background-last by the weight maps, so scores line up.
 * The detections that survive are what the mask head sees (the composition feeds their boxes,
 * not the proposals, to the mask pooler, as both libraries do at inference).
 */
import { batchedNms } from '../ensemble/nms.js';
import { decodeBoxesArray } from '../rpn/box-coder-array.js';
import type { ImageSize } from '../structures/boxes.js';
import { describe } from '../utils/describe.js';

/** Options of the detection post-processing; `DEFAULT_FAST_RCNN_INFERENCE` holds Detectron2's defaults. */
export interface FastRcnnInferenceOptions {
  /** Keep (proposal, class) pairs whose probability is > this (MODEL.ROI_HEADS.SCORE_THRESH_TEST; the solution: 0.4). */
  readonly scoreThresh: number;
  /** Per-class NMS IoU threshold (MODEL.ROI_HEADS.NMS_THRESH_TEST). */
  readonly nmsThresh: number;
  /** Most detections kept, by descending score; negative: all (TEST.DETECTIONS_PER_IMAGE; the solution: 1000). */
  readonly detectionsPerImage: number;
  /** `wx, wy, ww, wh` dividing the deltas (MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS). */
  readonly boxRegWeights: readonly [number, number, number, number];
  /** Upper bound of the log-scale deltas: log(1000 / 16). */
  readonly scaleClamp: number;
  /** Whose filtering to reproduce (see the module comment). */
  readonly style: 'detectron2' | 'torchvision';
}

/** Detectron2's defaults (also torchvision's `box_score_thresh`, `box_nms_thresh`, `box_detections_per_img`). */
export const DEFAULT_FAST_RCNN_INFERENCE: FastRcnnInferenceOptions = Object.freeze({
  scoreThresh: 0.05,
  nmsThresh: 0.5,
  detectionsPerImage: 100,
  boxRegWeights: Object.freeze([10, 10, 5, 5]) as readonly [number, number, number, number],
  scaleClamp: Math.log(1000 / 16),
  style: 'detectron2',
});

/** The detections of one image, in descending score order, on CPU arrays. */
export interface FastRcnnDetections {
  /** [D, 4] absolute `x1, y1, x2, y2`, clipped to the image. */
  readonly boxes: Float32Array;
  /** [D] class probabilities. */
  readonly scores: Float32Array;
  /** [D] foreground class in [0, K). */
  readonly classes: Int32Array;
  /**
   * [D] row of the proposal each detection was regressed from, in the input's numbering.
   * (Detectron2 returns the row among the finite proposals; with no non-finite ones they agree.)
   */
  readonly proposalIndex: Int32Array;
}

export function checkOptions(options: FastRcnnInferenceOptions, fn: string): void {
  const { scoreThresh, nmsThresh, detectionsPerImage, boxRegWeights, scaleClamp, style } = options;
  if (!Number.isFinite(scoreThresh)) throw new RangeError(`${fn}: scoreThresh must be a finite number, got ${describe(scoreThresh)}`);
  if (!(nmsThresh >= 0 && nmsThresh <= 1)) throw new RangeError(`${fn}: nmsThresh must be in [0, 1], got ${describe(nmsThresh)}`);
  if (!Number.isInteger(detectionsPerImage)) {
    throw new RangeError(`${fn}: detectionsPerImage must be an integer (negative: no limit), got ${describe(detectionsPerImage)}`);
  }
  if (boxRegWeights.length !== 4 || !boxRegWeights.every((w) => Number.isFinite(w) && w > 0)) {
    throw new RangeError(`${fn}: boxRegWeights must be 4 positive numbers, got [${boxRegWeights.join(', ')}]`);
  }
  if (Number.isNaN(scaleClamp)) throw new RangeError(`${fn}: scaleClamp must be a number, got NaN`);
  if (style !== 'detectron2' && style !== 'torchvision') {
    throw new RangeError(`${fn}: style must be 'detectron2' or 'torchvision', got ${describe(style)}`);
  }
}

export function checkImageSize(imageSize: ImageSize, fn: string): void {
  const ok = Array.isArray(imageSize) && imageSize.length === 2 && imageSize.every((s) => Number.isInteger(s) && s >= 0);
  if (!ok) throw new RangeError(`${fn}: imageSize must be [height, width] non-negative integers, got ${describe(imageSize)}`);
}

/**
 * Filters one image's decoded boxes and class probabilities into detections (the typed-array
 * core of `fastRcnnInference`, Detectron2's `fast_rcnn_inference_single_image`).
 *
 * @param boxes [R, 4B] decoded boxes (B = K class-specific, or 1 class-agnostic).
 * @param scores [R, K + 1] class probabilities, background last.
 * @param numClasses K, the number of foreground classes.
 * @param imageSize `[height, width]` boxes are clipped to.
 * @param options thresholds and style (`DEFAULT_FAST_RCNN_INFERENCE` fills what is left out).
 */
export function fastRcnnInferenceSingleImage(
  boxes: Float32Array,
  scores: Float32Array,
  numClasses: number,
  imageSize: ImageSize,
  options: Partial<FastRcnnInferenceOptions> = {},
): FastRcnnDetections {
  const fn = 'fastRcnnInferenceSingleImage';
  const opts = { ...DEFAULT_FAST_RCNN_INFERENCE, ...options };
  checkOptions(opts, fn);
  checkImageSize(imageSize, fn);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`${fn}: numClasses must be a positive integer, got ${describe(numClasses)}`);
  if (!(scores instanceof Float32Array) || scores.length % (numClasses + 1) !== 0) {
    throw new TypeError(`${fn}: scores must be a Float32Array [R, ${numClasses + 1}], got ${describe(scores)}`);
  }
  const r = scores.length / (numClasses + 1);
  if (!(boxes instanceof Float32Array) || (boxes.length !== 4 * numClasses * r && boxes.length !== 4 * r)) {
    throw new TypeError(`${fn}: boxes must be a Float32Array [${r}, ${4 * numClasses}] or [${r}, 4], got ${describe(boxes)}`);
  }
  return filterDetections(boxes, scores, r, numClasses, imageSize, opts);
}

function filterDetections(
  boxes: Float32Array,
  scores: Float32Array,
  r: number,
  k: number,
  imageSize: ImageSize,
  opts: FastRcnnInferenceOptions,
): FastRcnnDetections {
  const perRow = r === 0 ? k : boxes.length / r / 4;
  const [height, width] = imageSize;
  const detectron2 = opts.style === 'detectron2';
  // PyTorch compares float32 tensors with float32 thresholds.
  const thresh = Math.fround(opts.scoreThresh);
  const minSize = Math.fround(1e-2);
  const candBoxes: number[] = [];
  const candScores: number[] = [];
  const candClasses: number[] = [];
  const candRows: number[] = [];
  for (let i = 0; i < r; i++) {
    if (detectron2 && !rowIsFinite(boxes, i * perRow * 4, perRow * 4, scores, i * (k + 1), k + 1)) continue;
    for (let c = 0; c < k; c++) {
      const score = scores[i * (k + 1) + c];
      if (!(score > thresh)) continue;
      const o = (i * perRow + (perRow === 1 ? 0 : c)) * 4;
      const x1 = clamp(boxes[o], width);
      const y1 = clamp(boxes[o + 1], height);
      const x2 = clamp(boxes[o + 2], width);
      const y2 = clamp(boxes[o + 3], height);
      if (!detectron2 && !(Math.fround(x2 - x1) >= minSize && Math.fround(y2 - y1) >= minSize)) continue;
      candBoxes.push(x1, y1, x2, y2);
      candScores.push(score);
      candClasses.push(c);
      candRows.push(i);
    }
  }
  const keep = batchedNms(Float32Array.from(candBoxes), Float32Array.from(candScores), Int32Array.from(candClasses), opts.nmsThresh);
  const d = opts.detectionsPerImage >= 0 ? Math.min(keep.length, opts.detectionsPerImage) : keep.length;
  const out = {
    boxes: new Float32Array(4 * d),
    scores: new Float32Array(d),
    classes: new Int32Array(d),
    proposalIndex: new Int32Array(d),
  };
  for (let j = 0; j < d; j++) {
    const m = keep[j];
    for (let t = 0; t < 4; t++) out.boxes[4 * j + t] = candBoxes[4 * m + t];
    out.scores[j] = candScores[m];
    out.classes[j] = candClasses[m];
    out.proposalIndex[j] = candRows[m];
  }
  return out;
}

/** x clamped to [0, max]; NaN stays NaN (as `torch.clamp`). */
function clamp(x: number, max: number): number {
  return x < 0 ? 0 : x > max ? max : x;
}

function rowIsFinite(boxes: Float32Array, bo: number, bn: number, scores: Float32Array, so: number, sn: number): boolean {
  for (let t = 0; t < bn; t++) if (!Number.isFinite(boxes[bo + t])) return false;
  for (let t = 0; t < sn; t++) if (!Number.isFinite(scores[so + t])) return false;
  return true;
}

/**
 * Row-wise softmax of [R, K + 1] logits in float32 steps (max subtracted, as `tf.softmax`).
 * @returns [R, K + 1] probabilities.
 */
export function softmaxRows(logits: Float32Array, width: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let o = 0; o < logits.length; o += width) {
    let max = -Infinity;
    for (let c = 0; c < width; c++) max = Math.max(max, logits[o + c]);
    let sum = 0;
    for (let c = 0; c < width; c++) sum += out[o + c] = Math.fround(Math.exp(logits[o + c] - max));
    for (let c = 0; c < width; c++) out[o + c] /= sum;
  }
  return out;
}

/**
 * Detections of one image from the box predictor's outputs on typed arrays (the second half of
 * `fastRcnnInference`): decode each class's deltas against its proposal, then filter.
 *
 * @param probs [R, K + 1] class probabilities, background last.
 * @param deltas [R, 4K] class-specific (or [R, 4] class-agnostic) deltas.
 * @param proposals [R, 4] the boxes the RoIs were pooled from.
 * @param imageSize `[height, width]` boxes are clipped to.
 */
export function detectionsFromPredictions(
  probs: Float32Array,
  deltas: Float32Array,
  proposals: Float32Array,
  imageSize: ImageSize,
  options: Partial<FastRcnnInferenceOptions> = {},
): FastRcnnDetections {
  const fn = 'detectionsFromPredictions';
  const opts = { ...DEFAULT_FAST_RCNN_INFERENCE, ...options };
  checkOptions(opts, fn);
  checkImageSize(imageSize, fn);
  const r = proposals.length / 4;
  if (!(proposals instanceof Float32Array) || !Number.isInteger(r) || (r > 0 && probs.length % r !== 0) || (r === 0 && probs.length !== 0)) {
    throw new RangeError(`${fn}: proposals must be [R, 4] and probs [R, K + 1], got ${describe(proposals)} and ${describe(probs)}`);
  }
  const k = r === 0 ? 1 : probs.length / r - 1;
  if (r > 0 && (k < 1 || (deltas.length !== 4 * k * r && deltas.length !== 4 * r))) {
    throw new RangeError(`${fn}: deltas must be [${r}, ${4 * k}] or [${r}, 4], got ${describe(deltas)}`);
  }
  return filterDetections(decodeBoxesArray(deltas, proposals, opts.boxRegWeights, opts.scaleClamp), probs, r, k, imageSize, opts);
}
