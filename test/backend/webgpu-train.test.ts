/**
 * Training on the WebGPU backend (Dawn in Node) against the cpu backend: RoIAlign's gradient
 * (the GPU kernel), one training step of the tiny network (`trainingStepAsync`, which WebGPU
 * needs, against `trainingStep` on cpu: the same losses and gradients), and that repeated steps
 * leave nothing behind. Skipped, with the reason, where no adapter exists.
 *
 * Tolerances: RoIAlign's gradient 1e-5 (max |difference| / max |cpu value|; the GPU adds with
 * atomics, in any order); the step's five losses 1e-4 relative; each parameter's gradient 1e-3 in
 * Euclidean norm relative to the cpu's (float32 sums in other orders through the backward pass).
 */
// The union package registers tfjs's gradient functions (tfjs-core's Node bundle has none).
import '@tensorflow/tfjs';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { trainingStepAsync } from '../../src/train/step-async.js';
import { type CellmaskConfig, getPreset, setConfigValues } from '../../src/config/index.js';
import { anchorGeneratorFromConfig, maskRcnnOptionsFromConfig } from '../../src/model/index.js';
import { multiLevelRoiAlign } from '../../src/roi/index.js';
import { croppedMaskFromBitMask } from '../../src/train/mask-targets.js';
import { trainingOptionsFromConfig } from '../../src/train/options.js';
import { makeTrainable, trainableParameterNames } from '../../src/train/parameters.js';
import { type StepResult, type TrainingImage, trainingStep } from '../../src/train/step.js';
import { Random } from '../../src/utils/random.js';
import { initWeights } from '../../src/weights/index.js';
import { relativeError, relativeL2 } from '../tf/compare.js';
import { TINY_TRAINING } from '../train/tiny-training.js';
import { cellPicture, onCpuThenWebGpu, readAll, startWebGpu, uniform } from './webgpu-fixture.js';

const gpu = await startWebGpu();
const skip = gpu.skip ?? false;

const CONFIG: CellmaskConfig = setConfigValues(getPreset('mask_rcnn_R_50_FPN_small'), TINY_TRAINING);

/** A 64 x 80 training image of 8 cells, 3 classes. */
function trainingImage(seed: number): TrainingImage {
  const { picture, masks } = cellPicture(64, 80, 8, seed);
  const gtMasks = masks.map((m) => croppedMaskFromBitMask(m, 64, 80));
  return {
    picture,
    gtBoxes: Float32Array.from(gtMasks.flatMap((m) => [m.x, m.y, m.x + m.width, m.y + m.height])),
    gtClasses: Int32Array.from(gtMasks, (_, i) => i % 3),
    gtMasks,
  };
}

/** The tiny network's trainable weights (seed 1) and the pieces of a step. */
function tinyModel() {
  const loaded = initWeights(CONFIG, new Random(1));
  const { weights, variables } = makeTrainable(loaded, trainableParameterNames(loaded, CONFIG.MODEL.BACKBONE.FREEZE_AT));
  return { weights, variables, anchors: anchorGeneratorFromConfig(CONFIG), options: trainingOptionsFromConfig(CONFIG) };
}

/** One step's losses and gradients as plain values (everything disposed). */
async function readStep(result: StepResult): Promise<{ losses: Record<string, number>; grads: Map<string, Float32Array> }> {
  const names = [...result.grads.keys()];
  const values = await readAll(names.map((n) => result.grads.get(n) as tf.Tensor));
  return { losses: result.losses, grads: new Map(names.map((n, i) => [n, values[i]])) };
}

