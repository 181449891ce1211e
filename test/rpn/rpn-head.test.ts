import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { rpnHead } from '../../src/rpn/index.js';
import type { WeightMap } from '../../src/weights/weight-map.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { f32, fixture, maxAbsDiff } from './fixture.js';

const { head } = fixture;

function weightMap(): Map<string, tf.Tensor> {
  return new Map(Object.entries(head.weights).map(([name, w]) => [name, tf.tensor(f32(w.data), w.shape)]));
}

function features(): tf.Tensor4D[] {
  return head.grids.map(([h, w], l) => tf.tensor4d(f32(head.features[l]), [head.batch, h, w, head.channels]));
}

describe('rpnHead', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: logits and deltas equal torchvision's RPNHead (5 levels, batch 2, 1e-4)`, async () => {
      await useBackend(backend);
      const weights = weightMap();
      const x = features();
      const out = await withoutLeaks(async () => {
        const { logits, deltas } = rpnHead(x, weights);
        const shapes = [...logits, ...deltas].map((t) => t.shape);
        const data = await Promise.all([...logits, ...deltas].map((t) => t.data()));
        tf.dispose([...logits, ...deltas]);
        return { shapes, data };
      });
      const a = head.numAnchors;
      head.grids.forEach(([h, w], l) => {
        assert.deepEqual(out.shapes[l], [head.batch, h * w * a]);
        assert.deepEqual(out.shapes[head.grids.length + l], [head.batch, h * w * a, 4]);
        const logitErr = maxAbsDiff(out.data[l], f32(head.logits[l]));
        const deltaErr = maxAbsDiff(out.data[head.grids.length + l], f32(head.deltas[l]));
        assert.ok(logitErr <= 1e-4, `level ${l} logits max error ${logitErr}`);
        assert.ok(deltaErr <= 1e-4, `level ${l} deltas max error ${deltaErr}`);
      });
      tf.dispose([...weights.values(), ...x]);
    });
  }

  it('names the missing or misshapen weight and the bad feature map', async () => {
    await useBackend('cpu');
    const x = features();
    const weights = weightMap();
    const missing: WeightMap = new Map([...weights].filter(([name]) => !name.endsWith('anchor_deltas.bias')));
    assert.throws(() => rpnHead(x, missing), /missing weight "proposal_generator.rpn_head.anchor_deltas.bias"/);
    const wrong = new Map(weights);
    wrong.set('proposal_generator.rpn_head.anchor_deltas.weight', tf.zeros([1, 1, 8, 16]));
    assert.throws(() => rpnHead(x, wrong), /weight "proposal_generator.rpn_head.anchor_deltas.weight" has shape \[1, 1, 8, 16\], expected \[1, 1, 8, 20\]/);
    const odd = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
    assert.throws(() => rpnHead([x[0], odd], weights), /rpnHead: features\[1\] must be \[2, Hi, Wi, 8\] like features\[0\], got shape \[2, 4, 4, 3\]/);
    tf.dispose([...weights.values(), ...x, odd, wrong.get('proposal_generator.rpn_head.anchor_deltas.weight')!]);
  });
});
