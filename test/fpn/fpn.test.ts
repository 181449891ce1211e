import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { RESNET_STAGES, foldFrozenBatchNorm, resnetForward } from '../../src/backbone/index.js';
import { type FpnInput, fpnForward } from '../../src/fpn/index.js';
import { ErrorTally, SIZES, errors, golden, goldenWeights } from '../backbone/fixture.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';

const LEVELS = ['p2', 'p3', 'p4', 'p5', 'p6'] as const;

/** One-channel FPN weights that make each level a plain sum: laterals x1, outputs the identity 3x3. */
function sumWeights(): Map<string, tf.Tensor> {
  const weights = new Map<string, tf.Tensor>();
  const identity3x3 = [0, 0, 0, 0, 1, 0, 0, 0, 0];
  for (const k of [2, 3, 4, 5]) {
    weights.set(`backbone.fpn_lateral${k}.weight`, tf.tensor4d([1], [1, 1, 1, 1]));
    weights.set(`backbone.fpn_lateral${k}.bias`, tf.tensor1d([0]));
    weights.set(`backbone.fpn_output${k}.weight`, tf.tensor4d(identity3x3, [3, 3, 1, 1]));
    weights.set(`backbone.fpn_output${k}.bias`, tf.tensor1d([0]));
  }
  return weights;
}

describe('fpnForward against torchvision 0.14 FeaturePyramidNetwork (scripts/fixtures/backbone.py)', () => {
  for (const backend of BACKENDS) {
    for (const variant of ['torchvision', 'detectron2'] as const) {
      it(`${backend}: ${variant} features, p2..p6 to 1e-4 relative`, async (t) => {
        await useBackend(backend);
        const weights = goldenWeights('bottleneck');
        const tally = new ErrorTally();
        await withoutLeaks(() => {
          for (const size of SIZES) {
            const features = Object.fromEntries(
              RESNET_STAGES.map((s) => [s, golden(`output/${variant}/${size}/${s}`) as tf.Tensor4D]),
            ) as unknown as FpnInput;
            const out = fpnForward(weights, features);
            for (const level of LEVELS) {
              const expected = golden(`output/${variant}/${size}/${level}`);
              const e = errors(out[level], expected);
              tally.add(e);
              assert.ok(e.rel <= 1e-4, `${size} ${level}: max abs error ${e.abs}, rel ${e.rel}`);
              expected.dispose();
            }
            tf.dispose([...Object.values(features), ...Object.values(out)]);
          }
        });
        t.diagnostic(tally.toString());
        tf.dispose([...weights.values()]);
      });
    }

    it(`${backend}: ResNet body + FPN from the image, folded FrozenBatchNorm, to 1e-4 relative`, async (t) => {
      await useBackend(backend);
      const weights = goldenWeights('bottleneck');
      const tally = new ErrorTally();
      await withoutLeaks(() => {
        const folded = foldFrozenBatchNorm(weights);
        for (const size of SIZES) {
          const image = golden(`input/${size}`) as tf.Tensor4D;
          const features = resnetForward(folded, image, { strideInOneByOne: true, outFeatures: RESNET_STAGES });
          const out = fpnForward(folded, features);
          assert.deepEqual(
            LEVELS.map((l) => out[l].shape),
            size === '64x96'
              ? [[1, 16, 24, 16], [1, 8, 12, 16], [1, 4, 6, 16], [1, 2, 3, 16], [1, 1, 2, 16]]
              : [[1, 17, 24, 16], [1, 9, 12, 16], [1, 5, 6, 16], [1, 3, 3, 16], [1, 2, 2, 16]],
          );
          for (const level of LEVELS) {
            const expected = golden(`output/detectron2/${size}/${level}`);
            const e = errors(out[level], expected);
            tally.add(e);
            assert.ok(e.rel <= 1e-4, `${size} ${level}: max abs error ${e.abs}, rel ${e.rel}`);
            expected.dispose();
          }
          tf.dispose([image, ...Object.values(features), ...Object.values(out)]);
        }
        tf.dispose([...folded.values()]);
      });
      t.diagnostic(tally.toString());
      tf.dispose([...weights.values()]);
    });

    it(`${backend}: top-down sum and avg by hand, odd sizes upsampled as torchvision (rows floor(i * m / (2m - 1)))`, async () => {
      await useBackend(backend);
      const weights = sumWeights();
      await withoutLeaks(() => {
        const features: FpnInput = {
          res2: tf.zeros([1, 5, 1, 1]),
          res3: tf.zeros([1, 3, 1, 1]),
          res4: tf.tensor4d([10, 20, 30], [1, 3, 1, 1]),
          res5: tf.tensor4d([1, 2], [1, 2, 1, 1]),
        };
        const sum = fpnForward(weights, features);
        assert.deepEqual(Array.from(sum.p5.dataSync()), [1, 2]);
        assert.deepEqual(Array.from(sum.p6.dataSync()), [1]); // p5's rows 0, 2, ...
        assert.deepEqual(Array.from(sum.p4.dataSync()), [11, 21, 32]); // rows 0, 0, 1 of p5 added
        assert.deepEqual(Array.from(sum.p3.dataSync()), [11, 21, 32]); // same size: copied
        assert.deepEqual(Array.from(sum.p2.dataSync()), [11, 11, 21, 21, 32]); // floor(i * 3 / 5)
        const avg = fpnForward(weights, features, { fuseType: 'avg' });
        assert.deepEqual(Array.from(avg.p4.dataSync()), [5.5, 10.5, 16]);
        assert.deepEqual(Array.from(avg.p3.dataSync()), [2.75, 5.25, 8]);
        tf.dispose([...Object.values(features), ...Object.values(sum), ...Object.values(avg)]);
      });
      tf.dispose([...weights.values()]);
    });
  }

  it('checks its inputs', async () => {
    await useBackend('cpu');
    const weights = sumWeights();
    const one = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const two = tf.zeros([2, 1, 1, 1]) as tf.Tensor4D;
    assert.throws(
      () => fpnForward(weights, { res2: one, res3: one, res4: one, res5: two }),
      /fpnForward: features.res5 must be \[N, H, W, C\] with the batch of the others, got \[2, 1, 1, 1\]/,
    );
    const wide = tf.zeros([1, 1, 1, 4]) as tf.Tensor4D;
    assert.throws(
      () => fpnForward(weights, { res2: one, res3: one, res4: one, res5: wide }),
      /weight "backbone.fpn_lateral5.weight" has shape \[1, 1, 1, 1\], expected \[kh, kw, 4, Co\]/,
    );
    assert.throws(
      () => fpnForward(weights, { res2: one, res3: one, res4: one, res5: one }, { fuseType: 'max' as 'sum' }),
      /fpnForward: fuseType must be 'sum' or 'avg', got max/,
    );
    tf.dispose([one, two, wide, ...weights.values()]);
  });
});
