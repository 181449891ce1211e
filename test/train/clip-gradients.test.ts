import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { clipGradients, clipGradNorm, clipGradValue } from '../../src/train/clip-gradients.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { FIXTURE, normType, relativeError } from './solver-fixture.js';

const close = (actual: tf.Tensor, expected: number[], tol = 1e-6): void => {
  const a = Array.from(actual.dataSync());
  assert.ok(a.length === expected.length && a.every((v, i) => Math.abs(v - expected[i]) <= tol), `${a} vs ${expected}`);
};

describe('clipGradValue / clipGradNorm by hand', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: clamps, and scales by maxNorm / (norm + 1e-6) when the norm is over`, async () => {
      await useBackend(backend);
      await withoutLeaks(() => {
        const g = tf.tensor1d([3, -4]);
        const h = tf.tensor1d([-2, 0.3, 5]);
        const column = tf.tensor2d([[3], [-4]]);
        const results: [tf.Tensor, number[]][] = [
          [clipGradValue(h, 1), [-1, 0.3, 1]],
          [clipGradNorm(g, 1), [0.6, -0.8]], // ||(3, -4)||_2 = 5
          [clipGradNorm(g, 1, 1), [3 / 7, -4 / 7]], // L1 norm 7
          [clipGradNorm(g, 2, Infinity), [1.5, -2]], // max |g| = 4
          [clipGradNorm(g, 10), [3, -4]], // under the limit: times min(10 / 5, 1) = 1
          [clipGradNorm(column, 1), [0.6, -0.8]], // the norm is over every element of any shape
        ];
        for (const [actual, expected] of results) close(actual, expected);
        assert.deepEqual(results[5][0].shape, [2, 1]);
        assert.deepEqual(Array.from(g.dataSync()), [3, -4]); // the input is left alone
        tf.dispose([g, h, column, ...results.map(([t]) => t)]);
      });
    });
  }
});

describe('clip_grad_value_ / clip_grad_norm_ (PyTorch 1.13)', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: ${FIXTURE.clip.length} cases of every norm type`, async () => {
      await useBackend(backend);
      await withoutLeaks(() => {
        for (const c of FIXTURE.clip) {
          const g = tf.tensor(c.grad, c.shape, 'float32');
          const clipped = c.kind === 'value' ? clipGradValue(g, c.clipValue!) : clipGradNorm(g, c.maxNorm!, normType(c.normType!));
          const error = relativeError(clipped.dataSync(), c.clipped);
          assert.ok(error < 1e-6, `${c.kind} ${c.normType ?? ''} [${c.shape}]: relative error ${error.toExponential(2)}`);
          tf.dispose([g, clipped]);
        }
      });
    });
  }
});

describe('clipGradients', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: clips each gradient on its own (Detectron2's per-parameter clipper), into new tensors`, async () => {
      await useBackend(backend);
      await withoutLeaks(() => {
        const grads = new Map([
          ['big', tf.tensor1d([3, 4])],
          ['small', tf.tensor1d([0.3, 0.4])],
        ]);
        const clipped = clipGradients(grads, { type: 'norm', maxNorm: 1, normType: 2 });
        assert.deepEqual([...clipped.keys()], ['big', 'small']);
        close(clipped.get('big')!, [0.6, 0.8]);
        // A global clip_grad_norm_ over both (norm 5.02) would have scaled this one too.
        close(clipped.get('small')!, [Math.fround(0.3), Math.fround(0.4)], 0);
        assert.ok([...grads.values()].every((g) => !g.isDisposed) && clipped.get('small') !== grads.get('small'));
        const byValue = clipGradients(grads, { type: 'value', clipValue: 0.35 });
        close(byValue.get('small')!, [0.3, 0.35]);
        tf.dispose([...grads.values(), ...clipped.values(), ...byValue.values()]);
      });
    });
  }

  it('rejects bad settings and gradients, leaking nothing', async () => {
    await useBackend('cpu');
    const g = tf.tensor1d([1, 2]);
    const ints = tf.tensor1d([1, 2], 'int32');
    assert.throws(() => clipGradValue(g, 0), /clipGradValue: clipValue must be a finite number > 0, got number 0/);
    assert.throws(() => clipGradNorm(g, -1), /clipGradNorm: maxNorm must be a finite number > 0, got number -1/);
    assert.throws(() => clipGradNorm(g, 1, 0), /clipGradNorm: normType must be > 0 or Infinity, got number 0/);
    assert.throws(() => clipGradNorm(ints, 1), /clipGradNorm: grad must be float32, got int32/);
    assert.throws(() => clipGradients(new Map([['g', g]]), { type: 'norm', maxNorm: 1, normType: Number.NaN }), /clipGradients: normType must be > 0 or Infinity, got number NaN/);
    assert.throws(() => clipGradients(new Map([['g', g]]), { type: 'global' } as never), /clipGradients: clipping.type must be "value" or "norm", got string "global"/);
    await withoutLeaks(() => {
      assert.throws(() => clipGradients(new Map([['g', g], ['i', ints]]), { type: 'value', clipValue: 1 }), /clipGradValue: grad must be float32, got int32/);
    });
    tf.dispose([g, ints]);
  });
});
