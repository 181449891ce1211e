/**
 * The univariate Parzen estimator of TPE (Bergstra et al. 2011, "Algorithms for Hyper-Parameter
 * Optimization", section 4), built as Optuna's `_ParzenEstimator` builds it with TPESampler's
 * defaults (optuna/samplers/_tpe/parzen_estimator.py, read at v4.6-dev):
 *
 * - mixture weights: `defaultWeights(n)` over the observations in trial-number order, then the
 *   prior's weight 1, all normalized to sum 1 (only the prior, weight 1, without observations);
 * - numbers: one normal kernel per observation centred on it, in log space for a log-scale
 *   parameter; its bandwidth is the larger of the gaps to its two neighbours among the sorted
 *   observations and the range's ends, except that the smallest and the largest observation
 *   take the gap to their one inner neighbour (`consider_endpoints=False`, when there are at
 *   least two); bandwidths are clipped to [(high - low) / min(100, 1 + K), high - low] with K the
 *   number of kernels, prior included (`consider_magic_clip=True`); the prior is a kernel at the
 *   range's centre with bandwidth high - low; every kernel is truncated to the range;
 * - integers: the same on [low - step/2, high + step/2], a value's probability being its kernel's
 *   mass on [x - step/2, x + step/2];
 * - categoricals: kernel k puts prior_weight / K on every choice plus 1 on its observed choice,
 *   normalized; the prior's kernel is uniform.
 */
import type { Random } from '../utils/random.js';
import { logGaussMass, logNormalPdf, sampleTruncatedNormal } from './normal.js';
import { type Choice, type Param, inSpace } from './space.js';

/** Optuna's `prior_weight` (its default, 1). */
export const PRIOR_WEIGHT = 1;

/**
 * Optuna's `default_weights(n)`: 1 for each of n observations when n < 25; otherwise the oldest
 * n - 25 ramp linearly from 1/n to 1 and the newest 25 weigh 1.
 */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const rampLength = n - 25;
  // numpy's linspace(1/n, 1, num=rampLength).
  const ramp = Array.from({ length: rampLength }, (_, i) => (rampLength === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (rampLength - 1)));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

/** A univariate Parzen estimator: a weighted mixture of kernels over one parameter's values. */
export interface ParzenEstimator {
  /** [K] mixture weights, summing to 1; the prior's is last. */
  readonly weights: readonly number[];
  /** Numbers: [K] kernel centres and bandwidths in the modelled space (log x for log scale). */
  readonly mus?: readonly number[];
  readonly sigmas?: readonly number[];
  /** Categoricals: [K][C] each kernel's probabilities of the C choices. */
  readonly choiceProbabilities?: readonly (readonly number[])[];
  /** log density (numbers) or log probability (ints, categoricals) of a parameter value. */
  logPdf(value: Choice): number;
  /** A value drawn from the mixture. */
  sample(rng: Random): Choice;
}

/**
 * The Parzen estimator of `param` over `observations` (parameter values, oldest trial first).
 * @param weights one per observation (default {@link defaultWeights}); the prior's is appended.
 */
export function parzenEstimator(param: Param, observations: readonly Choice[], weights = defaultWeights(observations.length)): ParzenEstimator {
  if (weights.length !== observations.length) throw new Error(`parzenEstimator: ${observations.length} observations but ${weights.length} weights`);
  const raw = observations.length === 0 ? [1] : [...weights, PRIOR_WEIGHT];
  const total = raw.reduce((s, w) => s + w, 0);
  const mixture = raw.map((w) => w / total);
  return param.type === 'categorical' ? categoricalEstimator(param.choices, observations, mixture) : numericalEstimator(param, observations as number[], mixture);
}

/** An index drawn with the given probabilities (summing to 1). */
function pickIndex(rng: Random, probabilities: readonly number[]): number {
  const u = rng.next();
  let cumulative = 0;
  for (let i = 0; i < probabilities.length; i++) {
    cumulative += probabilities[i];
    if (u < cumulative) return i;
  }
  return probabilities.length - 1;
}

/** log Σ exp(terms), safe when every term is -Infinity. */
function logSumExp(terms: readonly number[]): number {
  const max = Math.max(...terms);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(terms.reduce((s, t) => s + Math.exp(t - max), 0));
}

