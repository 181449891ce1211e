import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { type FastRcnnDetections, fastRcnnInferenceSingleImage } from '../../src/roi/fast-rcnn.js';
import { fastRcnnInference } from '../../src/roi/fast-rcnn-inference.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { type DetectionsFixture, HEADS, maxAbsError } from './heads-fixture.js';

const { R, K, imageSize, options } = HEADS.boxHead;

function compare(actual: FastRcnnDetections, expected: DetectionsFixture): number {
  assert.deepEqual(Array.from(actual.classes), expected.classes, 'classes, in order');
  if (expected.proposalIndex !== undefined) assert.deepEqual(Array.from(actual.proposalIndex), expected.proposalIndex, 'proposal rows');
  const error = Math.max(maxAbsError(actual.boxes, expected.boxes), maxAbsError(actual.scores, expected.scores));
  assert.ok(error <= 1e-4, `boxes and scores: max abs error ${error}`);
  return error;
}

describe('fastRcnnInference against torchvision 0.14 postprocess_detections and a port of Detectron2 fast_rcnn_inference_single_image', () => {
  for (const backend of BACKENDS) {
    for (const style of ['detectron2', 'torchvision'] as const) {
      it(`${backend}: ${style} detections (boxes, scores to 1e-4, classes, identical order)`, async (t) => {
        await useBackend(backend);
        await withoutLeaks(async () => {
          const logits = tf.tensor2d(HEADS.boxHead.logits, [R, K + 1]);
          const deltas = tf.tensor2d(HEADS.boxHead.deltas, [R, 4 * K]);
          const detections = await fastRcnnInference(logits, deltas, Float32Array.from(HEADS.boxHead.proposals), imageSize, { ...options, style });
          const error = compare(detections, HEADS.boxHead[style]);
          t.diagnostic(`${detections.scores.length} detections, max abs error ${error.toExponential(2)}`);
          tf.dispose([logits, deltas]);
        });
      });
    }
  }

  it('takes the proposals as a tensor too', async () => {
    await useBackend('cpu');
    await withoutLeaks(async () => {
      const logits = tf.tensor2d(HEADS.boxHead.logits, [R, K + 1]);
      const deltas = tf.tensor2d(HEADS.boxHead.deltas, [R, 4 * K]);
      const proposals = tf.tensor2d(HEADS.boxHead.proposals, [R, 4]);
      compare(await fastRcnnInference(logits, deltas, proposals, imageSize, options), HEADS.boxHead.detectron2);
      tf.dispose([logits, deltas, proposals]);
    });
  });

  it('checks its inputs, naming the function, the argument and what came', async () => {
    await useBackend('cpu');
    const logits = tf.zeros([4, 3]) as tf.Tensor2D;
    const deltas = tf.zeros([4, 8]) as tf.Tensor2D;
    const wrong = tf.zeros([4, 7]) as tf.Tensor2D;
    const proposals = new Float32Array(16);
    await assert.rejects(fastRcnnInference(logits, wrong, proposals, [10, 10]), /fastRcnnInference: deltas must be \[4, 8\] or \[4, 4\], got shape \[4, 7\]/);
    await assert.rejects(fastRcnnInference(logits, deltas, new Float32Array(12), [10, 10]), /fastRcnnInference: proposals must be \[4, 4\], got Float32Array of length 12/);
    await assert.rejects(fastRcnnInference(logits, deltas, proposals, [10, 10], { nmsThresh: 2 }), /nmsThresh must be in \[0, 1\], got number 2/);
    await assert.rejects(fastRcnnInference(logits, deltas, proposals, [10.5, 10]), /imageSize must be \[height, width\]/);
    tf.dispose([logits, deltas, wrong]);
  });
});

