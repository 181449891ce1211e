// The Parzen estimator and TPE's pieces against values worked by hand from Optuna's rules
// (optuna/samplers/_tpe/parzen_estimator.py and sampler.py).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { bandwidths, defaultGamma, defaultWeights, erfc, logGaussMass, logNormalCdf, parzenEstimator, splitTrials, type Trial } from '../../src/tune/index.js';
import { Random } from '../../src/utils/random.js';

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${actual} != ${expected}`);

describe('normal distribution', () => {
  it('erfc matches tabulated values to ~1e-15 relative, in both tails', () => {
    // Abramowitz & Stegun table 7.1 / any erfc table.
    for (const [x, y] of [[0, 1], [0.5, 0.4795001221869535], [1, 0.15729920705028513], [1.5, 0.033894853524689274], [3, 2.209049699858544e-5], [5, 1.5374597944280349e-12], [10, 2.088487583762545e-45], [-1, 1.8427007929497148]]) {
      assert.ok(Math.abs(erfc(x) - y) <= 5e-15 * y, `erfc(${x}) = ${erfc(x)}, expected ${y}`);
    }
  });

  it('log Φ stays finite far in the left tail, where Φ underflows', () => {
    close(logNormalCdf(0), Math.log(0.5));
    // log Φ(z) ~ -z²/2 - log(-z √(2π)) - 1/z² for z -> -∞.
    const z = -1000;
    close(logNormalCdf(z), -(z * z) / 2 - Math.log(-z * Math.sqrt(2 * Math.PI)) - 1 / (z * z), 1e-12);
  });

  it('logGaussMass is the log of the mass between a and b, also where both are deep in one tail', () => {
    close(logGaussMass(-1, 1), Math.log(0.6826894921370859));
    close(logGaussMass(0, Infinity), Math.log(0.5));
    // Φ(-40) - Φ(-41) ≈ Φ(-40) (Φ(-41)/Φ(-40) ~ e^-40.5); the right tail mirrors it.
    close(logGaussMass(40, 41), logNormalCdf(-40), 1e-12);
    assert.ok(Number.isFinite(logGaussMass(50, 51)));
    assert.equal(logGaussMass(1, 1), -Infinity);
  });
});

describe('defaultWeights and defaultGamma (Optuna defaults)', () => {
  it('weighs n < 25 observations equally and ramps the oldest n - 25 up from 1/n', () => {
    assert.deepEqual(defaultWeights(0), []);
    assert.deepEqual(defaultWeights(3), [1, 1, 1]);
    const w27 = defaultWeights(27);
    assert.equal(w27.length, 27);
    close(w27[0], 1 / 27);
    assert.equal(w27[1], 1); // linspace(1/27, 1, 2) = [1/27, 1]
    const w30 = defaultWeights(30);
    // linspace(1/30, 1, 5): steps of (1 - 1/30) / 4 = 0.241666...
    [1 / 30, 0.275, 0.5166666666666667, 0.7583333333333333, 1].forEach((v, i) => close(w30[i], v));
    assert.ok(w30.slice(5).every((v) => v === 1));
  });

  it('takes min(ceil(n / 10), 25) trials as good', () => {
    assert.deepEqual([1, 10, 11, 100, 241, 300].map(defaultGamma), [1, 1, 2, 10, 25, 25]);
  });
});

describe('parzenEstimator', () => {
  it('floats: kernels on the observations and the prior, bandwidths by neighbour gaps, clipped', () => {
    // Observations 2, 3, 7 on [0, 10]: sorted with the ends [0, 2, 3, 7, 10].
    // 2 (smallest; endpoints not considered): gap to 3 = 1; 3: max(1, 4) = 4; 7 (largest): gap to 3 = 4.
    // Magic clip: 4 kernels with the prior, min sigma = 10 / min(100, 1 + 4) = 2, so 1 -> 2.
    assert.deepEqual(bandwidths([2, 3, 7], 0, 10), [2, 4, 4]);
    const pe = parzenEstimator({ type: 'float', low: 0, high: 10 }, [2, 3, 7]);
    assert.deepEqual(pe.weights, [0.25, 0.25, 0.25, 0.25]);
    assert.deepEqual(pe.mus, [2, 3, 7, 5]); // the prior: the centre, sigma = high - low
    assert.deepEqual(pe.sigmas, [2, 4, 4, 10]);
    // log Σ_k 1/4 N(4; mu_k, sigma_k) / (Φ((10 - mu_k)/sigma_k) - Φ((0 - mu_k)/sigma_k)), worked with math.erf.
    close(pe.logPdf(4), -2.116200569342184, 1e-12);
    assert.equal(pe.logPdf(10.5), -Infinity);
  });

  it('one observation: the larger gap to an end, then the clip', () => {
    // 9 on [0, 10]: max(9, 1) = 9 > 10 / min(100, 3).
    assert.deepEqual(bandwidths([9], 0, 10), [9]);
    // 1 on [0, 10]: max(1, 9) = 9. 0.5 and 9.5: the inner gap, 9, for both.
    assert.deepEqual(bandwidths([0.5, 9.5], 0, 10), [9, 9]);
    // Five equal observations: gaps 0, clipped to 10 / min(100, 7).
    bandwidths([4, 4, 4, 4, 4], 0, 10).forEach((s) => close(s, 10 / 7));
  });

  it('log-scale floats are modelled in log space (BASE_LR: 0.001 on [0.0005, 0.01])', () => {
    const pe = parzenEstimator({ type: 'float', low: 0.0005, high: 0.01, log: true }, [0.001]);
    close(pe.mus![0], Math.log(0.001));
    close(pe.sigmas![0], Math.log(10)); // max(ln 0.001 - ln 0.0005, ln 0.01 - ln 0.001) = ln 10
    close(pe.mus![1], 0.5 * (Math.log(0.0005) + Math.log(0.01)));
    close(pe.sigmas![1], Math.log(20));
  });

  it('ints: a value has its kernel\'s mass on [x - 1/2, x + 1/2], normalized on [low - 1/2, high + 1/2]', () => {
    // No observations: the prior only, N(3, 5²) on [0.5, 5.5]:
    // P(3) = (Φ(0.1) - Φ(-0.1)) / (Φ(0.5) - Φ(-0.5)) = 0.20801903940861308 (math.erf).
    const prior = parzenEstimator({ type: 'int', low: 1, high: 5 }, []);
    assert.deepEqual(prior.weights, [1]);
    close(Math.exp(prior.logPdf(3)), 0.20801903940861308, 1e-12);
    // The five probabilities sum to 1.
    close([1, 2, 3, 4, 5].reduce((s, x) => s + Math.exp(prior.logPdf(x)), 0), 1, 1e-12);
    assert.equal(prior.logPdf(2.5), -Infinity);
  });

  it('categoricals: each kernel puts 1 on its choice plus prior_weight / K on every choice', () => {
    // Choices 96, 128; observed 128, 128, 96; K = 4 kernels with the prior.
    // Kernel rows: (1/4, 1 + 1/4) / 1.5 = (1/6, 5/6) twice, (5/6, 1/6), prior (1/2, 1/2).
    const pe = parzenEstimator({ type: 'categorical', choices: [96, 128] }, [128, 128, 96]);
    const rows = pe.choiceProbabilities!;
    [[1 / 6, 5 / 6], [1 / 6, 5 / 6], [5 / 6, 1 / 6], [0.5, 0.5]].forEach((row, k) => row.forEach((p, c) => close(rows[k][c], p)));
    // P(128) = 1/4 (5/6 + 5/6 + 1/6 + 1/2) = 7/12.
    close(Math.exp(pe.logPdf(128)), 7 / 12);
    close(Math.exp(pe.logPdf(96)), 5 / 12);
    assert.equal(pe.logPdf(64), -Infinity);
  });

  it('samples stay in range, on the grid, and follow the mixture', () => {
    const rng = new Random(1);
    const ints = parzenEstimator({ type: 'int', low: 0, high: 100, step: 10 }, [20]);
    for (let i = 0; i < 200; i++) {
      const x = ints.sample(rng) as number;
      assert.ok(x >= 0 && x <= 100 && x % 10 === 0, `${x}`);
    }
    const lr = parzenEstimator({ type: 'float', low: 0.0005, high: 0.01, log: true }, [0.001, 0.0011, 0.0012]);
    const xs = Array.from({ length: 2000 }, () => lr.sample(rng) as number);
    assert.ok(xs.every((x) => x >= 0.0005 && x <= 0.01));
    // Three of the four kernels sit near 0.001 (bandwidths clipped to ln 20 / 5 ≈ 0.6): most draws fall in [0.0005, 0.002].
    assert.ok(xs.filter((x) => x < 0.002).length > 0.6 * xs.length);
    const cat = parzenEstimator({ type: 'categorical', choices: [96, 128] }, [128, 128, 96]);
    const share = Array.from({ length: 4000 }, () => cat.sample(rng)).filter((c) => c === 128).length / 4000;
    assert.ok(Math.abs(share - 7 / 12) < 0.03, `share of 128: ${share}`);
  });
});

describe('splitTrials', () => {
  const trial = (number: number, state: Trial['state'], value?: number, reports: [number, number][] = []): Trial => ({
    number,
    state,
    params: {},
    intermediate: new Map(reports),
    ...(value === undefined ? {} : { value }),
  });
  const trials = [
    trial(0, 'complete', 0.1),
    trial(1, 'complete', 0.5),
    trial(2, 'complete', 0.3),
    trial(3, 'pruned', undefined, [[5, 0.9]]),
    trial(4, 'pruned', undefined, [[5, 0.1], [9, 0.2]]),
    trial(5, 'pruned'),
    trial(6, 'failed'),
    trial(7, 'running'),
  ];
  const numbers = (ts: readonly Trial[]) => ts.map((t) => t.number);

  it('takes the best complete trials (largest value) as good, in trial order', () => {
    const { good, bad } = splitTrials(trials, 2);
    assert.deepEqual(numbers(good), [1, 2]);
    assert.deepEqual(numbers(bad), [0, 3, 4, 5]);
  });

  it('fills the rest from pruned trials, the furthest first, then by value; failed and running in neither', () => {
    // Three complete trials, one place left: #4 reached step 9, #3 only step 5 (with a higher value).
    assert.deepEqual(numbers(splitTrials(trials, 4).good), [0, 1, 2, 4]);
    assert.deepEqual(numbers(splitTrials(trials, 4).bad), [3, 5]);
    // Then #3; #5 reported nothing and comes last.
    assert.deepEqual(numbers(splitTrials(trials, 5).good), [0, 1, 2, 3, 4]);
    assert.deepEqual(numbers(splitTrials(trials, 6).good), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(numbers(splitTrials(trials, 6).bad), []);
    // Same last step: the larger value first.
    const tied = [trial(0, 'pruned', undefined, [[5, 0.2]]), trial(1, 'pruned', undefined, [[5, 0.4]])];
    assert.deepEqual(numbers(splitTrials(tied, 1).good), [1]);
  });
});
