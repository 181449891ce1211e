/**
 * Stochastic gradient descent with momentum, exactly as PyTorch's `torch.optim.SGD` (dampening
 * 0, not maximizing) updates each parameter p with gradient g:
 *
 *   g' = g + weightDecay * p                       (skipped when weightDecay is 0)
 *   buf = g'  on the first step,  else  buf = momentum * buf + g'
 *   d = g' + momentum * buf  (nesterov)  or  d = buf          (no buffer when momentum is 0: d = g')
 *   p = p - lr * d
 *
 * in float32, operation by operation as PyTorch rounds them. The per-parameter learning-rate
 * factor and weight decay follow Detectron2's `get_default_optimizer_params` as `build_optimizer`
 * calls it (see {@link paramHyperparameters}).
 *
 * Shapes: a gradient and a momentum buffer have their parameter's shape, whatever it is.
 */
import * as tf from '@tensorflow/tfjs-core';

import { describe } from '../utils/describe.js';

/** The hyperparameters of one parameter's update. */
export interface SgdUpdateOptions {
  /** In [0, 1); 0 keeps no buffer. */
  readonly momentum: number;
  /** Nesterov momentum (needs momentum > 0, as PyTorch requires). */
  readonly nesterov: boolean;
  /** L2 penalty added to the gradient (>= 0). */
  readonly weightDecay: number;
}

/** The new parameter value and momentum buffer of one update; the caller owns both. */
export interface SgdUpdate {
  readonly param: tf.Tensor;
  /** `null` when momentum is 0. */
  readonly buf: tf.Tensor | null;
}

/**
 * One SGD update of a parameter, PyTorch's `_single_tensor_sgd` for one tensor. Pure: returns
 * new tensors (the caller owns them) and disposes nothing.
 * @param param the parameter's current value (float32).
 * @param grad its gradient, the same shape.
 * @param buf its momentum buffer (the same shape), or `null` before the first step: the buffer
 *   then starts as g' itself.
 * @param lr this parameter's learning rate (>= 0).
 */
export function sgdUpdate(param: tf.Tensor, grad: tf.Tensor, buf: tf.Tensor | null, lr: number, options: SgdUpdateOptions): SgdUpdate {
  checkUpdateOptions('sgdUpdate', options);
  if (!(lr >= 0 && Number.isFinite(lr))) throw new Error(`sgdUpdate: lr must be a finite number >= 0, got ${describe(lr)}`);
  const problem = tensorProblem('grad', grad, param) ?? (buf === null ? undefined : tensorProblem('buf', buf, param));
  if (problem !== undefined) throw new Error(`sgdUpdate: ${problem}`);
  const { momentum, nesterov, weightDecay } = options;
  const [nextParam, nextBuf] = tf.tidy(() => {
    const decayed = weightDecay === 0 ? grad : tf.add(grad, tf.mul(param, weightDecay));
    if (momentum === 0) return [tf.sub(param, tf.mul(decayed, lr))];
    const b = buf === null ? tf.clone(decayed) : tf.add(tf.mul(buf, momentum), decayed);
    const direction = nesterov ? tf.add(decayed, tf.mul(b, momentum)) : b;
    return [tf.sub(param, tf.mul(direction, lr)), b];
  });
  return { param: nextParam, buf: nextBuf ?? null };
}

/** How parameters are grouped: Detectron2's `get_default_optimizer_params` settings. */
export interface ParamGroupOptions {
  /** Weight decay of every parameter but normalization ones (`SOLVER.WEIGHT_DECAY`). */
  readonly weightDecay: number;
  /** Weight decay of normalization parameters (`SOLVER.WEIGHT_DECAY_NORM`). */
  readonly weightDecayNorm: number;
  /** Learning-rate factor of biases (`SOLVER.BIAS_LR_FACTOR`). */
  readonly biasLrFactor: number;
  /** Whether a parameter belongs to a normalization layer (Detectron2: its module is a BatchNorm,
   * GroupNorm, LayerNorm, ...; cellmask's FrozenBatchNorm is never trained). */
  readonly isNorm: (name: string) => boolean;
  /** Whether a parameter is a bias (Detectron2: its own name within its module is `bias`). */
  readonly isBias: (name: string) => boolean;
}

/** Options of {@link Sgd}. */
export interface SgdOptions extends ParamGroupOptions {
  /** In [0, 1) (`SOLVER.MOMENTUM`). */
  readonly momentum: number;
  /** `SOLVER.NESTEROV`. */
  readonly nesterov: boolean;
}

/**
 * The learning-rate factor and weight decay of parameter `name`, as Detectron2's
 * `get_default_optimizer_params` assigns them with `WEIGHT_DECAY_BIAS` unset (its default):
 * weight decay `weightDecayNorm` for normalization parameters (their biases included) and
 * `weightDecay` for the rest; learning rate x `biasLrFactor` for every bias (normalization
 * biases included).
 */
export function paramHyperparameters(name: string, options: ParamGroupOptions): { lrFactor: number; weightDecay: number } {
  return {
    lrFactor: options.isBias(name) ? options.biasLrFactor : 1,
    weightDecay: options.isNorm(name) ? options.weightDecayNorm : options.weightDecay,
  };
}

/**
 * PyTorch's SGD over named tfjs variables, its momentum buffers kept by parameter name.
 * Call {@link Sgd.dispose} to free the buffers.
 */
export class Sgd {
  readonly options: SgdOptions;
  private buffers = new Map<string, tf.Tensor>();
  private disposed = false;

