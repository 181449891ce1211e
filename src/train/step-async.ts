/**
 * `trainingStep` for backends that cannot read tensors back synchronously: WebGPU in Node.
 *
 * `trainingStep` runs the forward pass inside `tf.variableGrads`, which takes a synchronous
 * function, and reads the RPN's outputs back there (`dataSync`) to select the proposals, then
 * the loss values at the end. tfjs-backend-webgpu's `readSync` needs an `OffscreenCanvas`, which
 * Node lacks, and Dawn offers no synchronous wait. So this step first selects the proposals in
 * a forward pass of its own (backbone, FPN, RPN head; no gradient), read back asynchronously, and
 * hands them to `trainingLosses` as `overrides.proposals`: the same proposals `trainingStep`
 * would select (`findTopProposals` on the same outputs), the same random draws in the same order.
 * The price is one more forward pass of the backbone and FPN per step.
 *
 * Shape shorthand: N: images, Mi: anchors of level i.
 */
import * as tf from '@tensorflow/tfjs-core';

import { resnetForward } from '../backbone/index.js';
import { fpnForward } from '../fpn/index.js';
import { type AnchorGenerator, findTopProposals, rpnHead } from '../rpn/index.js';
import { type LossName, type StepResult, type TrainingImage, type TrainingOverrides, type TrainingStepOptions, batchImages, lossesAndGradients } from './step.js';
import type { Random } from '../utils/random.js';
import type { WeightMap } from '../weights/weight-map.js';

/** Image `i`'s slice of a level's [N, Mi * width] values. */
function imageRows(values: Float32Array, n: number, i: number): Float32Array {
  const per = values.length / n;
  return values.slice(i * per, (i + 1) * per);
}

/** Each image's proposals, as `trainingLosses` selects them, computed without a gradient and read back asynchronously. */
export async function trainingProposals(
  weights: WeightMap,
  anchors: AnchorGenerator,
  images: readonly TrainingImage[],
  options: TrainingStepOptions,
): Promise<Float32Array[]> {
  const { input, sizes } = batchImages(images, options.preprocess);
  const { logits, deltas, grid } = tf.tidy(() => {
    const body = resnetForward(weights, input, { strideInOneByOne: options.strideInOneByOne, outFeatures: ['res2', 'res3', 'res4', 'res5'] });
    const p = fpnForward(weights, body, options.fpn);
    const levels = [p.p2, p.p3, p.p4, p.p5, p.p6];
    const head = rpnHead(levels, weights);
    return { logits: head.logits, deltas: head.deltas, grid: levels.map((l) => [l.shape[1], l.shape[2]] as const) };
  });
  try {
    const levelAnchors = anchors.generate(grid, [input.shape[1], input.shape[2]]);
    const logitValues = await Promise.all(logits.map((t) => t.data() as Promise<Float32Array>));
    const deltaValues = await Promise.all(deltas.map((t) => t.data() as Promise<Float32Array>));
    const n = images.length;
    return images.map((_, i) =>
      findTopProposals(logitValues.map((v) => imageRows(v, n, i)), deltaValues.map((v) => imageRows(v, n, i)), levelAnchors, sizes[i], options.proposals).boxes,
    );
  } finally {
    input.dispose();
    [...logits, ...deltas].forEach((t) => t.dispose());
  }
}

/**
 * `trainingStep` (the losses of a batch and the gradient of their sum with respect to
 * `trainable`) without synchronous read-backs; same arguments, same result. Runs on any backend.
 */
export async function trainingStepAsync(
  weights: WeightMap,
  trainable: ReadonlyMap<string, tf.Variable>,
  anchors: AnchorGenerator,
  images: readonly TrainingImage[],
  options: TrainingStepOptions,
  rng: Random,
  overrides: TrainingOverrides = {},
): Promise<StepResult> {
  const proposals = overrides.proposals ?? (await trainingProposals(weights, anchors, images, options));
  const { terms, grads } = lossesAndGradients(weights, trainable, anchors, images, options, rng, { ...overrides, proposals });
  const entries = Object.entries(terms);
  const values = await Promise.all(entries.map(([, t]) => t.data()));
  entries.forEach(([, t]) => t.dispose());
  const losses = Object.fromEntries(entries.map(([name], i) => [name, values[i][0]])) as Record<LossName, number>;
  return { losses, grads };
}
