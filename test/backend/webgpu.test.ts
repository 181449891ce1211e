/**
 * Inference on the WebGPU backend (Dawn in Node) against the cpu backend, same inputs and
 * weights: each stage of Mask R-CNN on the small network, then whole predictions, then that
 * repeated predictions leave nothing behind. Skipped, with the reason, where no adapter exists.
 *
 * Tolerances (max |difference| / max |cpu value|, float32 on both sides, summed in other orders):
 * convolutions through the FPN 1e-4; RoIAlign 1e-5; box and mask heads 1e-4; proposals 1e-4;
 * detections: the same count and classes, scores to 1e-4, boxes to 1e-3 pixel, masks identical
 * but for pixels whose probability sits at the threshold (at most 0.5% of a mask's pixels).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

// The union package registers tfjs's gradient functions, which the roiAlign gradient case needs.
import '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';

import { initWebGpuBackendNode } from '../../src/backend/index.js';
import { resnetForward } from '../../src/backbone/index.js';
import { type CellmaskConfig, getPreset, setConfigValues } from '../../src/config/index.js';
import { fpnForward } from '../../src/fpn/index.js';
import { maskHeadForward, selectClassMasks } from '../../src/mask/index.js';
import { MaskRcnn, anchorGeneratorFromConfig, maskRcnnOptionsFromConfig } from '../../src/model/index.js';
import { rleArea, rleIntersectionArea } from '../../src/rle/index.js';
import { boxHeadForward, multiLevelRoiAlign, roiAlign } from '../../src/roi/index.js';
import { proposalsFromHead, rpnHead } from '../../src/rpn/index.js';
import { Random } from '../../src/utils/random.js';
import { type WeightMap, initWeights } from '../../src/weights/index.js';
import { SMALL_NETWORK } from '../model/small-network.js';
import { maxAbsDiff, relativeError } from '../tf/compare.js';
import { cellPicture, onCpuThenWebGpu, readAll, startWebGpu, uniform } from './webgpu-fixture.js';

const gpu = await startWebGpu();
const skip = gpu.skip ?? false;

/** The small network, every detection kept (score threshold 0), at most `detections`. */
function smallConfig(detections: number): CellmaskConfig {
  return setConfigValues(getPreset('sartorius_finetune'), [...SMALL_NETWORK, 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.0', `TEST.DETECTIONS_PER_IMAGE=${detections}`]);
}

function disposeWeights(weights: WeightMap): void {
  weights.forEach((t) => t.dispose());
}

const CONFIG = smallConfig(20);
const OPTIONS = maskRcnnOptionsFromConfig(CONFIG);

/** P2..P6 of the small network on a 96 x 128 input of uniform noise, on the active backend. */
function pyramid(weights: WeightMap): tf.Tensor4D[] {
  return tf.tidy(() => {
    const input = tf.tensor4d(uniform(96 * 128 * 3, 7, -2, 2), [1, 96, 128, 3]);
    const body = resnetForward(weights, input, { strideInOneByOne: OPTIONS.strideInOneByOne, outFeatures: ['res2', 'res3', 'res4', 'res5'] });
    const p = fpnForward(weights, body, OPTIONS.fpn);
    return [p.p2, p.p3, p.p4, p.p5, p.p6];
  });
}

/**
 * [R, 4] boxes over a 96 x 128 input, sized for each level in turn (FPN Eqn. (1): sqrt(area)
 * 2-60 -> P2, 160 -> P3, 300 -> P4, 500 -> P5), many reaching past the edges; box 0 inverted.
 */
function testBoxes(count: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const boxes = new Float32Array(4 * count);
  for (let r = 0; r < count; r++) {
    const side = r % 4 === 0 ? 2 + 58 * rng.next() : [160, 300, 500][(r % 4) - 1] * (0.85 + 0.3 * rng.next());
    const aspect = 0.5 + rng.next();
    const [cx, cy] = [128 * rng.next(), 96 * rng.next()];
    const [w, h] = [side * Math.sqrt(aspect), side / Math.sqrt(aspect)];
    boxes.set([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 4 * r);
  }
  boxes.set([50, 40, 30, 60], 0); // negative area: no level, pooled as zeros
  return boxes;
}

/** Asserts relativeError(webgpu, cpu) <= tolerance for each pair of arrays. */
function assertClose(cpu: readonly Float32Array[], webgpu: readonly Float32Array[], tolerance: number, what: string): void {
  assert.equal(webgpu.length, cpu.length);
  cpu.forEach((expected, i) => {
    const error = relativeError(webgpu[i], expected);
    console.log(`${what}[${i}]: relative error ${error.toExponential(2)}`);
    assert.ok(error <= tolerance, `${what}[${i}]: relative error ${error.toExponential(2)} > ${tolerance}`);
  });
}

describe('initWebGpuBackendNode', () => {
  it('makes webgpu the active backend and names the adapter', { skip }, () => {
    assert.equal(tf.getBackend(), 'webgpu');
    assert.match(gpu.adapter ?? '', /\(.+\)$/, 'the adapter and how it was found');
  });

  it('says which tries failed when no adapter is found', async () => {
    await assert.rejects(initWebGpuBackendNode({ adapterOptions: ['backend=d3d12'] }), /no WebGPU adapter found; tried \[backend=d3d12\]/);
  });

  it('rejects adapter options that are not strings', async () => {
    await assert.rejects(initWebGpuBackendNode({ adapterOptions: [1 as unknown as string] }), /adapterOptions: expected an array of Dawn toggles/);
  });
});

describe('Mask R-CNN stages on WebGPU against cpu (small network)', { skip }, () => {
  it('backbone and FPN (conv2d, max pool, FrozenBN, nearest upsampling): P2..P6 to 1e-4', async () => {
    const { cpu, webgpu } = await onCpuThenWebGpu(async () => {
      const weights = initWeights(CONFIG, new Random(1));
      const levels = await readAll(pyramid(weights));
      disposeWeights(weights);
      return levels;
    });
    assertClose(cpu, webgpu, 1e-4, 'P');
  });

  it('RPN head and proposals: the same boxes and objectness, in the same order, to 1e-4', async () => {
    const anchors = anchorGeneratorFromConfig(CONFIG);
    const { cpu, webgpu } = await onCpuThenWebGpu(async () => {
      const weights = initWeights(CONFIG, new Random(1));
      const levels = pyramid(weights);
      const head = rpnHead(levels, weights);
      const grid = levels.map((l) => [l.shape[1], l.shape[2]] as const);
      const [proposals] = await proposalsFromHead(head, anchors.generate(grid, [96, 128]), [[96, 128]], OPTIONS.proposals);
      [...levels, ...head.logits, ...head.deltas].forEach((t) => t.dispose());
      disposeWeights(weights);
      return proposals;
    });
    assert.ok(cpu.boxes.length > 0);
    assert.equal(webgpu.boxes.length, cpu.boxes.length, 'proposal count');
    assertClose([cpu.boxes, cpu.logits], [webgpu.boxes, webgpu.logits], 1e-4, 'proposals');
  });

  for (const pooler of ['box', 'mask'] as const) {
    it(`RoIAlign of the ${pooler} pooler over P2..P5 (the GPU kernel) to 1e-5, both libraries' settings`, async () => {
      const boxes = testBoxes(60, 3);
      const base = pooler === 'box' ? OPTIONS.boxPooler : OPTIONS.maskPooler;
      for (const options of [base, { ...base, aligned: false, samplingRatio: 2, style: 'torchvision' as const }]) {
        const { cpu, webgpu } = await onCpuThenWebGpu(async () => {
          const levels = [24, 12, 6, 3].map((s, l) => tf.tensor4d(uniform(s * (s + s / 3) * 16, 10 + l), [1, s, s + s / 3, 16]));
          const pooled = multiLevelRoiAlign(levels, tf.tensor2d(boxes, [60, 4]), new Int32Array(60), options);
          levels.forEach((t) => t.dispose());
          return readAll([pooled]);
        });
        assertClose(cpu, webgpu, 1e-5, `pooled (aligned ${options.aligned})`);
        assert.ok(cpu[0].slice(0, (pooler === 'box' ? 49 : 196) * 16).every((v) => v === 0), 'the inverted box pools zeros');
      }
    });
  }

  it('single-level roiAlign and its gradient (the GPU kernels) to 1e-5, at a spatial scale that is no power of 2', async () => {
    const boxes = testBoxes(20, 5);
    const options = { outputSize: [7, 7] as [number, number], spatialScale: 0.3, samplingRatio: 0, aligned: true };
    const { cpu, webgpu } = await onCpuThenWebGpu(async () => {
      const features = tf.tensor4d(uniform(2 * 20 * 28 * 8, 21), [2, 20, 28, 8]);
      const boxIndex = Int32Array.from({ length: 20 }, (_, i) => i % 2);
      const dy = tf.tensor4d(uniform(20 * 49 * 8, 22), [20, 7, 7, 8]);
      const pooledAndGrad = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(roiAlign(f as tf.Tensor4D, tf.tensor2d(boxes, [20, 4]), boxIndex, options), dy)));
      const pooled = roiAlign(features, tf.tensor2d(boxes, [20, 4]), boxIndex, options);
      const grad = pooledAndGrad(features);
      const values = await readAll([pooled, grad]);
      [features, dy, pooled, grad].forEach((t) => t.dispose());
      return values;
    });
    assertClose(cpu, webgpu, 1e-5, 'roiAlign forward, gradient');
  });

  it('box head (fc, relu) and mask head (conv, deconv, class masks) to 1e-4', async () => {
    const { cpu, webgpu } = await onCpuThenWebGpu(async () => {
      const weights = initWeights(CONFIG, new Random(1));
      const out = tf.tidy(() => {
        const box = boxHeadForward(weights, tf.tensor4d(uniform(40 * 7 * 7 * 16, 20), [40, 7, 7, 16]));
        const masks = selectClassMasks(maskHeadForward(weights, tf.tensor4d(uniform(12 * 14 * 14 * 16, 21), [12, 14, 14, 16])), Int32Array.from({ length: 12 }, (_, i) => i % 3));
        return [box.logits, box.deltas, masks];
      });
      disposeWeights(weights);
      return readAll(out);
    });
    assertClose(cpu, webgpu, 1e-4, 'heads');
  });
});

describe('MaskRcnn.predict on WebGPU against cpu (small network, up to 20 detections)', { skip }, () => {
  it('gives the same detections: count and classes equal, scores 1e-4, boxes 1e-3 px, masks but threshold pixels', async () => {
    const { picture } = cellPicture(70, 90, 6, 4);
    const { cpu, webgpu } = await onCpuThenWebGpu(async () => {
      const model = new MaskRcnn(initWeights(CONFIG, new Random(1)), CONFIG);
      const detections = await model.predict(picture);
      model.dispose();
      return detections;
    });
    const n = cpu.scores.length;
    assert.ok(n > 0, 'the cpu run found detections');
    assert.equal(webgpu.scores.length, n, 'detections');
    assert.deepEqual([...webgpu.classes], [...cpu.classes]);
    assert.ok(relativeError(webgpu.scores, cpu.scores) <= 1e-4, `scores: ${relativeError(webgpu.scores, cpu.scores)}`);
    assert.ok(maxAbsDiff(webgpu.boxes, cpu.boxes) <= 1e-3, `boxes: ${maxAbsDiff(webgpu.boxes, cpu.boxes)} px`);
    console.log(`${n} detections; scores ${relativeError(webgpu.scores, cpu.scores).toExponential(2)}, boxes ${maxAbsDiff(webgpu.boxes, cpu.boxes).toExponential(2)} px`);
    for (let i = 0; i < n; i++) {
      const [a, b] = [cpu.masks![i], webgpu.masks![i]];
      const area = rleArea(a);
      const differ = area + rleArea(b) - 2 * rleIntersectionArea(a, b);
      assert.ok(differ <= Math.max(1, 0.005 * area), `mask ${i}: ${differ} of ${area} pixels differ`);
      if (differ > 0) console.log(`mask ${i}: ${differ} of ${area} pixels differ`);
    }
  });

  it('leaves no tensor and no GPU memory behind over 20 predictions', async () => {
    const model = new MaskRcnn(initWeights(CONFIG, new Random(2)), CONFIG);
    const { picture } = cellPicture(64, 80, 5, 5);
    await model.predict(picture);
    const before = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    for (let i = 0; i < 20; i++) await model.predict(picture);
    const after = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    model.dispose();
    assert.equal(after.numTensors, before.numTensors, 'tensors');
    assert.equal(after.numBytesInGPU, before.numBytesInGPU, 'bytes in GPU buffers');
  });
});
