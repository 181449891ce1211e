/**
 * The learning-rate schedules of Detectron2's `build_lr_scheduler` (solver/build.py):
 * `WarmupMultiStepLR` and `WarmupCosineLR`, as current Detectron2 builds them — an fvcore
 * `MultiStepParamScheduler` or `CosineParamScheduler` behind a `WarmupParamScheduler`, applied
 * by `LRMultiplier` as
 *
 *   lr(i) = BASE_LR * multiplier(i / MAX_ITER).
 *
 * Timing: Detectron2's `LRScheduler` hook steps the scheduler after each optimizer step, and
 * the scheduler's constructor already evaluates it at 0, so the update of iteration i uses
 * `learningRateAt(i)`; i runs over 0..MAX_ITER - 1 (MAX_ITER itself is the value the scheduler
 * holds after the last step).
 *
 * The fvcore arithmetic is kept to the last bit, because it shows at the edges:
 * - the warmup covers `where + 1e-6 <= WARMUP_ITERS / MAX_ITER` (fvcore's WHERE_EPSILON) and
 *   ends at MAX_ITER when WARMUP_ITERS > MAX_ITER;
 * - linear warmup interpolates from WARMUP_FACTOR * main(0) to main(warmup end) in
 *   alpha = where / warmup length, so a step inside the warmup moves the warmup's end value,
 *   not the warmup (Detectron2's deprecated WarmupMultiStepLR multiplied the warmup factor by
 *   GAMMA^k instead; the two agree unless a step falls inside the warmup or WARMUP_ITERS >
 *   MAX_ITER);
 * - the multi-step index is `trunc((i / MAX_ITER + 1e-6) * MAX_ITER)`, which runs ahead of i
 *   once MAX_ITER >= 1e6 (3 iterations at 3e6).
 */
import type { SolverConfig } from '../config/types.js';
import { describe } from '../utils/describe.js';

/** The schedules cellmask implements, by Detectron2's `SOLVER.LR_SCHEDULER_NAME`. */
export const LR_SCHEDULER_NAMES = ['WarmupMultiStepLR', 'WarmupCosineLR'] as const;
export type LrSchedulerName = (typeof LR_SCHEDULER_NAMES)[number];

/** Detectron2's `SOLVER.WARMUP_METHOD` values. */
export const WARMUP_METHODS = ['linear', 'constant'] as const;
export type WarmupMethod = (typeof WARMUP_METHODS)[number];

/** fvcore's `ParamScheduler.WHERE_EPSILON`. */
const WHERE_EPSILON = 1e-6;

/** A learning-rate schedule (see {@link lrSchedule} for the checks it must pass). */
export interface LrSchedule {
  readonly name: LrSchedulerName;
  /** The learning rate the multiplier scales (> 0). */
  readonly baseLr: number;
  /** The iterations of the whole run (a positive integer); progress is `iteration / maxIter`. */
  readonly maxIter: number;
  /** `WarmupMultiStepLR`: iterations from which the rate is multiplied by one more `gamma`;
   * strictly increasing positive integers below `maxIter`. Unused by `WarmupCosineLR`. */
  readonly steps: readonly number[];
  /** `WarmupMultiStepLR`: the factor of each step (> 0). */
  readonly gamma: number;
  /** `WarmupCosineLR`: the multiplier at `maxIter`, in [0, 1] (Detectron2's
   * BASE_LR_END / BASE_LR, 0 by default). */
  readonly cosineEndFactor: number;
  /** The multiplier the warmup starts from, relative to the schedule at 0, in [0, 1]. */
  readonly warmupFactor: number;
  /** Warmup length in iterations (an integer >= 0; 0: no warmup). */
  readonly warmupIters: number;
  readonly warmupMethod: WarmupMethod;
}

/**
 * A checked, frozen copy of `options`.
 * @throws Error naming the option and the value received when one is out of range (the checks
 *   fvcore's schedulers make, and the ones that keep the arithmetic finite).
 */
export function lrSchedule(options: LrSchedule): LrSchedule {
  checkSchedule('lrSchedule', options);
  return Object.freeze({ ...options, steps: Object.freeze([...options.steps]) });
}

