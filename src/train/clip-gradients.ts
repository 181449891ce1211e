/**
 * Detectron2's gradient clipping (`SOLVER.CLIP_GRADIENTS`, solver/build.py
 * `maybe_add_gradient_clipping`): before each SGD step, the gradient of EACH parameter is
 * clipped on its own (`per_param_clipper`: `clip_grad_norm_(p, ...)` or `clip_grad_value_(p, ...)`
 * called once per parameter), never over all parameters together. Clipping acts on the raw
 * gradient, before SGD adds weight decay.
 *
 * Ownership: every function returns new tensors the caller owns and disposes nothing; the
 * gradients passed in stay the caller's.
 */
import * as tf from '@tensorflow/tfjs-core';

import { describe } from '../utils/describe.js';

/** How gradients are clipped: Detectron2's `CLIP_TYPE` and its settings. */
export type GradientClipping =
  | {
      readonly type: 'value';
      /** Each element is clamped to [-clipValue, clipValue] (> 0; `CLIP_VALUE`). */
      readonly clipValue: number;
    }
  | {
      readonly type: 'norm';
      /** The largest p-norm a gradient keeps (> 0; `CLIP_VALUE`). */
      readonly maxNorm: number;
      /** p of the norm (> 0, `Infinity` for the max norm; `NORM_TYPE`). */
      readonly normType: number;
    };

/**
 * `torch.nn.utils.clip_grad_value_` on one gradient: each element clamped to
 * [-clipValue, clipValue]. Returns a new tensor.
 */
export function clipGradValue(grad: tf.Tensor, clipValue: number): tf.Tensor {
  checkGradient('clipGradValue', grad);
  checkPositive('clipGradValue', 'clipValue', clipValue);
  return tf.clipByValue(grad, -clipValue, clipValue);
}

/**
 * `torch.nn.utils.clip_grad_norm_` (PyTorch 1.13) on one gradient g, as Detectron2 calls it per
 * parameter: with n = ||g||_p over all elements (max |g| for p = Infinity),
 *
 *   g * min(maxNorm / (n + 1e-6), 1)
 *
 * computed as PyTorch does, on the device (no read-back): the quotient as
 * `reciprocal(n + 1e-6) * maxNorm` (Tensor.__rtruediv__), the product taken even when the
 * factor is 1. Returns a new tensor.
 */
export function clipGradNorm(grad: tf.Tensor, maxNorm: number, normType = 2): tf.Tensor {
  checkGradient('clipGradNorm', grad);
  checkPositive('clipGradNorm', 'maxNorm', maxNorm);
  if (!(normType > 0)) throw new Error(`clipGradNorm: normType must be > 0 or Infinity, got ${describe(normType)}`);
  return tf.tidy(() => {
    const norm = pNorm(grad, normType);
    const coefficient = tf.minimum(tf.mul(tf.reciprocal(tf.add(norm, 1e-6)), maxNorm), 1);
    return tf.mul(grad, coefficient);
  });
}

/**
 * Clips every gradient of `grads` on its own, as Detectron2's optimizer wrapper does before
 * each step. Returns a new map of new tensors (the caller disposes them), in `grads`' order.
 */
export function clipGradients(grads: ReadonlyMap<string, tf.Tensor>, clipping: GradientClipping): Map<string, tf.Tensor> {
  checkClipping('clipGradients', clipping);
  const clipped = new Map<string, tf.Tensor>();
  try {
    for (const [name, grad] of grads) {
      if (!(grad instanceof tf.Tensor)) throw new Error(`clipGradients: the gradient of "${name}" must be a tensor, got ${describe(grad)}`);
      clipped.set(name, clipping.type === 'value' ? clipGradValue(grad, clipping.clipValue) : clipGradNorm(grad, clipping.maxNorm, clipping.normType));
    }
  } catch (error) {
    tf.dispose([...clipped.values()]);
    throw error;
  }
  return clipped;
}

/** Throws unless `clipping` is a well-formed {@link GradientClipping}. */
function checkClipping(op: string, clipping: GradientClipping): void {
  if (clipping.type === 'value') {
    checkPositive(op, 'clipValue', clipping.clipValue);
  } else if (clipping.type === 'norm') {
    checkPositive(op, 'maxNorm', clipping.maxNorm);
    if (!(clipping.normType > 0)) throw new Error(`${op}: normType must be > 0 or Infinity, got ${describe(clipping.normType)}`);
  } else {
    throw new Error(`${op}: clipping.type must be "value" or "norm", got ${describe((clipping as { type: unknown }).type)}`);
  }
}

/** ||g||_p over every element of `g` (torch.norm): max |g| for p = Infinity. tfjs's `norm`
 * takes p = 1, 2 and Infinity only. */
function pNorm(g: tf.Tensor, p: number): tf.Tensor {
  const a = tf.abs(g);
  if (p === Infinity) return tf.max(a);
  if (p === 1) return tf.sum(a);
  if (p === 2) return tf.sqrt(tf.sum(tf.square(g)));
  return tf.pow(tf.sum(tf.pow(a, p)), 1 / p);
}

function checkGradient(op: string, grad: tf.Tensor): void {
  if (!(grad instanceof tf.Tensor)) throw new Error(`${op}: grad must be a tensor, got ${describe(grad)}`);
  if (grad.dtype !== 'float32') throw new Error(`${op}: grad must be float32, got ${grad.dtype}`);
}

function checkPositive(op: string, key: string, value: number): void {
  if (!(value > 0 && Number.isFinite(value))) throw new Error(`${op}: ${key} must be a finite number > 0, got ${describe(value)}`);
}
