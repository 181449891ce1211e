import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { convNorm, foldFrozenBatchNorm, frozenBatchNorm, getFrozenBatchNorm } from '../../src/backbone/index.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { goldenWeights } from './fixture.js';

/** A 1x1 conv `conv` with kernel 2 and the norm weight 3, bias 1, mean 0.5, var 4: scale 3 / sqrt(4 + 1e-5) ~ 1.5. */
function oneByOne(convBias?: number): Map<string, tf.Tensor> {
  const weights = new Map<string, tf.Tensor>([
    ['conv.weight', tf.tensor4d([2], [1, 1, 1, 1])],
    ['conv.norm.weight', tf.tensor1d([3])],
    ['conv.norm.bias', tf.tensor1d([1])],
    ['conv.norm.running_mean', tf.tensor1d([0.5])],
    ['conv.norm.running_var', tf.tensor1d([4])],
  ]);
  if (convBias !== undefined) weights.set('conv.bias', tf.tensor1d([convBias]));
  return weights;
}

const SCALE = 3 / Math.sqrt(4 + 1e-5);

describe('FrozenBatchNorm', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: y = (x - mean) * weight / sqrt(var + 1e-5) + bias on the last axis`, async () => {
      await useBackend(backend);
      const weights = oneByOne();
      await withoutLeaks(() => {
        const norm = getFrozenBatchNorm(weights, 'conv.norm', 1)!;
        const x = tf.tensor4d([0.5, 2.5], [1, 1, 2, 1]);
        const y = frozenBatchNorm(x, norm);
        const [a, b] = y.dataSync();
        assert.ok(Math.abs(a - 1) < 1e-6 && Math.abs(b - (2 * SCALE + 1)) < 1e-6, `got ${a}, ${b}`);
        tf.dispose([x, y]);
      });
      tf.dispose([...weights.values()]);
    });

    it(`${backend}: folding gives W * scale and (b - mean) * scale + bias; convNorm agrees either way`, async () => {
      await useBackend(backend);
      for (const convBias of [undefined, 1]) {
        const weights = oneByOne(convBias);
        await withoutLeaks(() => {
          const folded = foldFrozenBatchNorm(weights);
          assert.deepEqual([...folded.keys()].sort(), ['conv.bias', 'conv.weight']);
          const [w] = folded.get('conv.weight')!.dataSync();
          const [b] = folded.get('conv.bias')!.dataSync();
          assert.ok(Math.abs(w - 2 * SCALE) < 1e-6, `weight ${w}`);
          assert.ok(Math.abs(b - (((convBias ?? 0) - 0.5) * SCALE + 1)) < 1e-6, `bias ${b}`);
          const x = tf.tensor4d([-1, 0, 3], [1, 1, 3, 1]);
          const direct = convNorm(weights, 'conv', x, { stride: 1, padding: 0, relu: false });
          const viaBias = convNorm(folded, 'conv', x, { stride: 1, padding: 0, relu: false });
          const expected = [-1, 0, 3].map((v) => (2 * v + (convBias ?? 0) - 0.5) * SCALE + 1);
          for (const y of [direct, viaBias]) {
            y.dataSync().forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `${v} vs ${expected[i]}`));
          }
          tf.dispose([x, direct, viaBias, ...folded.values()]);
        });
        tf.dispose([...weights.values()]);
      }
    });
  }

  it('folds every conv norm of a network, keeps the other weights, and owns its tensors', async () => {
    await useBackend('cpu');
    const weights = goldenWeights('bottleneck');
    await withoutLeaks(() => {
      const folded = foldFrozenBatchNorm(weights);
      const convs = [...weights.keys()].filter((n) => n.endsWith('.norm.running_var')).map((n) => n.slice(0, -'.norm.running_var'.length));
      assert.equal(convs.length, 1 + 6 * 3 + 4); // the stem, 3 convs in each of 6 blocks, 4 shortcuts
      assert.ok([...folded.keys()].every((n) => !n.includes('.norm.')));
      for (const conv of convs) assert.deepEqual(folded.get(`${conv}.bias`)!.shape, [weights.get(`${conv}.weight`)!.shape[3]]);
      const fpnNames = [...weights.keys()].filter((n) => n.includes('.fpn_'));
      for (const name of fpnNames) assert.deepEqual(folded.get(name)!.dataSync(), weights.get(name)!.dataSync());
      assert.equal(folded.size, 2 * convs.length + fpnNames.length);
      tf.dispose([...folded.values()]);
    });
    assert.ok([...weights.values()].every((t) => !t.isDisposed));
    assert.equal(weights.get('backbone.fpn_output2.bias')!.dataSync().length, 16);
    tf.dispose([...weights.values()]);
  });

  it('rejects norms without running statistics (GroupNorm is not supported)', async () => {
    await useBackend('cpu');
    const weights = new Map([
      ['conv.norm.weight', tf.ones([2])],
      ['conv.norm.bias', tf.zeros([2])],
    ]);
    assert.throws(() => getFrozenBatchNorm(weights, 'conv.norm', 2), /getFrozenBatchNorm: "conv.norm" has no running_mean\/running_var/);
    assert.equal(getFrozenBatchNorm(weights, 'other.norm', 2), undefined);
    tf.dispose([...weights.values()]);
  });
});