function checkSchedule(op: string, options: LrSchedule): void {
  const fail = (key: string, what: string, value: unknown): never => {
    throw new Error(`${op}: ${key} must be ${what}, got ${shown(value)}`);
  };
  const { name, baseLr, maxIter, steps, gamma, cosineEndFactor, warmupFactor, warmupIters, warmupMethod } = options;
  if (!LR_SCHEDULER_NAMES.includes(name)) fail('name', `one of ${LR_SCHEDULER_NAMES.join(', ')}`, name);
  if (!(baseLr > 0 && Number.isFinite(baseLr))) fail('baseLr', 'a finite number > 0', baseLr);
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) fail('maxIter', 'a positive integer', maxIter);
  // fvcore's MultiStepParamScheduler: every milestone after the one before (from 0) and below num_updates.
  const stepsOk = steps.every((s, i) => Number.isInteger(s) && s > (i === 0 ? 0 : steps[i - 1]) && s < maxIter);
  if (!stepsOk) fail('steps', `strictly increasing positive integers below maxIter (${maxIter})`, steps);
  if (!(gamma > 0 && Number.isFinite(gamma))) fail('gamma', 'a finite number > 0', gamma);
  if (!(cosineEndFactor >= 0 && cosineEndFactor <= 1)) fail('cosineEndFactor', 'in [0, 1]', cosineEndFactor);
  if (!(warmupFactor >= 0 && warmupFactor <= 1)) fail('warmupFactor', 'in [0, 1]', warmupFactor);
  if (!(Number.isInteger(warmupIters) && warmupIters >= 0)) fail('warmupIters', 'an integer >= 0', warmupIters);
  if (!WARMUP_METHODS.includes(warmupMethod)) fail('warmupMethod', `one of ${WARMUP_METHODS.join(', ')}`, warmupMethod);
}

/**
 * The learning rate of the optimizer step of `iteration` (0-based), Detectron2's
 * `LRMultiplier`: `baseLr * multiplier(iteration / maxIter)`.
 * @param iteration an integer in [0, maxIter].
 * @throws Error when `schedule` fails {@link lrSchedule}'s checks or `iteration` is out of range.
 */
export function learningRateAt(iteration: number, schedule: LrSchedule): number {
  checkSchedule('learningRateAt', schedule);
  if (!(Number.isInteger(iteration) && iteration >= 0 && iteration <= schedule.maxIter)) {
    throw new Error(`learningRateAt: iteration must be an integer in [0, maxIter = ${schedule.maxIter}], got ${iteration}`);
  }
  return schedule.baseLr * multiplierAt(iteration / schedule.maxIter, schedule);
}

/** `WarmupParamScheduler(main, warmupFactor, min(warmupIters / maxIter, 1), warmupMethod)` at `where`. */
function multiplierAt(where: number, schedule: LrSchedule): number {
  const warmupLength = Math.min(schedule.warmupIters / schedule.maxIter, 1);
  // CompositeParamScheduler moves on to the main schedule once where + eps > the warmup length.
  if (where + WHERE_EPSILON > warmupLength) return mainMultiplierAt(where, schedule);
  const start = schedule.warmupFactor * mainMultiplierAt(0, schedule);
  if (schedule.warmupMethod === 'constant') return start;
  // LinearParamScheduler on the warmup's rescaled interval: alpha runs from 0 to 1 over it.
  const end = mainMultiplierAt(warmupLength, schedule);
  const alpha = where / warmupLength;
  return end * alpha + start * (1 - alpha);
}

/** The schedule after warmup (fvcore's, with "fixed" interval scaling: `where` as is). */
function mainMultiplierAt(where: number, schedule: LrSchedule): number {
  if (schedule.name === 'WarmupCosineLR') {
    // CosineParamScheduler(1, end): end + (1 - end) / 2 * (1 + cos(pi * where)).
    const end = schedule.cosineEndFactor;
    return end + 0.5 * (1 - end) * (1 + Math.cos(Math.PI * where));
  }
  // MultiStepParamScheduler(values = gamma^k, num_updates = maxIter, milestones = steps).
  const epoch = Math.trunc((where + WHERE_EPSILON) * schedule.maxIter);
  let passed = 0; // bisect_right(steps, epoch)
  while (passed < schedule.steps.length && schedule.steps[passed] <= epoch) passed++;
  return schedule.gamma ** passed;
}

