import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { maskHeadForward, selectClassMasks } from '../../src/mask/index.js';
import { HEADS, fixtureWeights, maxAbsError } from '../roi/heads-fixture.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';

const { D, S, C, K } = HEADS.maskHead;

describe('maskHeadForward against torchvision 0.14 MaskRCNNHeads + MaskRCNNPredictor (converted weights)', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: logits [D, 28, 28, K] and class probabilities [D, 28, 28] to 1e-4`, async (t) => {
      await useBackend(backend);
      const weights = fixtureWeights(HEADS.maskHead.weights);
      await withoutLeaks(async () => {
        const pooled = tf.tensor4d(HEADS.maskHead.pooled, [D, S, S, C]);
        const logits = maskHeadForward(weights, pooled);
        assert.deepEqual(logits.shape, [D, 2 * S, 2 * S, K]);
        const probs = selectClassMasks(logits, Int32Array.from(HEADS.maskHead.classes));
        assert.deepEqual(probs.shape, [D, 2 * S, 2 * S]);
        const logitsError = maxAbsError(await logits.data(), HEADS.maskHead.logits);
        const probsError = maxAbsError(await probs.data(), HEADS.maskHead.probabilities);
        t.diagnostic(`max abs error: logits ${logitsError.toExponential(2)}, probabilities ${probsError.toExponential(2)}`);
        assert.ok(logitsError <= 1e-4, `logits: max abs error ${logitsError}`);
        assert.ok(probsError <= 1e-4, `probabilities: max abs error ${probsError}`);
        tf.dispose([pooled, logits, probs]);
      });
      tf.dispose([...weights.values()]);
    });

    it(`${backend}: the deconv as matmul + depthToSpace equals tf.conv2dTranspose`, async () => {
      await useBackend(backend);
      const weights = fixtureWeights(HEADS.maskHead.weights);
      // An identity 3x3 conv stack and a 1x1 predictor that copies channel 0 expose the deconv.
      const width = weights.get('roi_heads.mask_head.deconv.weight')!.shape[3]!;
      const identity = tf.tidy(() => tf.pad(tf.reshape(tf.eye(width), [1, 1, width, width]), [[1, 1], [1, 1], [0, 0], [0, 0]]));
      const stem = tf.tidy(() => tf.pad(tf.reshape(tf.eye(C), [1, 1, C, C]), [[1, 1], [1, 1], [0, 0], [0, width - C]]));
      const replaced = new Map(weights);
      replaced.set('roi_heads.mask_head.mask_fcn1.weight', stem);
      for (const i of [2, 3, 4]) replaced.set(`roi_heads.mask_head.mask_fcn${i}.weight`, identity);
      const zeros = tf.zeros([width]);
      for (const i of [1, 2, 3, 4]) replaced.set(`roi_heads.mask_head.mask_fcn${i}.bias`, zeros);
      const predictor = tf.tidy(() => tf.reshape(tf.eye(width), [1, 1, width, width]));
      replaced.set('roi_heads.mask_head.predictor.weight', predictor);
      replaced.set('roi_heads.mask_head.predictor.bias', zeros);
      await withoutLeaks(async () => {
        const pooled = tf.tensor4d(HEADS.maskHead.pooled, [D, S, S, C]);
        const ours = maskHeadForward(replaced, pooled);
        const reference = tf.tidy(() => {
          const x = tf.pad(pooled, [[0, 0], [0, 0], [0, 0], [0, width - C]]);
          const filter = weights.get('roi_heads.mask_head.deconv.weight') as tf.Tensor4D;
          const y = tf.conv2dTranspose(x, filter, [D, 2 * S, 2 * S, width], 2, 'valid');
          return tf.relu(tf.add(y, weights.get('roi_heads.mask_head.deconv.bias')!));
        });
        const error = maxAbsError(await ours.data(), await reference.data());
        assert.ok(error <= 1e-5, `max abs error ${error}`);
        tf.dispose([pooled, ours, reference]);
      });
      tf.dispose([identity, stem, zeros, predictor, ...weights.values()]);
    });
  }

  it('selectClassMasks takes the one channel of a class-agnostic head whatever the class', async () => {
    await useBackend('cpu');
    await withoutLeaks(async () => {
      const logits = tf.tensor4d([0, Math.log(3)], [2, 1, 1, 1]);
      const probs = selectClassMasks(logits, Int32Array.of(5, 0));
      const values = Array.from(await probs.data());
      assert.equal(values[0], 0.5);
      assert.ok(Math.abs(values[1] - 0.75) < 1e-6);
      tf.dispose([logits, probs]);
    });
  });

  it('checks its inputs, naming the function and what came', async () => {
    await useBackend('cpu');
    const logits = tf.zeros([2, 28, 28, 3]) as tf.Tensor4D;
    assert.throws(() => selectClassMasks(logits, Int32Array.of(0)), /selectClassMasks: classes must be an Int32Array of length 2/);
    assert.throws(() => selectClassMasks(logits, Int32Array.of(0, 3)), /selectClassMasks: classes\[1\] = 3 is outside \[0, 3\)/);
    const weights = fixtureWeights(HEADS.maskHead.weights);
    const pooled = tf.zeros([1, S, S, C + 1]) as tf.Tensor4D;
    const flat = tf.zeros([2, 28, 84]);
    assert.throws(() => maskHeadForward(weights, pooled), /weight "roi_heads.mask_head.mask_fcn1.weight" has shape \[3, 3, 4, 8\], expected \[3, 3, 5, out\]/);
    assert.throws(() => maskHeadForward(weights, flat as unknown as tf.Tensor4D), /maskHeadForward: pooled must be a \[D, S, S, C\] tensor, got shape \[2, 28, 84\]/);
    tf.dispose([logits, pooled, flat, ...weights.values()]);
  });
});
