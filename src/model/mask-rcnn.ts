/**
 * Mask R-CNN inference: the stages composed, one picture in, detections at the picture's
 * resolution out (Detectron2's `GeneralizedRCNN.inference` + `detector_postprocess`, or
 * torchvision's `MaskRCNN` in eval mode).
 *
 * picture -> preprocess -> ResNet (res2..res5) -> FPN (p2..p6) -> RPN head -> proposals
 *   -> RoIAlign (p2..p5, 7x7) -> box head -> detections (score threshold, per-class NMS, top-k)
 *   -> RoIAlign (p2..p5, 14x14) of the detections only -> mask head -> 28x28 probabilities
 *   -> boxes mapped to the picture -> masks pasted into it.
 *
 * Shape shorthand: R: proposals, D: detections, M: mask resolution (28), K: classes.
 */
import * as tf from '@tensorflow/tfjs-core';

import { resnetForward } from '../backbone/index.js';
import type { Detections } from '../ensemble/detections.js';
import { type FpnOptions, fpnForward } from '../fpn/index.js';
import { type PasteOptions, maskHeadForward, pasteMasks, selectClassMasks } from '../mask/index.js';
import {
  type FastRcnnInferenceOptions,
  type MultiLevelRoiAlignOptions,
  boxHeadForward,
  fastRcnnInference,
  multiLevelRoiAlign,
} from '../roi/index.js';
import { type AnchorGenerator, type ProposalOptions, proposalsFromHead, rpnHead } from '../rpn/index.js';
import { concatFloat32 } from '../utils/typed-arrays.js';
import type { WeightMap } from '../weights/weight-map.js';
import { detectionsOnPicture } from './postprocess.js';
import { type Picture, type PreprocessOptions, preprocessImage } from './preprocess.js';

/** Every stage's options (see `maskRcnnOptionsFromConfig` for the config keys they come from). */
export interface MaskRcnnOptions {
  readonly preprocess: PreprocessOptions;
  /** `MODEL.RESNETS.STRIDE_IN_1X1`. */
  readonly strideInOneByOne: boolean;
  readonly fpn: FpnOptions;
  readonly proposals: Partial<ProposalOptions>;
  readonly boxPooler: MultiLevelRoiAlignOptions;
  readonly detections: Partial<FastRcnnInferenceOptions>;
  /** `MODEL.MASK_ON`. */
  readonly maskOn: boolean;
  readonly maskPooler: MultiLevelRoiAlignOptions;
  readonly paste: Partial<PasteOptions>;
  /** Detections per mask-head batch: bounds the mask head's memory (a batch of 512 holds 512 x 14 x 14 x 256 floats, 100 MB, per activation) while keeping the feature read-backs of the RoIAlign few. */
  readonly maskBatchSize: number;
  /**
   * How boxes are mapped back to the picture: 'detectron2' scales, clips and drops the boxes left
   * empty (`detector_postprocess`); 'torchvision' only scales (`resize_boxes`).
   */
  readonly postprocess: 'detectron2' | 'torchvision';
}

/** The P2..P6 features of a preprocessed batch (the caller disposes them). */
function features(weights: WeightMap, images: tf.Tensor4D, options: MaskRcnnOptions): tf.Tensor4D[] {
  const body = resnetForward(weights, images, { strideInOneByOne: options.strideInOneByOne, outFeatures: ['res2', 'res3', 'res4', 'res5'] });
  try {
    const p = fpnForward(weights, body, options.fpn);
    return [p.p2, p.p3, p.p4, p.p5, p.p6];
  } finally {
    Object.values(body).forEach((t) => t.dispose());
  }
}

