import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DETECTRON2_DEFAULTS, getPreset } from '../../src/config/index.js';
import type { SolverConfig } from '../../src/config/index.js';
import { type LrSchedule, learningRateAt, lrSchedule, lrScheduleFromConfig } from '../../src/train/lr-schedule.js';
import { FIXTURE, solverConfig } from './solver-fixture.js';

const FINETUNE = getPreset('sartorius_finetune').SOLVER;
const noWarning = (message: string): never => assert.fail(`unexpected warning: ${message}`);

/**
 * Relative difference (absolute at 0), for values computed in double precision on both sides
 * (bit-identical to the fixture here; the slack covers a libm whose cos or pow differs by an ulp).
 */
const rel = (a: number, b: number): number => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));

describe('learningRateAt: the Sartorius finetune schedule by hand', () => {
  // BASE_LR 0.0011, STEPS [13000, 17000, 20000, 22000, 23000], GAMMA 0.5, MAX_ITER 24000,
  // linear warmup over 100 iterations from WARMUP_FACTOR 0.001.
  const schedule = lrScheduleFromConfig(FINETUNE, noWarning);
  const lr = (i: number): number => learningRateAt(i, schedule);

  it('warms up linearly from BASE_LR * WARMUP_FACTOR at iteration 0', () => {
    assert.equal(lr(0), 0.0011 * 0.001); // 1.1e-6: the first update's rate
    assert.ok(rel(lr(50), 0.0011 * (0.5 + 0.001 * 0.5)) < 1e-14, `${lr(50)}`); // 5.5055e-4
    assert.ok(rel(lr(99), 0.0011 * (0.99 + 0.001 * 0.01)) < 1e-14, `${lr(99)}`); // 1.089011e-3
    assert.equal(lr(100), 0.0011); // warmup over
  });

  it('halves at each step, counting the step iteration itself', () => {
    assert.equal(lr(12999), 0.0011);
    assert.equal(lr(13000), 0.00055);
    assert.equal(lr(16999), 0.00055);
    assert.equal(lr(17000), 0.0011 * 0.25);
    assert.equal(lr(22999), 0.0011 * 0.5 ** 4);
    assert.equal(lr(23000), 0.0011 * 0.5 ** 5);
    assert.equal(lr(23999), 3.4375e-5); // the last update: 0.0011 / 32
    assert.equal(lr(24000), 3.4375e-5); // what the scheduler holds after the last step
  });

  it('rejects iterations outside [0, MAX_ITER] and fractions', () => {
    assert.throws(() => lr(-1), /learningRateAt: iteration must be an integer in \[0, maxIter = 24000\], got -1/);
    assert.throws(() => lr(24001), /got 24001/);
    assert.throws(() => lr(0.5), /got 0.5/);
  });
});

describe('learningRateAt against Detectron2 (fvcore schedulers through torch LambdaLR)', () => {
  for (const c of FIXTURE.schedules) {
    it(c.name, () => {
      const warnings: string[] = [];
      const schedule = lrScheduleFromConfig(solverConfig(c.solver), (m) => warnings.push(m));
      c.iterations.forEach((iteration, k) => {
        const actual = learningRateAt(iteration, schedule);
        assert.ok(rel(actual, c.lr[k]) < 1e-12, `iteration ${iteration}: ${actual} vs Detectron2 ${c.lr[k]}`);
      });
      assert.equal(warnings.length, c.name === 'steps past MAX_ITER dropped' ? 1 : 0, warnings.join('; '));
    });
  }

  it('differs from the deprecated WarmupMultiStepLR formula only while a step is inside the warmup or the warmup outlasts training', () => {
    const differs = FIXTURE.schedules.filter((c) => c.lrLegacy !== undefined && c.lrLegacy.some((v, k) => rel(v, c.lr[k]) > 1e-12));
    assert.deepEqual(differs.map((c) => c.name).sort(), ['constant warmup, step inside warmup', 'linear warmup, step inside warmup', 'warmup longer than training']);
    // Step 3 inside an 8-iteration linear warmup: fvcore warms up towards 0.1 (the value at the
    // warmup's end) without dropping at 3; the legacy formula drops the warming rate tenfold at 3.
    const inside = FIXTURE.schedules.find((c) => c.name === 'linear warmup, step inside warmup')!;
    const schedule = lrScheduleFromConfig(solverConfig(inside.solver), noWarning);
    assert.ok(learningRateAt(3, schedule) > learningRateAt(2, schedule));
    assert.ok(inside.lrLegacy![3] < inside.lrLegacy![2]);
  });

  it('fvcore epsilon: at MAX_ITER 3e6 a step takes effect 3 iterations early', () => {
    const schedule = lrScheduleFromConfig({ ...DETECTRON2_DEFAULTS.SOLVER, MAX_ITER: 3_000_000, BASE_LR: 0.02, STEPS: [2_000_000], WARMUP_ITERS: 0 }, noWarning);
    assert.equal(learningRateAt(1_999_996, schedule), 0.02);
    assert.ok(rel(learningRateAt(1_999_997, schedule), 0.002) < 1e-15);
  });
});

