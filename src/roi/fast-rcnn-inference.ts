/**
 * `fastRcnnInference`: the detection post-processing (fast-rcnn.ts) fed from the box
 * predictor's tensors.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { ImageSize } from '../structures/boxes.js';
import { describe } from '../utils/describe.js';
import { DEFAULT_FAST_RCNN_INFERENCE, type FastRcnnDetections, type FastRcnnInferenceOptions, checkImageSize, checkOptions, detectionsFromPredictions } from './fast-rcnn.js';

/**
 * Detections of one image from the box predictor's outputs: softmax, decoding against the
 * proposals, then `fastRcnnInferenceSingleImage`. Reads the tensors back (the only await).
 *
 * @param logits [R, K + 1] class logits, background last (`boxHeadForward`).
 * @param deltas [R, 4K] class-specific (or [R, 4] class-agnostic) deltas.
 * @param proposals [R, 4] absolute `x1, y1, x2, y2` the RoIs were pooled from.
 * @param imageSize `[height, width]` of the network input the boxes are clipped to.
 * @param options thresholds and style (`DEFAULT_FAST_RCNN_INFERENCE` fills what is left out).
 */
export async function fastRcnnInference(
  logits: tf.Tensor2D,
  deltas: tf.Tensor2D,
  proposals: Float32Array | tf.Tensor2D,
  imageSize: ImageSize,
  options: Partial<FastRcnnInferenceOptions> = {},
): Promise<FastRcnnDetections> {
  const fn = 'fastRcnnInference';
  const opts = { ...DEFAULT_FAST_RCNN_INFERENCE, ...options };
  checkOptions(opts, fn);
  checkImageSize(imageSize, fn);
  if (!(logits instanceof tf.Tensor) || logits.rank !== 2 || logits.shape[1] < 2) {
    throw new Error(`${fn}: logits must be a [R, K + 1] tensor with K >= 1, got ${logits instanceof tf.Tensor ? `shape [${logits.shape.join(', ')}]` : describe(logits)}`);
  }
  const [r, k1] = logits.shape;
  const k = k1 - 1;
  if (!(deltas instanceof tf.Tensor) || deltas.rank !== 2 || deltas.shape[0] !== r || (deltas.shape[1] !== 4 * k && deltas.shape[1] !== 4)) {
    throw new Error(`${fn}: deltas must be [${r}, ${4 * k}] or [${r}, 4], got ${deltas instanceof tf.Tensor ? `shape [${deltas.shape.join(', ')}]` : describe(deltas)}`);
  }
  const proposalShape = proposals instanceof tf.Tensor ? proposals.shape : [proposals instanceof Float32Array ? proposals.length / 4 : NaN, 4];
  if (proposalShape.length !== 2 || proposalShape[0] !== r || proposalShape[1] !== 4) {
    throw new Error(`${fn}: proposals must be [${r}, 4], got ${proposals instanceof tf.Tensor ? `shape [${proposals.shape.join(', ')}]` : describe(proposals)}`);
  }
  const probs = tf.softmax(logits);
  try {
    const [scores, rawDeltas, boxes] = await Promise.all([
      probs.data() as Promise<Float32Array>,
      deltas.data() as Promise<Float32Array>,
      proposals instanceof tf.Tensor ? (proposals.data() as Promise<Float32Array>) : Promise.resolve(proposals),
    ]);
    return detectionsFromPredictions(scores, rawDeltas, boxes, imageSize, opts);
  } finally {
    probs.dispose();
  }
}
