import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { DETECTRON2_DEFAULTS, getPreset } from '../../src/config/index.js';
import type { SolverConfig } from '../../src/config/index.js';
import { buildSolver, solverStep } from '../../src/train/solver.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { FIXTURE, KINDS, initialParams, relativeError, solverConfig } from './solver-fixture.js';

const noWarning = (message: string): never => assert.fail(`unexpected warning: ${message}`);
const DEFAULTS = DETECTRON2_DEFAULTS.SOLVER;

describe('buildSolver', () => {
  it('maps SOLVER to the optimizer, schedule and clipping options', () => {
    const solver = buildSolver(getPreset('sartorius_finetune').SOLVER, KINDS, noWarning);
    const { isNorm, isBias, ...options } = solver.optimizer.options;
    assert.deepEqual(options, { momentum: 0.9, nesterov: false, weightDecay: 1e-4, weightDecayNorm: 0, biasLrFactor: 1 });
    assert.ok(isNorm === KINDS.isNorm && isBias === KINDS.isBias);
    assert.equal(solver.schedule.baseLr, 0.0011);
    assert.deepEqual(solver.schedule.steps, [13000, 17000, 20000, 22000, 23000]);
    assert.equal(solver.clip, null); // CLIP_GRADIENTS.ENABLED false
    solver.optimizer.dispose();
    const clip = (c: Partial<SolverConfig['CLIP_GRADIENTS']>) => buildSolver({ ...DEFAULTS, CLIP_GRADIENTS: { ...DEFAULTS.CLIP_GRADIENTS, ENABLED: true, ...c } }, KINDS, noWarning).clip;
    assert.deepEqual(clip({ CLIP_TYPE: 'value', CLIP_VALUE: 0.5 }), { type: 'value', clipValue: 0.5 });
    assert.deepEqual(clip({ CLIP_TYPE: 'norm', CLIP_VALUE: 2, NORM_TYPE: Infinity }), { type: 'norm', maxNorm: 2, normType: Infinity });
  });

  it('rejects bad settings, naming the key and the value', () => {
    const build = (changes: Partial<SolverConfig>) => buildSolver({ ...DEFAULTS, ...changes }, KINDS, noWarning);
    const clip = { ...DEFAULTS.CLIP_GRADIENTS, ENABLED: true };
    assert.throws(() => build({ MOMENTUM: 1 }), /buildSolver: SOLVER.MOMENTUM must be in \[0, 1\), got number 1/);
    assert.throws(() => build({ MOMENTUM: 0, NESTEROV: true }), /SOLVER.NESTEROV must be false when SOLVER.MOMENTUM is 0/);
    assert.throws(() => build({ WEIGHT_DECAY: -1e-4 }), /SOLVER.WEIGHT_DECAY must be a finite number >= 0, got number -0.0001/);
    assert.throws(() => build({ WEIGHT_DECAY_NORM: Number.NaN }), /SOLVER.WEIGHT_DECAY_NORM must be a finite number >= 0, got number NaN/);
    assert.throws(() => build({ BIAS_LR_FACTOR: -2 }), /SOLVER.BIAS_LR_FACTOR must be a finite number >= 0/);
    assert.throws(() => build({ BASE_LR: -0.01 }), /SOLVER.BASE_LR must be a finite number > 0, got number -0.01/);
    assert.throws(() => build({ LR_SCHEDULER_NAME: 'OneCycle' }), /SOLVER.LR_SCHEDULER_NAME must be one of WarmupMultiStepLR, WarmupCosineLR, got string "OneCycle"/);
    assert.throws(() => build({ CLIP_GRADIENTS: { ...clip, CLIP_TYPE: 'full_model' } }), /SOLVER.CLIP_GRADIENTS.CLIP_TYPE must be "value" or "norm", got string "full_model"/);
    assert.throws(() => build({ CLIP_GRADIENTS: { ...clip, CLIP_VALUE: 0 } }), /SOLVER.CLIP_GRADIENTS.CLIP_VALUE must be a finite number > 0, got number 0/);
    assert.throws(() => build({ CLIP_GRADIENTS: { ...clip, CLIP_TYPE: 'norm', NORM_TYPE: 0 } }), /SOLVER.CLIP_GRADIENTS.NORM_TYPE must be > 0 or inf, got number 0/);
    // Detectron2 reads none of the clipping keys while clipping is off.
    build({ CLIP_GRADIENTS: { ...DEFAULTS.CLIP_GRADIENTS, CLIP_TYPE: 'full_model' } }).optimizer.dispose();
  });
});

describe('solverStep against Detectron2 (clip per parameter, SGD, LRMultiplier) in PyTorch', () => {
  for (const backend of BACKENDS) {
    for (const c of FIXTURE.sgd) {
      it(`${backend}: ${c.name}`, async () => {
        await useBackend(backend);
        await withoutLeaks(() => {
          const solver = buildSolver(solverConfig(c.solver), KINDS, noWarning);
          const params = initialParams();
          let worst = 0;
          for (const step of c.steps) {
            const grads = new Map<string, tf.Tensor>();
            for (const [name, values] of Object.entries(step.grads)) {
              if (values !== null) grads.set(name, tf.tensor(values, FIXTURE.initialParams[name].shape, 'float32'));
            }
            const lr = solverStep(solver, params, grads, step.iteration);
            assert.ok(Math.abs(lr - step.lr) <= 1e-15 * step.lr, `iteration ${step.iteration}: lr ${lr} vs ${step.lr}`);
            assert.ok([...grads.values()].every((g) => !g.isDisposed));
            tf.dispose([...grads.values()]);
            for (const [name, p] of params) worst = Math.max(worst, relativeError(p.dataSync(), step.params[name]!));
          }
          assert.ok(worst < 1e-6, `max relative error ${worst.toExponential(2)}`);
          solver.optimizer.dispose();
          tf.dispose([...params.values()]);
        });
      });
    }
  }
});
