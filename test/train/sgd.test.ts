import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { Sgd, type SgdOptions, paramHyperparameters, sgdUpdate } from '../../src/train/sgd.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { FIXTURE, KINDS, type SgdCase, initialParams, relativeError } from './solver-fixture.js';

/** The fixture case's optimizer, mapped by hand from its SOLVER keys. */
function optionsOf(c: SgdCase): SgdOptions {
  const s = c.solver;
  return { momentum: s.MOMENTUM!, nesterov: s.NESTEROV!, weightDecay: s.WEIGHT_DECAY!, weightDecayNorm: s.WEIGHT_DECAY_NORM!, biasLrFactor: s.BIAS_LR_FACTOR!, ...KINDS };
}

/** Step `k`'s gradients of case `c` (after clipping, PyTorch's p.grad at opt.step()), absent ones left out. */
function gradsAt(c: SgdCase, k: number): Map<string, tf.Tensor> {
  const grads = new Map<string, tf.Tensor>();
  for (const [name, values] of Object.entries(c.steps[k].clipped)) {
    if (values !== null) grads.set(name, tf.tensor(values, FIXTURE.initialParams[name].shape, 'float32'));
  }
  return grads;
}

const OPTIONS: SgdOptions = { momentum: 0.9, nesterov: false, weightDecay: 0.1, weightDecayNorm: 0, biasLrFactor: 1, ...KINDS };

