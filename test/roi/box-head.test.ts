import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { boxHeadForward } from '../../src/roi/box-head.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { HEADS, fixtureWeights, maxAbsError } from './heads-fixture.js';

const { R, P, C, K } = HEADS.boxHead;

describe('boxHeadForward against torchvision 0.14 TwoMLPHead + FastRCNNPredictor (converted weights)', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: logits [R, K + 1] (background last) and deltas [R, 4K] to 1e-4`, async (t) => {
      await useBackend(backend);
      const weights = fixtureWeights(HEADS.boxHead.weights);
      await withoutLeaks(async () => {
        const pooled = tf.tensor4d(HEADS.boxHead.pooled, [R, P, P, C]);
        const { logits, deltas } = boxHeadForward(weights, pooled);
        assert.deepEqual(logits.shape, [R, K + 1]);
        assert.deepEqual(deltas.shape, [R, 4 * K]);
        const logitsError = maxAbsError(await logits.data(), HEADS.boxHead.logits);
        const deltasError = maxAbsError(await deltas.data(), HEADS.boxHead.deltas);
        t.diagnostic(`max abs error: logits ${logitsError.toExponential(2)}, deltas ${deltasError.toExponential(2)}`);
        assert.ok(logitsError <= 1e-4, `logits: max abs error ${logitsError}`);
        assert.ok(deltasError <= 1e-4, `deltas: max abs error ${deltasError}`);
        tf.dispose([pooled, logits, deltas]);
      });
      tf.dispose([...weights.values()]);
    });
  }

  it('computes relu(relu(x W1 + b1) W2 + b2) by hand on a 1 x 1 x 2 input', async () => {
    await useBackend('cpu');
    const weights = new Map<string, tf.Tensor>([
      ['roi_heads.box_head.fc1.weight', tf.tensor2d([[1, -1], [2, 1]])], // x = [1, 3] -> [7, 2]
      ['roi_heads.box_head.fc1.bias', tf.tensor1d([0, -5])], // -> relu [7, 0]
      ['roi_heads.box_head.fc2.weight', tf.tensor2d([[1], [4]])], // -> [7]
      ['roi_heads.box_head.fc2.bias', tf.tensor1d([-10])], // -> relu(-3) = 0
      ['roi_heads.box_predictor.cls_score.weight', tf.tensor2d([[1, 1]])],
      ['roi_heads.box_predictor.cls_score.bias', tf.tensor1d([0.5, -0.5])],
      ['roi_heads.box_predictor.bbox_pred.weight', tf.tensor2d([[1, 1, 1, 1]])],
      ['roi_heads.box_predictor.bbox_pred.bias', tf.tensor1d([1, 2, 3, 4])],
    ]);
    await withoutLeaks(async () => {
      const pooled = tf.tensor4d([1, 3], [1, 1, 1, 2]);
      const { logits, deltas } = boxHeadForward(weights, pooled);
      assert.deepEqual(Array.from(await logits.data()), [0.5, -0.5]);
      assert.deepEqual(Array.from(await deltas.data()), [1, 2, 3, 4]);
      tf.dispose([pooled, logits, deltas]);
    });
    tf.dispose([...weights.values()]);
  });

  it('rejects a pooled tensor of the wrong rank or size, naming the function and the shape', async () => {
    await useBackend('cpu');
    const weights = fixtureWeights(HEADS.boxHead.weights);
    await withoutLeaks(() => {
      const flat = tf.zeros([R, P * P * C]);
      assert.throws(() => boxHeadForward(weights, flat as unknown as tf.Tensor4D), /boxHeadForward: pooled must be a \[R, P, P, C\] tensor, got shape \[48, 196\]/);
      const wrongC = tf.zeros([R, P, P, C + 1]) as tf.Tensor4D;
      assert.throws(() => boxHeadForward(weights, wrongC), /weight "roi_heads.box_head.fc1.weight" has shape \[196, 32\], expected \[245, out\]/);
      tf.dispose([flat, wrongC]);
    });
    weights.get('roi_heads.box_predictor.bbox_pred.weight')?.dispose();
    weights.delete('roi_heads.box_predictor.bbox_pred.weight');
    const pooled = tf.zeros([1, P, P, C]) as tf.Tensor4D;
    assert.throws(() => boxHeadForward(weights, pooled), /missing weight "roi_heads.box_predictor.bbox_pred.weight"/);
    tf.dispose([pooled, ...weights.values()]);
  });
});