describe('RoIAlign gradient on WebGPU against cpu', { skip }, () => {
  it('d(sum of pooled x random)/d(P2..P5) to 1e-5, both libraries\' settings', async () => {
    // Boxes around a 96 x 192 input (P2 24 x 48), sized for each level in turn (FPN Eqn. (1):
    // sqrt(area) 30 -> P2, 160 -> P3, 300 -> P4, 500 -> P5), many reaching past the edges.
    const rng = new Random(3);
    const boxes = new Float32Array(4 * 50);
    for (let r = 0; r < 50; r++) {
      const side = [30, 160, 300, 500][r % 4] * (0.85 + 0.3 * rng.next());
      const aspect = 0.5 + rng.next();
      const [cx, cy] = [192 * rng.next(), 96 * rng.next()];
      const [w, h] = [side * Math.sqrt(aspect), side / Math.sqrt(aspect)];
      boxes.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * r);
    }
    const base = maskRcnnOptionsFromConfig(CONFIG).maskPooler;
    for (const options of [base, { ...base, aligned: false, samplingRatio: 2, style: 'torchvision' as const }]) {
      const { cpu, webgpu } = await onCpuThenWebGpu(async () => {
        const levels = [24, 12, 6, 3].map((s, l) => tf.tensor4d(uniform(s * 2 * s * 8, 30 + l), [1, s, 2 * s, 8]));
        const mix = tf.tensor4d(uniform(50 * 14 * 14 * 8, 40), [50, 14, 14, 8]);
        const grads = tf.grads((...ls: tf.Tensor[]) => tf.sum(tf.mul(multiLevelRoiAlign(ls as tf.Tensor4D[], tf.tensor2d(boxes, [50, 4]), new Int32Array(50), options), mix)))(levels);
        [...levels, mix].forEach((t) => t.dispose());
        return readAll(grads);
      });
      cpu.forEach((expected, l) => {
        const error = relativeError(webgpu[l], expected);
        console.log(`RoIAlign gradient P${l + 2} (aligned ${options.aligned}): relative error ${error.toExponential(2)}`);
        assert.ok(error <= 1e-5, `P${l + 2}: ${error}`);
      });
      assert.ok(cpu.every((g) => g.some((v) => v !== 0)), 'every level gets some gradient');
    }
  });
});

describe('one training step of the tiny network on WebGPU against cpu', { skip }, () => {
  it('gives the same five losses (1e-4) and every gradient (1e-3 relative L2)', async () => {
    const image = trainingImage(6);
    const { cpu, webgpu } = await onCpuThenWebGpu(async (backend) => {
      const { weights, variables, anchors, options } = tinyModel();
      const step = backend === 'cpu' ? trainingStep(weights, variables, anchors, [image], options, new Random(5)) : await trainingStepAsync(weights, variables, anchors, [image], options, new Random(5));
      weights.forEach((t) => t.dispose());
      return readStep(step);
    });
    for (const [name, expected] of Object.entries(cpu.losses)) {
      const got = webgpu.losses[name];
      console.log(`${name}: cpu ${expected}, webgpu ${got}`);
      assert.ok(Math.abs(got - expected) <= 1e-4 * Math.abs(expected), `${name}: webgpu ${got}, cpu ${expected}`);
    }
    assert.deepEqual([...webgpu.grads.keys()], [...cpu.grads.keys()]);
    let worst = 0;
    for (const [name, expected] of cpu.grads) {
      const error = relativeL2(webgpu.grads.get(name) as Float32Array, expected);
      worst = Math.max(worst, error);
      assert.ok(error <= 1e-3, `gradient of ${name}: relative L2 ${error}`);
    }
    console.log(`${cpu.grads.size} gradients, worst relative L2 ${worst.toExponential(2)}`);
  });

  it('leaves no tensor and no GPU memory behind over 20 steps', async () => {
    const { weights, variables, anchors, options } = tinyModel();
    const image = trainingImage(7);
    const rng = new Random(8);
    const step = async () => (await trainingStepAsync(weights, variables, anchors, [image], options, rng)).grads.forEach((g) => g.dispose());
    await step();
    const before = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    for (let i = 0; i < 20; i++) await step();
    const after = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    weights.forEach((t) => t.dispose());
    assert.equal(after.numTensors, before.numTensors, 'tensors');
    assert.equal(after.numBytesInGPU, before.numBytesInGPU, 'bytes in GPU buffers');
  });
});
