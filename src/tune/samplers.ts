/**
 * Samplers: where a study tries next. `randomSampler` draws every parameter independently and
 * uniformly (on the log scale for log-scale ranges), as Optuna's RandomSampler; `tpeSampler` is
 * Optuna's default TPESampler (univariate, single objective; see `TpeOptions` and
 * optuna/samplers/_tpe/sampler.py, read at v4.6-dev), for a study that maximizes.
 *
 * A sampler is a pure function of the finished trials and the generator it is given; the study
 * gives each trial a generator seeded from (study seed, trial number), so a resumed study samples
 * what an uninterrupted one would have.
 */
import type { Random } from '../utils/random.js';
import { parzenEstimator } from './parzen.js';
import type { Choice, Param, Params, SearchSpace } from './space.js';
import { type Trial, lastStep } from './trial.js';

/** Picks the parameters of the next trial from the trials so far (any state, oldest first). */
export type Sampler = (space: SearchSpace, trials: readonly Trial[], rng: Random) => Params;

/** One value of `param`, uniformly at random (log-uniformly for log-scale ranges). */
export function sampleUniform(param: Param, rng: Random): Choice {
  if (param.type === 'categorical') return rng.pick(param.choices);
  if (param.type === 'float') {
    if (param.low === param.high) return param.low;
    return param.log ? Math.min(Math.exp(rng.uniform(Math.log(param.low), Math.log(param.high))), param.high) : rng.uniform(param.low, param.high);
  }
  const step = param.step ?? 1;
  if (param.log) {
    // Uniform over log x on the values' cells [low - 1/2, high + 1/2], then the nearest integer.
    const x = Math.exp(rng.uniform(Math.log(param.low - 0.5), Math.log(param.high + 0.5)));
    return Math.min(Math.max(Math.round(x), param.low), param.high);
  }
  return param.low + step * rng.int(0, (param.high - param.low) / step + 1);
}

/** Random search: every parameter drawn independently with {@link sampleUniform}. */
export const randomSampler: Sampler = (space, _trials, rng) => Object.fromEntries(Object.entries(space).map(([key, param]) => [key, sampleUniform(param, rng)]));

/** TPESampler's options, with Optuna's defaults. */
export interface TpeOptions {
  /** Trials drawn at random before TPE starts: complete and pruned trials count (default 10). */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) for each parameter, the best by l(x)/g(x) kept (default 24). */
  readonly nEiCandidates?: number;
  /** How many of n finished trials are "good" (default {@link defaultGamma}). */
  readonly gamma?: (n: number) => number;
}

/** Optuna's `default_gamma`: min(ceil(0.1 n), 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * Splits the complete and pruned trials into the `nGood` best ("below", whose parameters make
 * l(x)) and the rest ("above", g(x)), each in trial-number order, as Optuna's `_split_trials` for
 * one objective: complete trials by value, largest first; then, to fill what is left of `nGood`,
 * pruned trials by the last step they reached (latest first), ties by the value at that step
 * (largest first; NaN last); pruned trials that reported nothing come last. Running and failed
 * trials are in neither.
 */
export function splitTrials(trials: readonly Trial[], nGood: number): { good: Trial[]; bad: Trial[] } {
  const complete = trials.filter((t) => t.state === 'complete').sort((a, b) => (b.value as number) - (a.value as number));
  const pruned = trials.filter((t) => t.state === 'pruned').sort((a, b) => compareKeys(prunedKey(a), prunedKey(b)));
  const goodComplete = complete.slice(0, Math.min(nGood, complete.length));
  const left = Math.max(0, nGood - goodComplete.length);
  const goodPruned = pruned.slice(0, Math.min(left, pruned.length));
  const byNumber = (a: Trial, b: Trial) => a.number - b.number;
  return {
    good: [...goodComplete, ...goodPruned].sort(byNumber),
    bad: [...complete.slice(goodComplete.length), ...pruned.slice(goodPruned.length)].sort(byNumber),
  };
}

/** Optuna's `_get_pruned_trial_score` for maximizing: smaller keys are better. */
function prunedKey(trial: Trial): [number, number] {
  const step = lastStep(trial);
  if (step === undefined) return [1, 0];
  const value = trial.intermediate.get(step) as number;
  return [-step, Number.isNaN(value) ? Infinity : -value];
}

function compareKeys(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/**
 * The TPE sampler (Optuna's TPESampler with its defaults: univariate, `n_startup_trials` 10,
 * `n_ei_candidates` 24, `default_gamma`, `default_weights`, prior weight 1, magic clip on,
 * endpoints off). Until `nStartupTrials` trials are complete or pruned it samples at random.
 * Then, for each parameter on its own: the finished trials are split by {@link splitTrials}
 * into gamma(n) good ones and the rest, a Parzen estimator l(x) is built on the good trials'
 * values and g(x) on the rest's (see `parzen.ts`), `nEiCandidates` values are drawn from l(x),
 * and the one with the largest log l(x) - log g(x) is taken (the first on ties) — the expected
 * improvement's maximizer (Bergstra et al. 2011, eq. 4).
 */
export function tpeSampler(options: TpeOptions = {}): Sampler {
  const nStartupTrials = options.nStartupTrials ?? 10;
  const nEiCandidates = options.nEiCandidates ?? 24;
  const gamma = options.gamma ?? defaultGamma;
  if (!Number.isInteger(nStartupTrials) || nStartupTrials < 0) throw new Error(`tpeSampler: nStartupTrials must be an integer >= 0, got ${nStartupTrials}`);
  if (!Number.isInteger(nEiCandidates) || nEiCandidates < 1) throw new Error(`tpeSampler: nEiCandidates must be an integer >= 1, got ${nEiCandidates}`);
  return (space, trials, rng) => {
    const finished = trials.filter((t) => t.state === 'complete' || t.state === 'pruned');
    if (finished.length < nStartupTrials) return randomSampler(space, trials, rng);
    const { good, bad } = splitTrials(finished, gamma(finished.length));
    const params: Record<string, Choice> = {};
    for (const [key, param] of Object.entries(space)) {
      if (isSingle(param)) {
        params[key] = param.type === 'categorical' ? param.choices[0] : param.low;
        continue;
      }
      // Trials that lack the parameter (another space) are left out, as Optuna does.
      const valuesOf = (ts: readonly Trial[]) => ts.filter((t) => Object.hasOwn(t.params, key)).map((t) => t.params[key]);
      params[key] = sampleByTpe(param, valuesOf(good), valuesOf(bad), nEiCandidates, rng);
    }
    return params;
  };
}

/** A range with one value only, which Optuna does not sample. */
function isSingle(param: Param): boolean {
  return param.type === 'categorical' ? param.choices.length === 1 : param.low === param.high;
}

/** The candidate from l(x) that maximizes log l(x) - log g(x) (exported for the tests). */
export function sampleByTpe(param: Param, good: readonly Choice[], bad: readonly Choice[], nEiCandidates: number, rng: Random): Choice {
  const below = parzenEstimator(param, good);
  const above = parzenEstimator(param, bad);
  let best: Choice | undefined;
  let bestScore = -Infinity;
  for (let i = 0; i < nEiCandidates; i++) {
    const candidate = below.sample(rng);
    const score = below.logPdf(candidate) - above.logPdf(candidate);
    if (best === undefined || score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best as Choice;
}