/**
 * The schedule of `solver` (Detectron2's `build_lr_scheduler`): `LR_SCHEDULER_NAME`,
 * `BASE_LR`, `MAX_ITER`, `STEPS`, `GAMMA`, `WARMUP_FACTOR`, `WARMUP_ITERS`, `WARMUP_METHOD`;
 * the cosine ends at 0 (Detectron2's default `BASE_LR_END`, a key cellmask's config lacks).
 *
 * `STEPS` is read by `WarmupMultiStepLR` only. As Detectron2 does, steps past `MAX_ITER` are
 * dropped with a warning; a step equal to `MAX_ITER` is kept by that filter and then rejected,
 * as fvcore's MultiStepParamScheduler rejects it.
 * @param warn receives the warning (Detectron2 logs it); `console.warn` by default.
 * @throws Error naming the key and the value: an unknown scheduler name (Detectron2's
 *   `WarmupStepWithFixedGammaLR` needs `NUM_DECAYS`, which cellmask's config does not have)
 *   or warmup method, unsorted or non-positive steps, and every check of {@link lrSchedule}.
 */
export function lrScheduleFromConfig(solver: SolverConfig, warn: (message: string) => void = console.warn): LrSchedule {
  const fail = (key: string, what: string, value: unknown): never => {
    throw new Error(`lrScheduleFromConfig: SOLVER.${key} must be ${what}, got ${shown(value)}`);
  };
  const name = solver.LR_SCHEDULER_NAME;
  if (!isOneOf(name, LR_SCHEDULER_NAMES)) return fail('LR_SCHEDULER_NAME', `one of ${LR_SCHEDULER_NAMES.join(', ')}`, name);
  const method = solver.WARMUP_METHOD;
  if (!isOneOf(method, WARMUP_METHODS)) return fail('WARMUP_METHOD', `one of ${WARMUP_METHODS.join(', ')}`, method);
  const maxIter = solver.MAX_ITER;
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) fail('MAX_ITER', 'a positive integer', maxIter);
  // Only the multi-step schedule reads STEPS (Detectron2 filters them in that branch alone).
  const steps = name === 'WarmupMultiStepLR' ? multiStepSteps(solver, warn) : [];
  if (!(Number.isInteger(solver.WARMUP_ITERS) && solver.WARMUP_ITERS >= 0)) fail('WARMUP_ITERS', 'an integer >= 0', solver.WARMUP_ITERS);
  if (!(solver.WARMUP_FACTOR >= 0 && solver.WARMUP_FACTOR <= 1)) fail('WARMUP_FACTOR', 'in [0, 1]', solver.WARMUP_FACTOR);
  if (!(solver.BASE_LR > 0 && Number.isFinite(solver.BASE_LR))) fail('BASE_LR', 'a finite number > 0', solver.BASE_LR);
  if (!(solver.GAMMA > 0 && Number.isFinite(solver.GAMMA))) fail('GAMMA', 'a finite number > 0', solver.GAMMA);
  return lrSchedule({
    name,
    baseLr: solver.BASE_LR,
    maxIter,
    steps,
    gamma: solver.GAMMA,
    cosineEndFactor: 0,
    warmupFactor: solver.WARMUP_FACTOR,
    warmupIters: solver.WARMUP_ITERS,
    warmupMethod: method,
  });
}

/** `SOLVER.STEPS` checked, less those past `MAX_ITER` (with a warning). */
function multiStepSteps(solver: SolverConfig, warn: (message: string) => void): number[] {
  const { STEPS: steps, MAX_ITER: maxIter } = solver;
  if (!steps.every((s, i) => Number.isInteger(s) && s > (i === 0 ? 0 : steps[i - 1]))) {
    throw new Error(`lrScheduleFromConfig: SOLVER.STEPS must be strictly increasing positive integers, got ${shown(steps)}`);
  }
  const kept = steps.filter((s) => s <= maxIter);
  if (kept.length < steps.length) {
    warn(`SOLVER.STEPS ${shown(steps)} contains values larger than SOLVER.MAX_ITER (${maxIter}); they are ignored (as Detectron2 does).`);
  }
  if (kept.includes(maxIter)) {
    throw new Error(`lrScheduleFromConfig: SOLVER.STEPS must be below SOLVER.MAX_ITER (${maxIter}) (fvcore's MultiStepParamScheduler rejects a step at MAX_ITER), got ${shown(steps)}`);
  }
  return kept;
}

/** A value in a message: lists of numbers in full (they are short: steps), the rest by `describe`. */
function shown(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(', ')}]` : describe(value);
}

function isOneOf<T extends string>(value: string, names: readonly T[]): value is T {
  return (names as readonly string[]).includes(value);
}