  constructor(options: SgdOptions) {
    checkUpdateOptions('Sgd', options);
    for (const key of ['weightDecayNorm', 'biasLrFactor'] as const) {
      const value = options[key];
      if (!(value >= 0 && Number.isFinite(value))) throw new Error(`Sgd: ${key} must be a finite number >= 0, got ${describe(value)}`);
    }
    if (typeof options.isNorm !== 'function' || typeof options.isBias !== 'function') {
      throw new Error('Sgd: isNorm and isBias must be functions of a parameter name');
    }
    this.options = options;
  }

  /**
   * One optimizer step: updates, in place (`Variable.assign`), every parameter that has a
   * gradient in `grads`; parameters without one are skipped, their buffers untouched (PyTorch
   * skips a parameter whose `.grad` is None). Everything is checked before anything changes.
   * @param lr the base learning rate of this step (`learningRateAt`); biases get
   *   `lr * biasLrFactor`.
   * @param grads gradients by parameter name; read, not disposed.
   * @throws Error naming the parameter when a gradient has no parameter, or a gradient or
   *   loaded buffer another shape or dtype than its parameter.
   */
  step(params: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.checkLive('step');
    if (!(lr >= 0 && Number.isFinite(lr))) throw new Error(`Sgd.step: lr must be a finite number >= 0, got ${describe(lr)}`);
    for (const name of grads.keys()) {
      if (!params.has(name)) throw new Error(`Sgd.step: there is a gradient for "${name}" but no such parameter`);
    }
    for (const [name, param] of params) {
      const grad = grads.get(name);
      if (grad === undefined) continue;
      const buf = this.buffers.get(name);
      const problem = tensorProblem('gradient', grad, param) ?? (buf === undefined ? undefined : tensorProblem('momentum buffer', buf, param));
      if (problem !== undefined) throw new Error(`Sgd.step: parameter "${name}": ${problem}`);
    }
    const { momentum, nesterov } = this.options;
    for (const [name, param] of params) {
      const grad = grads.get(name);
      if (grad === undefined) continue;
      const { lrFactor, weightDecay } = paramHyperparameters(name, this.options);
      const buf = this.buffers.get(name) ?? null;
      const next = sgdUpdate(param, grad, buf, lr * lrFactor, { momentum, nesterov, weightDecay });
      param.assign(next.param);
      next.param.dispose(); // the variable keeps the data
      if (next.buf !== null) {
        buf?.dispose();
        this.buffers.set(name, next.buf);
      }
    }
  }

  /**
   * The momentum buffers by parameter name (PyTorch's `momentum_buffer` state), as clones the
   * caller owns and must dispose. Parameters that never had a gradient have none.
   */
  state(): Map<string, tf.Tensor> {
    this.checkLive('state');
    return new Map([...this.buffers].map(([name, buf]) => [name, tf.clone(buf)]));
  }

  /**
   * Replaces the momentum buffers with clones of `state`'s (the caller keeps its tensors); a
   * parameter absent from `state` starts its buffer afresh at its next step. Shapes are checked
   * against the parameters at the next {@link Sgd.step}.
   * @throws Error when momentum is 0 (there are no buffers) and `state` is not empty, or a
   *   buffer is not a float32 tensor.
   */
  loadState(state: ReadonlyMap<string, tf.Tensor>): void {
    this.checkLive('loadState');
    if (this.options.momentum === 0 && state.size > 0) {
      throw new Error(`Sgd.loadState: momentum is 0, so there are no momentum buffers to load, got ${state.size}`);
    }
    for (const [name, buf] of state) {
      if (!(buf instanceof tf.Tensor) || buf.dtype !== 'float32' || buf.isDisposed) {
        throw new Error(`Sgd.loadState: the buffer of "${name}" must be a live float32 tensor, got ${buf instanceof tf.Tensor ? `dtype ${buf.dtype}` : describe(buf)}`);
      }
    }
    tf.dispose([...this.buffers.values()]);
    this.buffers = new Map([...state].map(([name, buf]) => [name, tf.clone(buf)]));
  }

  /** Frees the momentum buffers; the optimizer cannot be used after. */
  dispose(): void {
    tf.dispose([...this.buffers.values()]);
    this.buffers.clear();
    this.disposed = true;
  }

  private checkLive(method: string): void {
    if (this.disposed) throw new Error(`Sgd.${method}: the optimizer has been disposed`);
  }
}

function checkUpdateOptions(op: string, options: SgdUpdateOptions): void {
  const { momentum, nesterov, weightDecay } = options;
  if (!(momentum >= 0 && momentum < 1)) throw new Error(`${op}: momentum must be in [0, 1), got ${describe(momentum)}`);
  if (typeof nesterov !== 'boolean') throw new Error(`${op}: nesterov must be a boolean, got ${describe(nesterov)}`);
  if (nesterov && momentum === 0) throw new Error(`${op}: Nesterov momentum needs momentum > 0 (as PyTorch requires), got momentum 0`);
  if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) throw new Error(`${op}: weightDecay must be a finite number >= 0, got ${describe(weightDecay)}`);
}

/** What is wrong with `t` (a gradient or buffer) beside parameter `param`, if anything. */
function tensorProblem(what: string, t: tf.Tensor, param: tf.Tensor): string | undefined {
  if (!(t instanceof tf.Tensor)) return `the ${what} must be a tensor, got ${describe(t)}`;
  if (param.dtype !== 'float32') return `the parameter must be float32, got ${param.dtype}`;
  if (t.dtype !== 'float32') return `the ${what} must be float32, got ${t.dtype}`;
  if (!tf.util.arraysEqual(t.shape, param.shape)) return `the ${what} has shape [${t.shape.join(', ')}], the parameter [${param.shape.join(', ')}]`;
  return undefined;
}
