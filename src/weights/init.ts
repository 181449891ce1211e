/**
 * Fresh weights for a config's network, seeded: what training starts from when no checkpoint is
 * given, and what tests use for small models.
 *
 * Kernels (conv HWIO, dense [in, out], deconv [kh, kw, out, in]) are drawn from N(0, 2 / fan_in)
 * (He et al. 2015, for the ReLU layers), the last layers of each head from N(0, 0.01^2) as
 * Detectron2 initialises its predictors, biases 0; BatchNorm starts as the identity (weight 1,
 * bias 0, mean 0, var 1), except the last norm of each bottleneck's residual branch, whose weight
 * starts at 0 ("zero-init residual", Goyal et al. 2017, sec. 5.1) so that every block starts as
 * the identity and activations keep their scale through the 16 blocks of an R-50 (with identity
 * norms they would double at each).
 */
import * as tf from '@tensorflow/tfjs-core';

import type { CellmaskConfig } from '../config/types.js';
import type { Random } from '../utils/random.js';
import { expectedWeightShapes } from './expected.js';
import type { WeightMap } from './weight-map.js';

/** Layers initialised with a small std, as Detectron2's heads are (their outputs are logits or deltas). */
const PREDICTOR = /(rpn_head\.(objectness_logits|anchor_deltas)|box_predictor\.(cls_score|bbox_pred)|mask_head\.predictor)\.weight$/;

/** The last norm of a bottleneck's residual branch. */
const RESIDUAL_END = /\.res[2-5]\.\d+\.conv3\.norm\.weight$/;

/** Fan-in of a kernel of tfjs `shape` named `name`. */
function fanIn(name: string, shape: readonly number[]): number {
  if (shape.length === 2) return shape[0];
  // The deconv's filter is [kh, kw, out, in]; a conv's [kh, kw, in, out].
  const inChannels = name.endsWith('mask_head.deconv.weight') ? shape[3] : shape[2];
  return shape[0] * shape[1] * inChannels;
}

/** One parameter's initial values. */
function initialValues(name: string, shape: readonly number[], rng: Random): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (RESIDUAL_END.test(name)) return values;
  if (name.endsWith('.norm.weight') || name.endsWith('.running_var')) return values.fill(1);
  if (!name.endsWith('.weight') || shape.length < 2) return values;
  const std = PREDICTOR.test(name) ? 0.01 : Math.sqrt(2 / fanIn(name, shape));
  for (let i = 0; i < size; i++) values[i] = rng.normal(0, std);
  return values;
}

/** Every parameter of `cfg`'s network, freshly initialised from `rng` (the caller owns the tensors). */
export function initWeights(cfg: CellmaskConfig, rng: Random): WeightMap {
  const weights = new Map<string, tf.Tensor>();
  for (const [name, shape] of expectedWeightShapes(cfg)) weights.set(name, tf.tensor(initialValues(name, shape, rng), shape));
  return weights;
}
