/**
 * The solver from `SOLVER` config, Detectron2's `build_optimizer` + `maybe_add_gradient_clipping`
 * + `build_lr_scheduler` (solver/build.py): the one place in cellmask's training that reads
 * `SOLVER`; the optimizer, schedule and clipping take camelCase options.
 *
 * One training iteration i then runs, as Detectron2's trainer does:
 * clip each parameter's gradient (if enabled), SGD step at `learningRateAt(i)` ({@link solverStep}).
 */
import * as tf from '@tensorflow/tfjs-core';

import type { SolverConfig } from '../config/types.js';
import { describe } from '../utils/describe.js';
import { type GradientClipping, clipGradients } from './clip-gradients.js';
import { type LrSchedule, learningRateAt, lrScheduleFromConfig } from './lr-schedule.js';
import { Sgd, type SgdOptions } from './sgd.js';

/** Which parameters are normalization parameters and which are biases (by name). */
export interface ParamKinds {
  /** Detectron2: the parameter's module is a normalization layer (gets `WEIGHT_DECAY_NORM`). */
  readonly isNorm: (name: string) => boolean;
  /** Detectron2: the parameter's own name is `bias` (gets `BASE_LR * BIAS_LR_FACTOR`). */
  readonly isBias: (name: string) => boolean;
}

/** The optimizer, its schedule and its gradient clipping. */
export interface Solver {
  /** Owns momentum buffers: dispose it when training ends. */
  readonly optimizer: Sgd;
  readonly schedule: LrSchedule;
  /** `null` when `SOLVER.CLIP_GRADIENTS.ENABLED` is false. */
  readonly clip: GradientClipping | null;
}

/**
 * The solver of `solver` config.
 * @param warn receives the warning about `STEPS` past `MAX_ITER` (see `lrScheduleFromConfig`).
 * @throws Error naming the key and value of the first bad setting: `MOMENTUM` outside [0, 1),
 *   `NESTEROV` without momentum, negative or non-finite weight decays or `BIAS_LR_FACTOR`, an
 *   unknown `CLIP_GRADIENTS.CLIP_TYPE`, a non-positive `CLIP_VALUE` or `NORM_TYPE` (when
 *   enabled), and every check of `lrScheduleFromConfig` (`BASE_LR` > 0 and finite, `STEPS`, ...).
 */
export function buildSolver(solver: SolverConfig, kinds: ParamKinds, warn: (message: string) => void = console.warn): Solver {
  const schedule = lrScheduleFromConfig(solver, warn);
  const clip = gradientClippingFromConfig(solver);
  return { optimizer: new Sgd(sgdOptionsFromConfig(solver, kinds)), schedule, clip };
}

/** The SGD options of `solver`: `MOMENTUM`, `NESTEROV`, `WEIGHT_DECAY`, `WEIGHT_DECAY_NORM`, `BIAS_LR_FACTOR`. */
export function sgdOptionsFromConfig(solver: SolverConfig, kinds: ParamKinds): SgdOptions {
  const momentum = solver.MOMENTUM;
  if (!(momentum >= 0 && momentum < 1)) fail('MOMENTUM', 'in [0, 1)', momentum);
  if (solver.NESTEROV && momentum === 0) fail('NESTEROV', 'false when SOLVER.MOMENTUM is 0 (PyTorch requires momentum for Nesterov)', solver.NESTEROV);
  for (const key of ['WEIGHT_DECAY', 'WEIGHT_DECAY_NORM', 'BIAS_LR_FACTOR'] as const) {
    if (!(solver[key] >= 0 && Number.isFinite(solver[key]))) fail(key, 'a finite number >= 0', solver[key]);
  }
  return {
    momentum,
    nesterov: solver.NESTEROV,
    weightDecay: solver.WEIGHT_DECAY,
    weightDecayNorm: solver.WEIGHT_DECAY_NORM,
    biasLrFactor: solver.BIAS_LR_FACTOR,
    isNorm: kinds.isNorm,
    isBias: kinds.isBias,
  };
}

/** The clipping of `SOLVER.CLIP_GRADIENTS` (`CLIP_TYPE`, `CLIP_VALUE`, `NORM_TYPE`), `null` when not `ENABLED`. */
export function gradientClippingFromConfig(solver: SolverConfig): GradientClipping | null {
  const c = solver.CLIP_GRADIENTS;
  if (!c.ENABLED) return null;
  if (!(c.CLIP_VALUE > 0 && Number.isFinite(c.CLIP_VALUE))) fail('CLIP_GRADIENTS.CLIP_VALUE', 'a finite number > 0', c.CLIP_VALUE);
  if (c.CLIP_TYPE === 'value') return { type: 'value', clipValue: c.CLIP_VALUE };
  if (c.CLIP_TYPE !== 'norm') return fail('CLIP_GRADIENTS.CLIP_TYPE', '"value" or "norm"', c.CLIP_TYPE);
  if (!(c.NORM_TYPE > 0)) fail('CLIP_GRADIENTS.NORM_TYPE', '> 0 or inf', c.NORM_TYPE);
  return { type: 'norm', maxNorm: c.CLIP_VALUE, normType: c.NORM_TYPE };
}

/**
 * The solver's part of training iteration `iteration`: clips `grads` (if enabled) and takes the
 * SGD step at `learningRateAt(iteration)`. Returns that learning rate. `grads` are read, not
 * disposed; the clipped copies are disposed here.
 */
export function solverStep(solver: Solver, params: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, iteration: number): number {
  const lr = learningRateAt(iteration, solver.schedule);
  if (solver.clip === null) {
    solver.optimizer.step(params, grads, lr);
    return lr;
  }
  const clipped = clipGradients(grads, solver.clip);
  try {
    solver.optimizer.step(params, clipped, lr);
  } finally {
    tf.dispose([...clipped.values()]);
  }
  return lr;
}

function fail(key: string, what: string, value: unknown): never {
  throw new Error(`buildSolver: SOLVER.${key} must be ${what}, got ${describe(value)}`);
}
