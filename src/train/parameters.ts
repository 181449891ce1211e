/**
 * Which tensors of a model train, and the model's weights as tfjs variables for training.
 * Detectron2 trains every parameter except those `MODEL.BACKBONE.FREEZE_AT` freezes; its
 * FrozenBatchNorm statistics and affine terms are buffers, never trained.
 */
import * as tf from '@tensorflow/tfjs-core';

import { frozenParameterNames } from '../backbone/index.js';
import type { WeightMap } from '../weights/weight-map.js';

/** FrozenBatchNorm tensors (`<conv>.norm.weight|bias|running_mean|running_var`). */
const FROZEN_NORM = /\.norm\.(weight|bias|running_mean|running_var)$/;

/** True for a normalization layer's tensor (for the solver's `WEIGHT_DECAY_NORM`). */
export function isNormParameter(name: string): boolean {
  return FROZEN_NORM.test(name);
}

/** True for a bias (for the solver's `BIAS_LR_FACTOR`). */
export function isBiasParameter(name: string): boolean {
  return name.endsWith('.bias') && !isNormParameter(name);
}

/**
 * The names in `weights` that train: all but FrozenBatchNorm tensors and the layers `freezeAt`
 * freezes (`MODEL.BACKBONE.FREEZE_AT`), in the order of `weights`.
 */
export function trainableParameterNames(weights: WeightMap, freezeAt: number): string[] {
  const frozen = new Set(frozenParameterNames(weights, freezeAt));
  return [...weights.keys()].filter((name) => !frozen.has(name) && !isNormParameter(name));
}

/**
 * The model's weights with `names` turned into trainable `tf.Variable`s (the tensors they replace
 * are disposed; the others are carried over), and those variables by name. The variables get
 * engine-unique names, so two models can train in one process; `trainingStep` maps the gradients
 * back to parameter names.
 */
export function makeTrainable(weights: WeightMap, names: readonly string[]): { weights: WeightMap; variables: Map<string, tf.Variable> } {
  const missing = names.filter((name) => !weights.has(name));
  if (missing.length > 0) throw new Error(`makeTrainable: no weight named ${missing.map((n) => `"${n}"`).join(', ')}`);
  const out = new Map(weights);
  const variables = new Map<string, tf.Variable>();
  for (const name of names) {
    const t = weights.get(name) as tf.Tensor;
    const v = t instanceof tf.Variable ? t : tf.variable(t, true);
    if (v !== t) t.dispose();
    out.set(name, v);
    variables.set(name, v);
  }
  return { weights: out, variables };
}

/**
 * Throws unless tfjs has gradient functions registered: `@tensorflow/tfjs-core`'s Node bundle
 * registers none, the union package `@tensorflow/tfjs` (imported by the application) does.
 */
export function requireGradients(): void {
  if (tf.getGradient('Conv2D') === undefined || tf.getGradient('Relu') === undefined) {
    throw new Error(
      'cellmask/train: TensorFlow.js has no gradient functions registered. Import "@tensorflow/tfjs" once in the application ' +
        '(or, in a bundler, "@tensorflow/tfjs-core/dist/register_all_gradients") before training.',
    );
  }
}