function categoricalEstimator(choices: readonly Choice[], observations: readonly Choice[], mixture: readonly number[]): ParzenEstimator {
  const c = choices.length;
  let rows: number[][];
  if (observations.length === 0) {
    rows = [new Array<number>(c).fill(1 / c)];
  } else {
    const kernels = observations.length + 1;
    rows = Array.from({ length: kernels }, () => new Array<number>(c).fill(PRIOR_WEIGHT / kernels));
    observations.forEach((value, k) => {
      const index = choices.indexOf(value);
      if (index < 0) throw new Error(`parzenEstimator: observation ${JSON.stringify(value)} is not one of the choices ${JSON.stringify(choices)}`);
      rows[k][index] += 1;
    });
    rows = rows.map((row) => {
      const sum = row.reduce((s, v) => s + v, 0);
      return row.map((v) => v / sum);
    });
  }
  return {
    weights: mixture,
    choiceProbabilities: rows,
    logPdf(value) {
      const index = choices.indexOf(value);
      if (index < 0) return -Infinity;
      return logSumExp(rows.map((row, k) => Math.log(mixture[k]) + Math.log(row[index])));
    },
    sample(rng) {
      const row = rows[pickIndex(rng, mixture)];
      return choices[pickIndex(rng, row)];
    },
  };
}

/**
 * Bandwidths of kernels centred on `mus` in the range [low, high] (see the module comment).
 * Exported for the tests, which check it against hand-worked values.
 */
export function bandwidths(mus: readonly number[], low: number, high: number): number[] {
  const n = mus.length;
  const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b]);
  const sorted = [low, ...order.map((i) => mus[i]), high];
  const sortedSigmas = order.map((_, j) => Math.max(sorted[j + 1] - sorted[j], sorted[j + 2] - sorted[j + 1]));
  if (n >= 2) {
    sortedSigmas[0] = sorted[2] - sorted[1];
    sortedSigmas[n - 1] = sorted[n] - sorted[n - 1];
  }
  const kernels = n + 1;
  const minSigma = (high - low) / Math.min(100, 1 + kernels);
  const sigmas = new Array<number>(n);
  order.forEach((i, j) => (sigmas[i] = Math.min(Math.max(sortedSigmas[j], minSigma), high - low)));
  return sigmas;
}

function numericalEstimator(param: Exclude<Param, { type: 'categorical' }>, observations: readonly number[], mixture: readonly number[]): ParzenEstimator {
  const log = param.log === true;
  const step = param.type === 'int' ? (param.step ?? 1) : 0;
  const to = (x: number) => (log ? Math.log(x) : x);
  // The modelled range: the values' cells [x - step/2, x + step/2] for ints, in log space for log.
  const low = to(param.low - step / 2);
  const high = to(param.high + step / 2);
  const observed = observations.map((x) => {
    if (typeof x !== 'number') throw new Error(`parzenEstimator: observation ${JSON.stringify(x)} of a numeric parameter is not a number`);
    return to(x);
  });
  const mus = [...observed, 0.5 * (low + high)];
  const sigmas = [...bandwidths(observed, low, high), high - low];
  const logMixture = mixture.map(Math.log);
  // log of each kernel's mass inside the range, its truncation's normalizer.
  const logNormalizers = mus.map((mu, k) => logGaussMass((low - mu) / sigmas[k], (high - mu) / sigmas[k]));

  const kernelLogPdf = (x: number, k: number): number => {
    const mu = mus[k];
    const sigma = sigmas[k];
    if (step === 0) return logNormalPdf((to(x) - mu) / sigma) - Math.log(sigma) - logNormalizers[k];
    const left = to(x - step / 2);
    const right = to(x + step / 2);
    return logGaussMass((left - mu) / sigma, (right - mu) / sigma) - logNormalizers[k];
  };
  return {
    weights: mixture,
    mus,
    sigmas,
    logPdf(value) {
      if (typeof value !== 'number' || !inSpace(param, value)) return -Infinity;
      return logSumExp(mus.map((_, k) => logMixture[k] + kernelLogPdf(value, k)));
    },
    sample(rng) {
      const k = pickIndex(rng, mixture);
      const modelled = sampleTruncatedNormal(rng, mus[k], sigmas[k], low, high);
      const x = log ? Math.exp(modelled) : modelled;
      if (step === 0) return Math.min(Math.max(x, param.low), param.high);
      return Math.min(Math.max(param.low + Math.round((x - param.low) / step) * step, param.low), param.high);
    },
  };
}
