/**
 * The golden values of scripts/fixtures/solver.py (test/fixtures/solver.json): Detectron2's
 * learning-rate schedules, torch.optim.SGD steps with Detectron2's parameter groups and
 * clipping, and clip_grad_norm_ / clip_grad_value_ on single tensors.
 */
import { readFileSync } from 'node:fs';

import * as tf from '@tensorflow/tfjs-core';

import { DETECTRON2_DEFAULTS } from '../../src/config/index.js';
import type { SolverConfig } from '../../src/config/index.js';

type Values = Record<string, number[] | null>;

interface SolverJson extends Partial<Omit<SolverConfig, 'CLIP_GRADIENTS'>> {
  readonly CLIP_GRADIENTS?: Omit<SolverConfig['CLIP_GRADIENTS'], 'NORM_TYPE'> & { NORM_TYPE: number | 'inf' };
}

export interface ScheduleCase {
  readonly name: string;
  readonly solver: SolverJson;
  readonly iterations: number[];
  readonly lr: number[];
  /** Detectron2's deprecated WarmupMultiStepLR formula, where the fixture has it. */
  readonly lrLegacy?: number[];
}

export interface SgdCase {
  readonly name: string;
  readonly solver: SolverJson;
  readonly steps: {
    iteration: number;
    lr: number;
    grads: Values;
    clipped: Values;
    params: Values;
    buffers: Values;
  }[];
}

export interface ClipCase {
  readonly kind: 'value' | 'norm';
  readonly shape: number[];
  readonly grad: number[];
  readonly clipped: number[];
  readonly clipValue?: number;
  readonly maxNorm?: number;
  readonly normType?: number | 'inf';
  readonly norm?: number;
}

export const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/solver.json', import.meta.url), 'utf8')) as {
  initialParams: Record<string, { shape: number[]; values: number[] }>;
  schedules: ScheduleCase[];
  sgd: SgdCase[];
  clip: ClipCase[];
};

/** `inf` as JSON carries it -> Infinity. */
export function normType(value: number | 'inf'): number {
  return value === 'inf' ? Infinity : value;
}

/** A fixture's SOLVER keys over Detectron2's defaults. */
export function solverConfig(json: SolverJson): SolverConfig {
  const base = DETECTRON2_DEFAULTS.SOLVER;
  const clip = json.CLIP_GRADIENTS;
  return {
    ...base,
    ...json,
    CLIP_GRADIENTS: clip === undefined ? base.CLIP_GRADIENTS : { ...clip, NORM_TYPE: normType(clip.NORM_TYPE) },
  } as SolverConfig;
}

/** The fixture network's parameters as variables on the active backend (the caller disposes them). */
export function initialParams(): Map<string, tf.Variable> {
  return new Map(
    Object.entries(FIXTURE.initialParams).map(([name, p]) => [name, tf.tidy(() => tf.variable(tf.tensor(p.values, p.shape, 'float32')))]),
  );
}

/** The fixture's names: Linear `conv` and BatchNorm1d `norm`, as Detectron2 would group them. */
export const KINDS = {
  isNorm: (name: string) => name.startsWith('norm.'),
  isBias: (name: string) => name.endsWith('.bias'),
};

export { relativeError } from '../tf/compare.js';
