// Random search and TPE: ranges respected, reproducible from the seed, random until
// nStartupTrials have finished, and TPE finding better values than random search on a synthetic
// objective, on average over seeds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type Params, SOLUTION_SPACE, type Sampler, type SearchSpace, type Trial, inSpace, randomSampler, sampleByTpe, tpeSampler, trialRandom } from '../../src/tune/index.js';
import { Random } from '../../src/utils/random.js';

/** Runs `n` trials of `objective` (maximized) with `sampler`; returns every trial. */
function runTrials(sampler: Sampler, space: SearchSpace, objective: (p: Params) => number, n: number, seed: number): Trial[] {
  const trials: Trial[] = [];
  for (let number = 0; number < n; number++) {
    const params = sampler(space, trials, trialRandom(seed, number));
    trials.push({ number, params, state: 'complete', value: objective(params), intermediate: new Map() });
  }
  return trials;
}

const best = (trials: readonly Trial[]) => Math.max(...trials.map((t) => t.value as number));

describe('samplers', () => {
  it('random search draws inside the solution space, the learning rate log-uniformly', () => {
    const rng = new Random(3);
    const draws = Array.from({ length: 2000 }, () => randomSampler(SOLUTION_SPACE, [], rng));
    for (const d of draws) for (const [key, param] of Object.entries(SOLUTION_SPACE)) assert.ok(inSpace(param, d[key]), `${key}=${d[key]}`);
    // Log-uniform on [0.0005, 0.01]: P(lr < sqrt(0.0005 * 0.01) = 0.002236) = 1/2 (uniform would give 0.09).
    const below = draws.filter((d) => (d['SOLVER.BASE_LR'] as number) < Math.sqrt(0.0005 * 0.01)).length / draws.length;
    assert.ok(Math.abs(below - 0.5) < 0.04, `${below}`);
    for (const w of [100, 500, 1000]) assert.ok(draws.some((d) => d['SOLVER.WARMUP_ITERS'] === w));
  });

  it('TPE samples at random until nStartupTrials trials are complete or pruned', () => {
    const tpe = tpeSampler({ nStartupTrials: 3 });
    const space: SearchSpace = { x: { type: 'float', low: 0, high: 1 } };
    const done = (number: number, state: Trial['state']): Trial => ({ number, params: { x: 0.5 }, state, value: state === 'complete' ? 1 : undefined, intermediate: new Map() });
    const history = [done(0, 'complete'), done(1, 'pruned'), done(2, 'failed'), done(3, 'running')];
    // Two finished trials (failed and running do not count): the same draw as random search.
    assert.deepEqual(tpe(space, history, new Random(9)), randomSampler(space, history, new Random(9)));
    const more = [...history, done(4, 'complete')];
    assert.notDeepEqual(tpe(space, more, new Random(9)), randomSampler(space, more, new Random(9)));
  });

  it('TPE is reproducible from its generator and stays in range', () => {
    const objective = (p: Params) => -Math.abs((p['SOLVER.BASE_LR'] as number) - 0.002);
    const a = runTrials(tpeSampler(), SOLUTION_SPACE, objective, 20, 5);
    const b = runTrials(tpeSampler(), SOLUTION_SPACE, objective, 20, 5);
    assert.deepEqual(a.map((t) => t.params), b.map((t) => t.params));
    for (const t of a) for (const [key, param] of Object.entries(SOLUTION_SPACE)) assert.ok(inSpace(param, t.params[key]));
  });

  it('TPE picks the candidate where good trials are dense and bad ones are not', () => {
    // Good trials at 0.8-0.9, bad ones at 0.1-0.3: every pick lands in the upper half.
    const param = { type: 'float', low: 0, high: 1 } as const;
    const rng = new Random(11);
    for (let i = 0; i < 50; i++) assert.ok((sampleByTpe(param, [0.8, 0.85, 0.9], [0.1, 0.2, 0.25, 0.3], 24, rng) as number) > 0.5);
    const cat = { type: 'categorical', choices: [96, 128] } as const;
    for (let i = 0; i < 20; i++) assert.equal(sampleByTpe(cat, [128, 128], [96, 96, 96, 128], 24, rng), 128);
  });

  it('TPE beats random search on a 2-D objective, on average over 12 seeds', () => {
    // Peak (0) at x = 1.5, lr = 0.003 (log scale), as a validation score over (x, lr) might be.
    const space: SearchSpace = { x: { type: 'float', low: -5, high: 5 }, lr: { type: 'float', low: 1e-4, high: 1e-1, log: true } };
    const objective = (p: Params) => -(((p.x as number) - 1.5) ** 2) - (Math.log10(p.lr as number) - Math.log10(0.003)) ** 2;
    const seeds = Array.from({ length: 12 }, (_, i) => i);
    const tpe = seeds.map((s) => best(runTrials(tpeSampler(), space, objective, 40, s)));
    const random = seeds.map((s) => best(runTrials(randomSampler, space, objective, 40, s)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const wins = seeds.filter((_, i) => tpe[i] > random[i]).length;
    assert.ok(mean(tpe) > mean(random), `mean best: TPE ${mean(tpe)}, random ${mean(random)}`);
    assert.ok(wins >= 8, `TPE better on ${wins} of 12 seeds (TPE ${tpe.map((v) => v.toFixed(3))}, random ${random.map((v) => v.toFixed(3))})`);
  });
});
