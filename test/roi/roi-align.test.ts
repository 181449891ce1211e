// roiAlign against hand-checked values, a slow per-sample oracle (torchvision's loop, written
// plainly), torchvision's own outputs and gradients (scripts/fixtures/roi_align.py) and finite
// differences, on every backend.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { roiAlign, type RoiAlignOptions } from '../../src/roi/roi-align.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { maxAbsDiff, pattern, referenceRoiAlign, referenceRoiAlignGrad } from './roi-align-oracle.js';

interface Case {
  outputSize: [number, number];
  spatialScale: number;
  samplingRatio: number;
  aligned: boolean;
  weightSeed: number;
  output: number[];
  gradient: number[];
}
interface Fixture {
  featureShape: [number, number, number, number];
  featureSeed: number;
  boxes: number[];
  boxIndex: number[];
  cases: Case[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/roi_align.json', import.meta.url), 'utf8')) as Fixture;

/** Pools and returns [output, gradient of sum(output * weights) w.r.t. the features] as arrays. */
function poolWithGradient(
  featureData: Float32Array,
  shape: [number, number, number, number],
  boxData: Float32Array,
  boxIndex: Int32Array,
  options: RoiAlignOptions,
  weightSeed: number,
): [Float32Array, Float32Array] {
  return tf.tidy(() => {
    const features = tf.tensor4d(featureData, shape);
    const boxes = tf.tensor2d(boxData, [boxIndex.length, 4]);
    const out = roiAlign(features, boxes, boxIndex, options);
    const weights = tf.tensor(pattern(out.size, weightSeed), out.shape);
    const grad = tf.grad((f) => roiAlign(f as tf.Tensor4D, boxes, boxIndex, options))(features, weights);
    return [out.dataSync() as Float32Array, grad.dataSync() as Float32Array];
  });
}

/** A feature map whose channel 0 is the column x and channel 1 is 10 * the row y. */
function rampFeatures(height: number, width: number): tf.Tensor4D {
  const data = new Float32Array(height * width * 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[(y * width + x) * 2] = x;
      data[(y * width + x) * 2 + 1] = 10 * y;
    }
  }
  return tf.tensor4d(data, [1, height, width, 2]);
}

describe('roiAlign', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: pools a ramp at the bin centres (aligned: box shifted by -0.5 px)`, async () => {
      await useBackend(backend);
      const pooled = await withoutLeaks(() =>
        tf.tidy(() => {
          const features = rampFeatures(8, 8);
          const boxes = tf.tensor2d([[1, 1, 5, 5]]);
          const options = { outputSize: [2, 2], spatialScale: 1, samplingRatio: 2 } as const;
          return [true, false].map((aligned) => Array.from(roiAlign(features, boxes, new Int32Array(1), { ...options, aligned }).dataSync()));
        }),
      );
      // Aligned: the box spans 0.5..4.5, bins 0.5..2.5 and 2.5..4.5, samples at 1, 2 and 3, 4.
      assert.deepEqual(pooled[0], [1.5, 15, 3.5, 15, 1.5, 35, 3.5, 35]);
      // Legacy: the box spans 1..5, samples at 1.5, 2.5 and 3.5, 4.5.
      assert.deepEqual(pooled[1], [2, 20, 4, 20, 2, 40, 4, 40]);
    });

    it(`${backend}: zeros for a box far outside the map and for an inverted aligned box`, async () => {
      await useBackend(backend);
      const pooled = await withoutLeaks(() =>
        tf.tidy(() => {
          const boxes = tf.tensor2d([[20, 20, 30, 30], [5, 5, 2, 2]]);
          const options = { outputSize: [3, 3], spatialScale: 1, samplingRatio: 0, aligned: true } as const;
          return roiAlign(rampFeatures(8, 8), boxes, new Int32Array(2), options).dataSync();
        }),
      );
      assert.ok(pooled.every((v) => v === 0));
    });

    it(`${backend}: no boxes give an empty [0, PH, PW, C] result and a zero gradient`, async () => {
      await useBackend(backend);
      const [shape, gradSum] = await withoutLeaks(() =>
        tf.tidy(() => {
          const options = { outputSize: [2, 3], spatialScale: 1, samplingRatio: 0, aligned: true } as const;
          const boxes = tf.zeros([0, 4]) as tf.Tensor2D;
          const pooled = roiAlign(rampFeatures(4, 4), boxes, new Int32Array(0), options);
          const grad = tf.grad((f) => roiAlign(f as tf.Tensor4D, boxes, new Int32Array(0), options))(rampFeatures(4, 4), tf.zeros([0, 2, 3, 2]));
          return [pooled.shape, (grad.dataSync() as Float32Array).reduce((a, b) => a + Math.abs(b), 0)] as const;
        }),
      );
      assert.deepEqual(shape, [0, 2, 3, 2]);
      assert.equal(gradSum, 0);
    });

    it(`${backend}: matches the per-sample oracle on random boxes, forward and backward`, async () => {
      await useBackend(backend);
      const shape: [number, number, number, number] = [2, 13, 17, 5];
      const featureData = pattern(2 * 13 * 17 * 5, 3);
      let seed = 7;
      const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      const count = 30;
      const boxData = new Float32Array(4 * count);
      const boxIndex = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const x1 = random() * 80 - 10;
        const y1 = random() * 60 - 10;
        // Widths from -3 (inverted) to 40 px in the 4x input image.
        boxData.set([x1, y1, x1 + random() * 43 - 3, y1 + random() * 43 - 3], 4 * i);
        boxIndex[i] = i % 2;
      }
      let worst = 0;
      for (const aligned of [true, false]) {
        for (const samplingRatio of [0, 1, 2, 3]) {
          const options: RoiAlignOptions = { outputSize: [4, 6], spatialScale: 0.25, samplingRatio, aligned };
          const [out, grad] = await withoutLeaks(() => poolWithGradient(featureData, shape, boxData, boxIndex, options, 5));
          const expected = referenceRoiAlign(featureData, shape, boxData, boxIndex, options);
          const expectedGrad = referenceRoiAlignGrad(pattern(out.length, 5), shape, boxData, boxIndex, options);
          worst = Math.max(worst, maxAbsDiff(out, expected), maxAbsDiff(grad, expectedGrad));
        }
      }
      assert.ok(worst < 1e-5, `max |difference| ${worst}`);
    });

    it(`${backend}: matches torchvision.ops.roi_align and its gradient (golden fixture)`, async () => {
      await useBackend(backend);
      const shape = fixture.featureShape;
      const featureData = pattern(shape.reduce((a, b) => a * b), fixture.featureSeed);
      const boxData = Float32Array.from(fixture.boxes);
      const boxIndex = Int32Array.from(fixture.boxIndex);
      for (const c of fixture.cases) {
        const options: RoiAlignOptions = { outputSize: c.outputSize, spatialScale: c.spatialScale, samplingRatio: c.samplingRatio, aligned: c.aligned };
        const [out, grad] = await withoutLeaks(() => poolWithGradient(featureData, shape, boxData, boxIndex, options, c.weightSeed));
        const what = `${c.outputSize.join('x')} aligned ${c.aligned} sampling ${c.samplingRatio} scale ${c.spatialScale}`;
        assert.ok(maxAbsDiff(out, c.output) < 1e-5, `${what}: output differs by ${maxAbsDiff(out, c.output)}`);
        assert.ok(maxAbsDiff(grad, c.gradient) < 1e-5, `${what}: gradient differs by ${maxAbsDiff(grad, c.gradient)}`);
      }
    });

    it(`${backend}: gradient equals central finite differences; none flows to the boxes`, async () => {
      await useBackend(backend);
      const shape: [number, number, number, number] = [1, 4, 5, 2];
      const featureData = pattern(40, 9);
      const boxIndex = new Int32Array(2);
      const boxData = Float32Array.from([0.7, 0.2, 3.9, 2.6, -0.8, 1.1, 2.2, 4.7]);
      const options: RoiAlignOptions = { outputSize: [2, 3], spatialScale: 1, samplingRatio: 0, aligned: true };
      const dy = pattern(2 * 2 * 3 * 2, 4);
      const loss = (data: Float32Array) =>
        tf.tidy(() => {
          const out = roiAlign(tf.tensor4d(data, shape), tf.tensor2d(boxData, [2, 4]), boxIndex, options).dataSync() as Float32Array;
          return out.reduce((sum, v, i) => sum + v * dy[i], 0);
        });
      const [gradFeatures, gradBoxes] = await withoutLeaks(() =>
        tf.tidy(() => {
          const grads = tf.grads((f: tf.Tensor, b: tf.Tensor) => roiAlign(f as tf.Tensor4D, b as tf.Tensor2D, boxIndex, options));
          return grads([tf.tensor4d(featureData, shape), tf.tensor2d(boxData, [2, 4])], tf.tensor4d(dy, [2, 2, 3, 2])).map((g) => g.dataSync());
        }),
      );
      const h = 0.25;
      for (let i = 0; i < featureData.length; i++) {
        const up = featureData.slice();
        const down = featureData.slice();
        up[i] += h;
        down[i] -= h;
        const numeric = (loss(up) - loss(down)) / (2 * h);
        assert.ok(Math.abs(numeric - gradFeatures[i]) < 1e-4, `feature ${i}: analytic ${gradFeatures[i]}, numeric ${numeric}`);
      }
      assert.ok(gradFeatures.some((v) => v !== 0));
      assert.deepEqual(Array.from(gradBoxes), new Array(8).fill(0));
    });
  }

  it('rejects bad inputs, naming the argument and what came', async () => {
    await useBackend('cpu');
    const features = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    const boxes = tf.tensor2d([[0, 0, 2, 2]]);
    const options: RoiAlignOptions = { outputSize: [2, 2], spatialScale: 1, samplingRatio: 0, aligned: true };
    const one = new Int32Array(1);
    assert.throws(() => roiAlign(tf.zeros([4, 4, 2]) as unknown as tf.Tensor4D, boxes, one, options), /roiAlign: features: expected a float32 \[N, H, W, C\] tensor, got float32 of shape \[4, 4, 2\]/);
    assert.throws(() => roiAlign(features, tf.zeros([1, 5]) as tf.Tensor2D, one, options), /roiAlign: boxes: expected a float32 \[R, 4\] tensor, got float32 of shape \[1, 5\]/);
    assert.throws(() => roiAlign(features, boxes, new Int32Array(2), options), /roiAlign: boxIndex: expected an Int32Array of length 1 .* got Int32Array of length 2/);
    assert.throws(() => roiAlign(features, boxes, Int32Array.of(1), options), /roiAlign: boxIndex\[0\] is 1, outside the batch of 1 image/);
    assert.throws(() => roiAlign(features, boxes, one, { ...options, outputSize: [2, 0] }), /roiAlign: outputSize: expected \[height, width\] positive integers, got \[2, 0\]/);
    assert.throws(() => roiAlign(features, boxes, one, { ...options, samplingRatio: -1 }), /roiAlign: samplingRatio: expected an integer >= 0 \(0: adaptive\), got number -1/);
    assert.throws(() => roiAlign(features, boxes, one, { ...options, spatialScale: 0 }), /roiAlign: spatialScale: expected a finite number > 0, got number 0/);
    tf.dispose([features, boxes]);
  });
});
