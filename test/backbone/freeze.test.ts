import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { foldFrozenBatchNorm, frozenParameterNames } from '../../src/backbone/index.js';
import { useBackend } from '../tf/backends.js';
import { goldenWeights } from './fixture.js';

describe('frozenParameterNames (FREEZE_AT)', () => {
  it('freezes nothing at 0, the stem at 1, then one more stage per step; never the FPN', async () => {
    await useBackend('cpu');
    const weights = goldenWeights('bottleneck');
    const stages = (freezeAt: number) => [...new Set(frozenParameterNames(weights, freezeAt).map((n) => n.split('.')[2]))];
    assert.deepEqual(frozenParameterNames(weights, 0), []);
    assert.deepEqual(frozenParameterNames(weights, 1), [
      'backbone.bottom_up.stem.conv1.weight',
      'backbone.bottom_up.stem.conv1.norm.weight',
      'backbone.bottom_up.stem.conv1.norm.bias',
      'backbone.bottom_up.stem.conv1.norm.running_mean',
      'backbone.bottom_up.stem.conv1.norm.running_var',
    ]);
    assert.deepEqual(stages(2), ['stem', 'res2']);
    assert.deepEqual(stages(4), ['stem', 'res2', 'res3', 'res4']);
    const body = [...weights.keys()].filter((n) => n.startsWith('backbone.bottom_up.'));
    assert.deepEqual(frozenParameterNames(weights, 5), body);
    assert.deepEqual(frozenParameterNames(weights, 7), body);
    const folded = foldFrozenBatchNorm(weights);
    assert.deepEqual(frozenParameterNames(folded, 1).sort(), ['backbone.bottom_up.stem.conv1.bias', 'backbone.bottom_up.stem.conv1.weight']);
    tf.dispose([...weights.values(), ...folded.values()]);
  });

  it('takes a prefix and checks freezeAt', () => {
    const weights = new Map([['body.res2.0.conv1.weight', tf.zeros([1])], ['backbone.bottom_up.res2.0.conv1.weight', tf.zeros([1])]]);
    assert.deepEqual(frozenParameterNames(weights, 2, 'body'), ['body.res2.0.conv1.weight']);
    assert.throws(() => frozenParameterNames(weights, -1), /frozenParameterNames: freezeAt must be a non-negative integer, got -1/);
    assert.throws(() => frozenParameterNames(weights, 1.5), /got 1.5/);
    tf.dispose([...weights.values()]);
  });
});
