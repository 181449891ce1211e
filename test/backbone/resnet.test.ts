import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { RESNET_STAGES, foldFrozenBatchNorm, resnetForward, resnetSpec } from '../../src/backbone/index.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { ErrorTally, SIZES, errors, golden, goldenWeights } from './fixture.js';

const VARIANTS = [
  { variant: 'torchvision', net: 'bottleneck', strideInOneByOne: false },
  { variant: 'detectron2', net: 'bottleneck', strideInOneByOne: true },
  { variant: 'basic', net: 'basic', strideInOneByOne: false },
] as const;

describe('resnetSpec', () => {
  it('reads channels, block counts, strides and shortcuts from the weights', async () => {
    await useBackend('cpu');
    const weights = goldenWeights('bottleneck');
    const spec = resnetSpec(weights);
    assert.equal(spec.inChannels, 3);
    assert.equal(spec.stemChannels, 8);
    assert.deepEqual(
      spec.stages.map((s) => [s.name, s.blocks.length, s.outChannels, s.stride]),
      [
        ['res2', 2, 16, 4],
        ['res3', 2, 32, 8],
        ['res4', 1, 64, 16],
        ['res5', 1, 128, 32],
      ],
    );
    const res3 = spec.stages[1].blocks;
    assert.deepEqual(
      res3.map((b) => [b.name, b.kind, b.stride, b.inChannels, b.bottleneckChannels, b.outChannels, b.shortcut]),
      [
        ['backbone.bottom_up.res3.0', 'bottleneck', 2, 16, 8, 32, true],
        ['backbone.bottom_up.res3.1', 'bottleneck', 1, 32, 8, 32, false],
      ],
    );
    const basic = resnetSpec(goldenWeights('basic'));
    assert.deepEqual(
      basic.stages.map((s) => [s.blocks[0].kind, s.blocks[0].stride, s.blocks[0].shortcut, s.outChannels]),
      [
        ['basic', 1, false, 4],
        ['basic', 2, true, 8],
        ['basic', 2, true, 16],
        ['basic', 2, true, 32],
      ],
    );
    tf.dispose([...weights.values()]);
  });

  it('names the weight that does not fit', async () => {
    await useBackend('cpu');
    const weights = goldenWeights('bottleneck');
    const broken = new Map(weights);
    broken.delete('backbone.bottom_up.res4.0.shortcut.weight');
    assert.throws(() => resnetSpec(broken), /block "backbone\.bottom_up\.res4\.0" maps 32 -> 64 channels at stride 2 but has no/);
    broken.set('backbone.bottom_up.res4.0.shortcut.weight', weights.get('backbone.bottom_up.res3.0.shortcut.weight')!);
    assert.throws(() => resnetSpec(broken), /weight "backbone\.bottom_up\.res4\.0\.shortcut\.weight" has shape \[1, 1, 16, 32\], expected \[1, 1, 32, 64\]/);
    tf.dispose([...weights.values()]);
  });
});

describe('resnetForward against torchvision 0.14 (scripts/fixtures/backbone.py)', () => {
  for (const backend of BACKENDS) {
    for (const { variant, net, strideInOneByOne } of VARIANTS) {
      for (const folded of [false, true]) {
        it(`${backend}: ${variant} blocks, ${folded ? 'folded' : 'unfolded'} FrozenBatchNorm, res2..res5 to 1e-4 relative`, async (t) => {
          await useBackend(backend);
          const weights = goldenWeights(net);
          const tally = new ErrorTally();
          await withoutLeaks(() => {
            const used = folded ? foldFrozenBatchNorm(weights) : weights;
            for (const size of SIZES) {
              const image = golden(`input/${size}`) as tf.Tensor4D;
              const out = resnetForward(used, image, { strideInOneByOne, outFeatures: RESNET_STAGES });
              assert.deepEqual(Object.keys(out).sort(), [...RESNET_STAGES]);
              for (const stage of RESNET_STAGES) {
                const expected = golden(`output/${variant}/${size}/${stage}`);
                const e = errors(out[stage], expected);
                tally.add(e);
                assert.ok(e.rel <= 1e-4, `${size} ${stage}: max abs error ${e.abs}, rel ${e.rel}`);
                expected.dispose();
              }
              tf.dispose([image, ...Object.values(out)]);
            }
            if (folded) tf.dispose([...used.values()]);
          });
          t.diagnostic(tally.toString());
          tf.dispose([...weights.values()]);
        });
      }
    }
  }
});

describe('resnetForward', () => {
  it('returns only the requested features and stops after the last one', async () => {
    await useBackend('cpu');
    const weights = goldenWeights('bottleneck');
    const image = golden('input/67x93') as tf.Tensor4D;
    await withoutLeaks(() => {
      const out = resnetForward(weights, image, { strideInOneByOne: false, outFeatures: ['stem', 'res3'] });
      assert.deepEqual(Object.keys(out).sort(), ['res3', 'stem']);
      assert.deepEqual(out.stem.shape, [1, 17, 24, 8]); // ceil(67 / 4), ceil(93 / 4)
      const expected = golden('output/torchvision/67x93/res3');
      assert.ok(errors(out.res3, expected).rel <= 1e-4);
      tf.dispose([expected, out.stem, out.res3]);
      // Without res4/res5 weights the body still runs up to res3.
      const truncated = new Map([...weights].filter(([name]) => !/\.res[45]\./.test(name)));
      const res3 = resnetForward(truncated, image, { strideInOneByOne: false, outFeatures: ['res3'] }).res3;
      assert.deepEqual(res3.shape, [1, 9, 12, 32]);
      res3.dispose();
      assert.throws(
        () => resnetForward(truncated, image, { strideInOneByOne: false, outFeatures: ['res4'] }),
        /resnetForward: outFeatures asks for "res4", but the weights hold only stem, res2, res3/,
      );
    });
    tf.dispose([image, ...weights.values()]);
  });

  it('checks the images', async () => {
    await useBackend('cpu');
    const weights = goldenWeights('basic');
    const gray = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
    assert.throws(
      () => resnetForward(weights, gray, { strideInOneByOne: false, outFeatures: ['res2'] }),
      /resnetForward: images must be float32 \[N, H, W, 3\], got float32 \[1, 32, 32, 1\]/,
    );
    const ints = tf.zeros([1, 32, 32, 3], 'int32') as tf.Tensor4D;
    assert.throws(() => resnetForward(weights, ints, { strideInOneByOne: false, outFeatures: ['res2'] }), /got int32/);
    tf.dispose([gray, ints, ...weights.values()]);
  });
});