describe('sgdUpdate by hand', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: p = 1, g = 0.5, weight decay 0.1, momentum 0.9, lr 0.1`, async () => {
      await useBackend(backend);
      await withoutLeaks(() => {
        const p = tf.scalar(1);
        const g = tf.scalar(0.5);
        const opts = { momentum: 0.9, nesterov: false, weightDecay: 0.1 };
        // g' = 0.5 + 0.1 * 1 = 0.6; the first buffer is g' itself; p = 1 - 0.1 * 0.6 = 0.94.
        const first = sgdUpdate(p, g, null, 0.1, opts);
        assert.ok(Math.abs(first.param.dataSync()[0] - 0.94) < 1e-7);
        assert.ok(Math.abs(first.buf!.dataSync()[0] - 0.6) < 1e-7);
        // g' = 0.5 + 0.094 = 0.594; buf = 0.9 * 0.6 + 0.594 = 1.134; p = 0.94 - 0.1134 = 0.8266.
        const second = sgdUpdate(first.param, g, first.buf, 0.1, opts);
        assert.ok(Math.abs(second.param.dataSync()[0] - 0.8266) < 1e-7);
        assert.ok(Math.abs(second.buf!.dataSync()[0] - 1.134) < 1e-6);
        // Nesterov: d = g' + 0.9 * buf = 0.6 + 0.54 = 1.14; p = 1 - 0.114 = 0.886.
        const nesterov = sgdUpdate(p, g, null, 0.1, { ...opts, nesterov: true });
        assert.ok(Math.abs(nesterov.param.dataSync()[0] - 0.886) < 1e-7);
        // No momentum: no buffer, p = 1 - 0.1 * 0.6.
        const plain = sgdUpdate(p, g, null, 0.1, { ...opts, momentum: 0 });
        assert.equal(plain.buf, null);
        assert.ok(Math.abs(plain.param.dataSync()[0] - 0.94) < 1e-7);
        // Inputs untouched.
        assert.deepEqual([p.dataSync()[0], g.dataSync()[0]], [1, 0.5]);
        tf.dispose([p, g, first.param, first.buf!, second.param, second.buf!, nesterov.param, nesterov.buf!, plain.param]);
      });
    });
  }

  it('rejects bad options and mismatched tensors, naming the argument', async () => {
    await useBackend('cpu');
    const p = tf.zeros([2, 3]);
    const g = tf.zeros([3, 2]);
    const opts = { momentum: 0.9, nesterov: false, weightDecay: 0 };
    assert.throws(() => sgdUpdate(p, g, null, 0.1, opts), /sgdUpdate: the grad has shape \[3, 2\], the parameter \[2, 3\]/);
    assert.throws(() => sgdUpdate(p, p, g, 0.1, opts), /sgdUpdate: the buf has shape \[3, 2\]/);
    assert.throws(() => sgdUpdate(p, p, null, -1, opts), /sgdUpdate: lr must be a finite number >= 0, got number -1/);
    assert.throws(() => sgdUpdate(p, p, null, 0.1, { ...opts, momentum: 1 }), /sgdUpdate: momentum must be in \[0, 1\), got number 1/);
    assert.throws(() => sgdUpdate(p, p, null, 0.1, { ...opts, momentum: 0, nesterov: true }), /Nesterov momentum needs momentum > 0/);
    assert.throws(() => sgdUpdate(p, p, null, 0.1, { ...opts, weightDecay: -1e-4 }), /weightDecay must be a finite number >= 0/);
    tf.dispose([p, g]);
  });
});

describe('paramHyperparameters: Detectron2 get_default_optimizer_params with WEIGHT_DECAY_BIAS unset', () => {
  const options = { weightDecay: 1e-4, weightDecayNorm: 0, biasLrFactor: 2, ...KINDS };
  it('norm parameters get weightDecayNorm; every bias, a norm bias too, gets biasLrFactor', () => {
    assert.deepEqual(paramHyperparameters('conv.weight', options), { lrFactor: 1, weightDecay: 1e-4 });
    assert.deepEqual(paramHyperparameters('conv.bias', options), { lrFactor: 2, weightDecay: 1e-4 });
    assert.deepEqual(paramHyperparameters('norm.weight', options), { lrFactor: 1, weightDecay: 0 });
    assert.deepEqual(paramHyperparameters('norm.bias', options), { lrFactor: 2, weightDecay: 0 });
  });
});

describe('Sgd against torch.optim.SGD (Detectron2 parameter groups, foreach)', () => {
  for (const backend of BACKENDS) {
    for (const c of FIXTURE.sgd) {
      it(`${backend}: ${c.name}`, async () => {
        await useBackend(backend);
        await withoutLeaks(() => {
          const params = initialParams();
          const sgd = new Sgd(optionsOf(c));
          let worst = 0;
          c.steps.forEach((step, k) => {
            const grads = gradsAt(c, k);
            sgd.step(params, grads, step.lr);
            tf.dispose([...grads.values()]);
            for (const [name, p] of params) worst = Math.max(worst, relativeError(p.dataSync(), step.params[name]!));
            const state = sgd.state();
            assert.deepEqual([...state.keys()].sort(), Object.keys(step.buffers).sort(), `step ${k}: buffers`);
            for (const [name, buf] of state) worst = Math.max(worst, relativeError(buf.dataSync(), step.buffers[name]!));
            tf.dispose([...state.values()]);
          });
          assert.ok(worst < 1e-6, `max relative error ${worst.toExponential(2)}`);
          sgd.dispose();
          tf.dispose([...params.values()]);
        });
      });
    }
  }
});

describe('Sgd', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: skips parameters without a gradient (no decay, buffer untouched)`, async () => {
      await useBackend(backend);
      await withoutLeaks(() => {
        const params = initialParams();
        const sgd = new Sgd(OPTIONS);
        const ones = (name: string) => tf.onesLike(params.get(name)!);
        const all = new Map([...params.keys()].map((name) => [name, ones(name)]));
        sgd.step(params, all, 0.1);
        const before = new Map([...params].map(([name, p]) => [name, Array.from(p.dataSync())]));
        const bufBefore = sgd.state();
        const onlyConv = new Map([['conv.weight', ones('conv.weight')]]);
        sgd.step(params, onlyConv, 0.1);
        for (const name of ['conv.bias', 'norm.weight', 'norm.bias']) assert.deepEqual(Array.from(params.get(name)!.dataSync()), before.get(name));
        assert.notDeepEqual(Array.from(params.get('conv.weight')!.dataSync()), before.get('conv.weight'));
        const bufAfter = sgd.state();
        assert.deepEqual(Array.from(bufAfter.get('norm.bias')!.dataSync()), Array.from(bufBefore.get('norm.bias')!.dataSync()));
        tf.dispose([...all.values(), ...onlyConv.values(), ...bufBefore.values(), ...bufAfter.values(), ...params.values()]);
        sgd.dispose();
      });
    });

    it(`${backend}: keeps the number of live tensors constant over 10 steps`, async () => {
      await useBackend(backend);
      const params = initialParams();
      const grads = new Map([...params].map(([name, p]) => [name, tf.randomNormal(p.shape, 0, 1, 'float32', 7)]));
      const sgd = new Sgd({ ...OPTIONS, nesterov: true });
      sgd.step(params, grads, 0.1); // creates the buffers
      const live = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) {
        sgd.step(params, grads, 0.1);
        assert.equal(tf.memory().numTensors, live, `after step ${i + 2}`);
      }
      sgd.dispose();
      assert.equal(tf.memory().numTensors, live - params.size);
      tf.dispose([...grads.values(), ...params.values()]);
    });

    it(`${backend}: state() + loadState() continue exactly as without the round trip`, async () => {
      await useBackend(backend);
      const c = FIXTURE.sgd.find((s) => s.name === 'nesterov')!;
      await withoutLeaks(() => {
        const straight = initialParams();
        const resumed = initialParams();
        const a = new Sgd(optionsOf(c));
        const b = new Sgd(optionsOf(c));
        const run = (sgd: Sgd, params: Map<string, tf.Variable>, k: number) => {
          const grads = gradsAt(c, k);
          sgd.step(params, grads, c.steps[k].lr);
          tf.dispose([...grads.values()]);
        };
        for (const k of [0, 1]) {
          run(a, straight, k);
          run(b, resumed, k);
        }
        // Save b's buffers and start over with a fresh optimizer (a checkpoint and a restart).
        const saved = b.state();
        b.dispose();
        const c2 = new Sgd(optionsOf(c));
        c2.loadState(saved);
        tf.dispose([...saved.values()]); // loadState cloned them
        for (const k of [2, 3, 4]) {
          run(a, straight, k);
          run(c2, resumed, k);
        }
        for (const [name, p] of straight) {
          assert.deepEqual(Array.from(resumed.get(name)!.dataSync()), Array.from(p.dataSync()), name);
          assert.ok(relativeError(p.dataSync(), c.steps[4].params[name]!) < 1e-6, name);
        }
        a.dispose();
        c2.dispose();
        tf.dispose([...straight.values(), ...resumed.values()]);
      });
    });
  }

  it('checks everything before changing anything, naming the parameter', async () => {
    await useBackend('cpu');
    const params = initialParams();
    const sgd = new Sgd(OPTIONS);
    const before = Array.from(params.get('conv.weight')!.dataSync());
    const good = tf.onesLike(params.get('conv.weight')!);
    const wrongShape = tf.ones([3]);
    const ints = tf.ones([2], 'int32');
    assert.throws(() => sgd.step(params, new Map([['conv.weight', good], ['norm.weight', wrongShape]]), 0.1), /Sgd.step: parameter "norm.weight": the gradient has shape \[3\], the parameter \[2\]/);
    assert.deepEqual(Array.from(params.get('conv.weight')!.dataSync()), before);
    assert.throws(() => sgd.step(params, new Map([['norm.bias', ints]]), 0.1), /parameter "norm.bias": the gradient must be float32, got int32/);
    assert.throws(() => sgd.step(params, new Map([['fc.weight', good]]), 0.1), /there is a gradient for "fc.weight" but no such parameter/);
    assert.throws(() => sgd.step(params, new Map(), Number.NaN), /Sgd.step: lr must be a finite number >= 0, got number NaN/);
    // A loaded buffer of the wrong shape is found at the next step.
    const badBuf = tf.zeros([5]);
    sgd.loadState(new Map([['conv.weight', badBuf]]));
    assert.throws(() => sgd.step(params, new Map([['conv.weight', good]]), 0.1), /parameter "conv.weight": the momentum buffer has shape \[5\], the parameter \[2, 3\]/);
    sgd.dispose();
    assert.throws(() => sgd.step(params, new Map(), 0.1), /Sgd.step: the optimizer has been disposed/);
    tf.dispose([good, wrongShape, ints, badBuf, ...params.values()]);
  });

  it('rejects bad options and state', async () => {
    await useBackend('cpu');
    assert.throws(() => new Sgd({ ...OPTIONS, momentum: -0.1 }), /Sgd: momentum must be in \[0, 1\), got number -0.1/);
    assert.throws(() => new Sgd({ ...OPTIONS, momentum: 0, nesterov: true }), /Sgd: Nesterov momentum needs momentum > 0/);
    assert.throws(() => new Sgd({ ...OPTIONS, weightDecayNorm: Number.NaN }), /Sgd: weightDecayNorm must be a finite number >= 0, got number NaN/);
    assert.throws(() => new Sgd({ ...OPTIONS, biasLrFactor: -1 }), /Sgd: biasLrFactor must be a finite number >= 0/);
    assert.throws(() => new Sgd({ ...OPTIONS, isBias: undefined as never }), /Sgd: isNorm and isBias must be functions/);
    const buf = tf.zeros([2]);
    assert.throws(() => new Sgd({ ...OPTIONS, momentum: 0 }).loadState(new Map([['x', buf]])), /Sgd.loadState: momentum is 0, so there are no momentum buffers to load, got 1/);
    const ints = tf.zeros([2], 'int32');
    assert.throws(() => new Sgd(OPTIONS).loadState(new Map([['x', ints]])), /Sgd.loadState: the buffer of "x" must be a live float32 tensor, got dtype int32/);
    tf.dispose([buf, ints]);
  });
});