describe('fastRcnnInferenceSingleImage on hand-made boxes', () => {
  // Two proposals, K = 2 classes; scores [R, K + 1] background last.
  const boxes = Float32Array.of(
    0, 0, 10, 10, /* class 0 */ 1, 1, 11, 11, // class 1
    0, 0, 10, 10.5, /* class 0: IoU 0.95 with row 0's */ 20, 20, 20.005, 30, // class 1: 0.005 wide
  );
  const scores = Float32Array.of(0.6, 0.3, 0.1, 0.5, 0.45, 0.05);

  it('thresholds strictly, suppresses within a class only, orders by score, keeps the top k', () => {
    const d = fastRcnnInferenceSingleImage(boxes, scores, 2, [100, 100], { scoreThresh: 0.3 });
    // 0.3 is not > 0.3: row 0 class 1 goes; row 1 class 0 (0.5) is suppressed by row 0 class 0 (0.6).
    assert.deepEqual(Array.from(d.scores), [Math.fround(0.6), Math.fround(0.45)]);
    assert.deepEqual(Array.from(d.classes), [0, 1]);
    assert.deepEqual(Array.from(d.proposalIndex), [0, 1]);
    const top1 = fastRcnnInferenceSingleImage(boxes, scores, 2, [100, 100], { scoreThresh: 0.3, detectionsPerImage: 1 });
    assert.deepEqual(Array.from(top1.classes), [0]);
  });

  it("torchvision style drops boxes under 1e-2 wide (remove_small_boxes), Detectron2's keeps them", () => {
    const d2 = fastRcnnInferenceSingleImage(boxes, scores, 2, [100, 100], { scoreThresh: 0.4 });
    const tv = fastRcnnInferenceSingleImage(boxes, scores, 2, [100, 100], { scoreThresh: 0.4, style: 'torchvision' });
    assert.deepEqual(Array.from(d2.scores), [Math.fround(0.6), Math.fround(0.45)]);
    assert.deepEqual(Array.from(tv.scores), [Math.fround(0.6)]);
  });

  it('clips to the image; Detectron2 style drops proposals with a non-finite box or score', () => {
    const wide = Float32Array.of(-5, -5, 50, 8, 0, 0, 1, 1, NaN, 0, 5, 5, 0, 0, 5, 5);
    const s = Float32Array.of(0.9, 0.05, 0.05, 0.6, 0.3, 0.1);
    const d = fastRcnnInferenceSingleImage(wide, s, 2, [6, 40], { scoreThresh: 0.25 });
    assert.deepEqual(Array.from(d.boxes), [0, 0, 40, 6]);
    assert.deepEqual(Array.from(d.proposalIndex), [0]);
    // torchvision drops only the NaN box (in remove_small_boxes) and keeps the row's finite one.
    const tv = fastRcnnInferenceSingleImage(wide, s, 2, [6, 40], { scoreThresh: 0.25, style: 'torchvision' });
    assert.deepEqual(Array.from(tv.proposalIndex), [0, 1]);
    assert.deepEqual(Array.from(tv.classes), [0, 1]);
  });

  it('regresses one box per proposal when the regression is class-agnostic', () => {
    const agnostic = Float32Array.of(0, 0, 10, 10, 50, 50, 60, 60);
    const d = fastRcnnInferenceSingleImage(agnostic, scores, 2, [100, 100], { scoreThresh: 0.4 });
    assert.deepEqual(Array.from(d.boxes), [0, 0, 10, 10, 50, 50, 60, 60, 50, 50, 60, 60]);
    assert.deepEqual(Array.from(d.classes), [0, 0, 1]);
  });

  it('rejects scores and boxes that do not fit the class count', () => {
    assert.throws(() => fastRcnnInferenceSingleImage(boxes, scores.subarray(1), 2, [10, 10]), /scores must be a Float32Array \[R, 3\], got Float32Array of length 5/);
    assert.throws(() => fastRcnnInferenceSingleImage(boxes.subarray(4), scores, 2, [10, 10]), /boxes must be a Float32Array \[2, 8\] or \[2, 4\], got Float32Array of length 12/);
  });
});