describe('lrScheduleFromConfig', () => {
  const defaults = DETECTRON2_DEFAULTS.SOLVER;
  const build = (changes: Partial<SolverConfig>): LrSchedule => lrScheduleFromConfig({ ...defaults, ...changes }, noWarning);

  it('maps the SOLVER keys; the cosine ends at 0 (BASE_LR_END) and ignores STEPS', () => {
    assert.deepEqual(
      { ...build({}) },
      { name: 'WarmupMultiStepLR', baseLr: 0.001, maxIter: 40000, steps: [30000], gamma: 0.1, cosineEndFactor: 0, warmupFactor: 0.001, warmupIters: 1000, warmupMethod: 'linear' },
    );
    const cosine = build({ LR_SCHEDULER_NAME: 'WarmupCosineLR', MAX_ITER: 100, STEPS: [500] });
    assert.deepEqual(cosine.steps, []);
    assert.equal(learningRateAt(100, cosine), 0);
  });

  it('drops STEPS past MAX_ITER with a warning, as Detectron2 does', () => {
    const warnings: string[] = [];
    const schedule = lrScheduleFromConfig({ ...defaults, MAX_ITER: 100, STEPS: [50, 150], WARMUP_ITERS: 0 }, (m) => warnings.push(m));
    assert.deepEqual(schedule.steps, [50]);
    assert.match(warnings.join(), /SOLVER.STEPS \[50, 150\] contains values larger than SOLVER.MAX_ITER \(100\)/);
  });

  it('rejects bad settings, naming the key and the value', () => {
    assert.throws(() => build({ LR_SCHEDULER_NAME: 'WarmupStepWithFixedGammaLR' }), /SOLVER.LR_SCHEDULER_NAME must be one of WarmupMultiStepLR, WarmupCosineLR, got string "WarmupStepWithFixedGammaLR"/);
    assert.throws(() => build({ WARMUP_METHOD: 'exponential' }), /SOLVER.WARMUP_METHOD must be one of linear, constant, got string "exponential"/);
    assert.throws(() => build({ STEPS: [200, 100] }), /SOLVER.STEPS must be strictly increasing positive integers, got \[200, 100\]/);
    assert.throws(() => build({ STEPS: [100, 100] }), /SOLVER.STEPS must be strictly increasing/);
    assert.throws(() => build({ STEPS: [0, 100] }), /SOLVER.STEPS must be strictly increasing positive integers, got \[0, 100\]/);
    assert.throws(() => build({ STEPS: [1.5] }), /SOLVER.STEPS/);
    // Detectron2's filter keeps a step at MAX_ITER, which fvcore's MultiStepParamScheduler rejects.
    assert.throws(() => build({ STEPS: [30000, 40000] }), /SOLVER.STEPS must be below SOLVER.MAX_ITER \(40000\)/);
    assert.throws(() => build({ WARMUP_ITERS: -1 }), /SOLVER.WARMUP_ITERS must be an integer >= 0, got number -1/);
    assert.throws(() => build({ WARMUP_FACTOR: 2 }), /SOLVER.WARMUP_FACTOR must be in \[0, 1\], got number 2/);
    assert.throws(() => build({ MAX_ITER: 0 }), /SOLVER.MAX_ITER must be a positive integer, got number 0/);
    assert.throws(() => build({ BASE_LR: 0 }), /SOLVER.BASE_LR must be a finite number > 0, got number 0/);
    assert.throws(() => build({ BASE_LR: Infinity }), /SOLVER.BASE_LR must be a finite number > 0, got number Infinity/);
    assert.throws(() => build({ GAMMA: -0.1 }), /SOLVER.GAMMA must be a finite number > 0/);
  });
});

describe('lrSchedule', () => {
  const ok = lrScheduleFromConfig(DETECTRON2_DEFAULTS.SOLVER, noWarning);

  it('returns a frozen copy', () => {
    const steps = [10, 20];
    const s = lrSchedule({ ...ok, maxIter: 30, steps });
    steps.push(40);
    assert.deepEqual(s.steps, [10, 20]);
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.steps));
  });

  it('checks the options, also when learningRateAt gets a hand-made schedule', () => {
    assert.throws(() => lrSchedule({ ...ok, steps: [40000] }), /lrSchedule: steps must be strictly increasing positive integers below maxIter \(40000\), got \[40000\]/);
    assert.throws(() => lrSchedule({ ...ok, name: 'Poly' as never }), /lrSchedule: name must be one of/);
    assert.throws(() => lrSchedule({ ...ok, warmupMethod: 'cosine' as never }), /lrSchedule: warmupMethod must be one of linear, constant/);
    assert.throws(() => lrSchedule({ ...ok, cosineEndFactor: -1 }), /lrSchedule: cosineEndFactor must be in \[0, 1\]/);
    assert.throws(() => learningRateAt(0, { ...ok, warmupIters: 2.5 }), /learningRateAt: warmupIters must be an integer >= 0, got number 2.5/);
  });
});