/** Mask probabilities [D, M, M] of the detections, the mask head run `batch` detections at a time. */
async function maskProbabilities(
  weights: WeightMap,
  levels: readonly tf.Tensor4D[],
  boxes: Float32Array,
  classes: Int32Array,
  options: MaskRcnnOptions,
): Promise<Float32Array> {
  const d = classes.length;
  const parts: Float32Array[] = [];
  for (let start = 0; start < d; start += options.maskBatchSize) {
    const end = Math.min(d, start + options.maskBatchSize);
    const probs = tf.tidy(() => {
      const rois = tf.tensor2d(boxes.subarray(4 * start, 4 * end), [end - start, 4]);
      const pooled = multiLevelRoiAlign(levels, rois, new Int32Array(end - start), options.maskPooler);
      return selectClassMasks(maskHeadForward(weights, pooled), classes.subarray(start, end));
    });
    parts.push((await probs.data()) as Float32Array);
    probs.dispose();
  }
  return concatFloat32(parts);
}

/** Milliseconds spent in each stage, accumulated over calls (for benchmarks). */
export type StageTimes = Record<'preprocess' | 'backbone' | 'rpn' | 'boxHead' | 'maskHead' | 'paste', number>;

/** A stopwatch adding each lap to `times[stage]` (a no-op without `times`). */
function stopwatch(times: StageTimes | undefined): (stage: keyof StageTimes) => void {
  let last = performance.now();
  return (stage) => {
    const now = performance.now();
    if (times !== undefined) times[stage] += now - last;
    last = now;
  };
}

/**
 * Runs Mask R-CNN on one picture.
 *
 * @param weights every parameter, by Detectron2 name in tfjs layouts (`loadWeights`); FrozenBN may be folded.
 * @param anchors the anchor generator of the model (`anchorGeneratorFromConfig`), reused across calls.
 * @param times when given, the milliseconds of each stage are added to it.
 * @returns the detections at the picture's resolution, best first: boxes [D, 4], scores [D],
 *   classes [D] and, with `maskOn`, one counts RLE per detection over the picture's row-major pixels.
 */
export async function maskRcnnInference(
  weights: WeightMap,
  anchors: AnchorGenerator,
  picture: Picture,
  options: MaskRcnnOptions,
  times?: StageTimes,
): Promise<Detections> {
  const lap = stopwatch(times);
  const input = preprocessImage(picture, options.preprocess);
  lap('preprocess');
  let levels: tf.Tensor4D[] = [];
  try {
    levels = features(weights, input.images, options);
    // Kernels may run asynchronously (WebGPU): wait for the last level before reading the clock.
    if (times !== undefined) await levels[4].data();
    lap('backbone');
    const [, paddedH, paddedW] = input.images.shape;
    const head = rpnHead(levels, weights);
    let proposals;
    try {
      const grid = levels.map((l) => [l.shape[1], l.shape[2]] as const);
      proposals = (await proposalsFromHead(head, anchors.generate(grid, [paddedH, paddedW]), [input.resizedSize], options.proposals))[0];
    } finally {
      head.logits.forEach((t) => t.dispose());
      head.deltas.forEach((t) => t.dispose());
    }
    lap('rpn');
    const pyramid = levels.slice(0, 4);
    const r = proposals.boxes.length / 4;
    const [logits, deltas] = tf.tidy(() => {
      const rois = tf.tensor2d(proposals.boxes, [r, 4]);
      const out = boxHeadForward(weights, multiLevelRoiAlign(pyramid, rois, new Int32Array(r), options.boxPooler));
      return [out.logits, out.deltas];
    });
    let detections;
    try {
      detections = await fastRcnnInference(logits, deltas, proposals.boxes, input.resizedSize, options.detections);
    } finally {
      logits.dispose();
      deltas.dispose();
    }
    lap('boxHead');
    const [height, width] = input.originalSize;
    const { boxes, scores, classes, inputBoxes } = detectionsOnPicture(detections, input.resizedSize, input.originalSize, options.postprocess);
    if (!options.maskOn) return { height, width, boxes, scores, classes };
    const probs = await maskProbabilities(weights, pyramid, inputBoxes, classes, options);
    lap('maskHead');
    const masks = classes.length === 0 ? [] : pasteMasks(probs, boxes, [height, width], options.paste);
    lap('paste');
    return { height, width, boxes, scores, classes, masks };
  } finally {
    input.images.dispose();
    levels.forEach((t) => t.dispose());
  }
}
