/**
 * The median stopping rule, as Optuna's MedianPruner (a PercentilePruner at 50; read in
 * optuna/pruners/_percentile.py at v4.6-dev) for a study that maximizes: after a trial reports a
 * value at step s, it is pruned when its best value so far is below the median of the complete
 * trials' values reported at step s. Steps are training iterations here.
 */
import { type Trial, lastStep } from './trial.js';

export interface MedianPrunerOptions {
  /** No pruning until this many trials are complete (default 5). */
  readonly nStartupTrials?: number;
  /** No pruning at steps below this (default 0). */
  readonly nWarmupSteps?: number;
  /** Judge at most once per this many steps after the warmup (default 1: at every report). */
  readonly intervalSteps?: number;
  /** No pruning when fewer complete trials reported at the step (default 1). */
  readonly nMinTrials?: number;
}

/** Decides whether `trial` (running, having just reported) should stop, given every trial of the study. */
export type Pruner = (trial: Trial, trials: readonly Trial[]) => boolean;

/**
 * The median of `values` ignoring NaN, as numpy's `nanpercentile(values, 50)` (the mean of the
 * two middle values for an even count); NaN when none is left.
 */
export function nanMedian(values: readonly number[]): number {
  const kept = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (kept.length === 0) return NaN;
  const mid = (kept.length - 1) / 2;
  return (kept[Math.floor(mid)] + kept[Math.ceil(mid)]) / 2;
}

/**
 * Optuna's MedianPruner with its defaults. At the trial's last step s:
 * no pruning while fewer than `nStartupTrials` trials are complete, while s < `nWarmupSteps`, or
 * unless s is the trial's first report in its interval (`_is_first_in_interval_step`); a trial
 * whose values are all NaN is pruned; otherwise it is pruned when its best (largest) value so far
 * is below the NaN-ignoring median of the complete trials' values at s, given at least
 * `nMinTrials` of them.
 */
export function medianPruner(options: MedianPrunerOptions = {}): Pruner {
  const nStartupTrials = options.nStartupTrials ?? 5;
  const nWarmupSteps = options.nWarmupSteps ?? 0;
  const intervalSteps = options.intervalSteps ?? 1;
  const nMinTrials = options.nMinTrials ?? 1;
  for (const [name, value, min] of [['nStartupTrials', nStartupTrials, 0], ['nWarmupSteps', nWarmupSteps, 0], ['intervalSteps', intervalSteps, 1], ['nMinTrials', nMinTrials, 1]] as const) {
    if (!Number.isInteger(value) || value < min) throw new Error(`medianPruner: ${name} must be an integer >= ${min}, got ${value}`);
  }
  return (trial, trials) => {
    const complete = trials.filter((t) => t.state === 'complete' && t.number !== trial.number);
    if (complete.length === 0 || complete.length < nStartupTrials) return false;
    const step = lastStep(trial);
    if (step === undefined || step < nWarmupSteps) return false;
    if (!firstInInterval(step, [...trial.intermediate.keys()], nWarmupSteps, intervalSteps)) return false;
    const values = [...trial.intermediate.values()].filter((v) => !Number.isNaN(v));
    if (values.length === 0) return true;
    const best = Math.max(...values);
    const atStep = complete.filter((t) => t.intermediate.has(step)).map((t) => t.intermediate.get(step) as number);
    if (atStep.length < nMinTrials) return false;
    const median = nanMedian(atStep);
    return !Number.isNaN(median) && best < median;
  };
}

/**
 * Whether `step` is the first step the trial reported at since the last pruning check point
 * (warmup + a multiple of the interval), as Optuna's `_is_first_in_interval_step`.
 */
function firstInInterval(step: number, steps: readonly number[], nWarmupSteps: number, intervalSteps: number): boolean {
  const nearestCheck = Math.floor((step - nWarmupSteps) / intervalSteps) * intervalSteps + nWarmupSteps;
  const previous = steps.reduce((last, s) => (s > last && s !== step ? s : last), -1);
  return previous < nearestCheck;
}
