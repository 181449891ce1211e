/**
 * The wasm training kernels (src/backend/wasm-training/) against the cpu backend's own
 * kernels, which serve as the slow, obviously-correct oracle: conv gradients at the strides and
 * paddings a ResNet uses, BatchMatMul with every transpose flag, MaxPoolGrad, UnsortedSegmentSum,
 * a whole gradient through tf.grads, and registering / restoring the kernels.
 */
import '@tensorflow/tfjs'; // registers tfjs-core's gradient functions (its Node bundle has none)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/backend/index.js';
import { type BackendName, useBackend, withoutLeaks } from '../tf/backends.js';
import { relativeError } from '../tf/compare.js';

/** Deterministic values in [-1, 1] that differ per tensor (`seed`) and per element. */
function values(size: number, seed: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37 + seed * 1.7) * Math.cos(i * 0.011 + seed));
}

/** One input of a kernel: its shape, values and dtype, made anew on each backend. */
interface Input {
  readonly shape: number[];
  readonly data: Float32Array | Int32Array;
}

/** Runs kernel `name` on `backend` with `inputs` and returns its output's shape and values. */
async function runOn(
  backend: BackendName,
  name: string,
  inputs: Record<string, Input>,
  attrs: tf.NamedAttrMap,
): Promise<{ shape: number[]; data: Float32Array | Int32Array }> {
  await useBackend(backend);
  const tensors = Object.fromEntries(
    Object.entries(inputs).map(([key, input]) => [key, tf.tensor(input.data, input.shape, input.data instanceof Int32Array ? 'int32' : 'float32')]),
  );
  const out = tf.engine().runKernel(name, tensors, attrs) as tf.Tensor;
  const result = { shape: out.shape, data: (await out.data()) as Float32Array | Int32Array };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

/**
 * Checks kernel `name` on wasm against cpu, and that the wasm backend holds no more data
 * afterwards than before (every intermediate freed).
 */
async function checkAgainstCpu(name: string, inputs: Record<string, Input>, attrs: tf.NamedAttrMap, tolerance = 1e-4): Promise<void> {
  const reference = await withoutLeaks(() => runOn('cpu', name, inputs, attrs));
  await useBackend('wasm');
  const wasmBackend = tf.engine().backend;
  const [dataIds, bytes] = [wasmBackend.numDataIds(), tf.memory().numBytes];
  const ours = await withoutLeaks(() => runOn('wasm', name, inputs, attrs));
  assert.equal(wasmBackend.numDataIds(), dataIds, `${name}: wasm data left behind`);
  assert.equal(tf.memory().numBytes, bytes, `${name}: wasm bytes left behind`);
  assert.deepEqual(ours.shape, reference.shape);
  const error = relativeError(ours.data, reference.data);
  assert.ok(error <= tolerance, `${name} ${JSON.stringify(attrs)}: relative error ${error}`);
}

interface ConvCase {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly strides: number;
  readonly pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
}

const CONV_CASES: readonly ConvCase[] = [
  { name: '1x1 stride 1', x: [2, 7, 9, 5], filter: [1, 1, 5, 6], strides: 1, pad: 'valid' },
  { name: '1x1 stride 2 (a ResNet shortcut), odd size', x: [2, 7, 9, 5], filter: [1, 1, 5, 6], strides: 2, pad: 'valid' },
  { name: '3x3 stride 1 same', x: [2, 9, 7, 4], filter: [3, 3, 4, 6], strides: 1, pad: 'same' },
  { name: '3x3 stride 2 explicit [1, 1] (torchvision ResNet), odd size', x: [2, 9, 11, 5], filter: [3, 3, 5, 3], strides: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { name: '3x3 stride 2 same, even size', x: [1, 10, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: '3x3 stride 2 valid (last row unused)', x: [1, 8, 8, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'valid' },
  { name: '3x3 stride 2 pad 1 (number)', x: [2, 7, 6, 3], filter: [3, 3, 3, 5], strides: 2, pad: 1 },
  { name: '7x7 stride 2 pad 3 (the stem)', x: [1, 15, 13, 3], filter: [7, 7, 3, 8], strides: 2, pad: 3 },
  { name: '3x3 stride 1, 40 channels (taps gathered in groups)', x: [1, 6, 5, 40], filter: [3, 3, 40, 16], strides: 1, pad: 'same' },
  { name: '3x3 stride 2, 300 channels (one tap per matmul)', x: [1, 5, 4, 300], filter: [3, 3, 300, 7], strides: 2, pad: 'same' },
  { name: '3x3 stride 1, more output pixels than one chunk of the filter gradient', x: [2, 41, 60, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: '2x2 stride 1, padding beyond the filter (dy cropped)', x: [1, 5, 6, 2], filter: [2, 2, 2, 3], strides: 1, pad: [[0, 0], [3, 0], [0, 2], [0, 0]] },
];

/** The shape of dy for a case: the forward convolution's output. */
function outShape(c: ConvCase): number[] {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
}

describe('wasm training kernels', () => {
  before(async () => {
    // Registered before the backend starts: the stock kernels' setup must still run (the
    // registration test below runs them again once restored).
    registerWasmTrainingKernels();
    await useBackend('wasm');
  });
  after(() => unregisterWasmTrainingKernels());

  describe('Conv2DBackpropFilter', () => {
    for (const c of CONV_CASES) {
      it(`${c.name}: x ${c.x}, filter ${c.filter}`, async () => {
        const dy = outShape(c);
        const inputs = { x: { shape: c.x, data: values(tf.util.sizeFromShape(c.x), 1) }, dy: { shape: dy, data: values(tf.util.sizeFromShape(dy), 2) } };
        await checkAgainstCpu('Conv2DBackpropFilter', inputs, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter });
      });
    }
  });

  describe('Conv2DBackpropInput', () => {
    for (const c of CONV_CASES) {
      it(`${c.name}: x ${c.x}, filter ${c.filter}`, async () => {
        const dy = outShape(c);
        const inputs = { dy: { shape: dy, data: values(tf.util.sizeFromShape(dy), 3) }, filter: { shape: c.filter, data: values(tf.util.sizeFromShape(c.filter), 4) } };
        await checkAgainstCpu('Conv2DBackpropInput', inputs, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x });
      });
    }

    it('rejects NCHW with a message naming the op', async () => {
      await useBackend('wasm');
      await withoutLeaks(() => {
        const dy = tf.zeros([1, 2, 4, 4]);
        const filter = tf.zeros([3, 3, 2, 2]);
        const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [1, 2, 4, 4] };
        assert.throws(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs), /Conv2DBackpropInput.*NHWC.*got NCHW/);
        tf.dispose([dy, filter]);
      });
    });
  });

  describe('BatchMatMul', () => {
    /** a [...batchA, M, K] x b [...batchB, K, N], laid out transposed where a flag says so. */
    const shapes = [
      { batchA: [], batchB: [], m: 7, k: 5, n: 6 },
      { batchA: [3], batchB: [3], m: 4, k: 9, n: 5 },
      { batchA: [2, 3], batchB: [], m: 4, k: 6, n: 3 },
      { batchA: [2, 3], batchB: [1], m: 5, k: 4, n: 2 },
      { batchA: [1], batchB: [4], m: 3, k: 5, n: 6 },
    ];
    for (const { batchA, batchB, m, k, n } of shapes) {
      for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]) {
        it(`[${batchA}] x [${batchB}], M ${m} K ${k} N ${n}, transposeA ${transposeA}, transposeB ${transposeB}`, async () => {
          const aShape = [...batchA, ...(transposeA ? [k, m] : [m, k])];
          const bShape = [...batchB, ...(transposeB ? [n, k] : [k, n])];
          const inputs = { a: { shape: aShape, data: values(tf.util.sizeFromShape(aShape), 5) }, b: { shape: bShape, data: values(tf.util.sizeFromShape(bShape), 6) } };
          await checkAgainstCpu('BatchMatMul', inputs, { transposeA, transposeB });
        });
      }
    }
  });

  describe('MaxPoolGrad', () => {
    const cases = [
      { name: '3x3 stride 2 pad 1 (the ResNet stem), odd size', x: [2, 9, 11, 5], filterSize: 3, strides: 2, pad: 1 },
      { name: '3x3 stride 2 same, even size', x: [1, 10, 8, 3], filterSize: 3, strides: 2, pad: 'same' },
      { name: '1x1 stride 2 (FPN P6)', x: [1, 7, 8, 4], filterSize: 1, strides: 2, pad: 'valid' },
      { name: '2x2 stride 1 valid', x: [1, 5, 6, 2], filterSize: 2, strides: 1, pad: 'valid' },
    ] as const;
    for (const c of cases) {
      it(`${c.name}, with ties (ReLU zeros): the first maximum of each window gets dy`, async () => {
        // Most values are 0, as after a ReLU: many windows tie, many hold only zeros.
        const x = values(tf.util.sizeFromShape([...c.x]), 11).map((v) => Math.max(0, v - 0.3));
        const attrs = { filterSize: c.filterSize, strides: c.strides, pad: c.pad };
        await useBackend('cpu');
        const output = tf.tidy(() => tf.maxPool(tf.tensor4d(x, [...c.x]), c.filterSize, c.strides, c.pad));
        const [outShape, outData] = [output.shape, (await output.data()) as Float32Array];
        output.dispose();
        const inputs = { dy: { shape: outShape, data: values(outData.length, 12) }, input: { shape: [...c.x], data: x }, output: { shape: outShape, data: outData } };
        // Overlapping windows sum in float32 here, in float64 on cpu; a tie broken otherwise would move a whole dy value.
        await checkAgainstCpu('MaxPoolGrad', inputs, attrs, 1e-6);
      });
    }
  });

  describe('UnsortedSegmentSum', () => {
    it('sums rows with repeated ids and leaves missing ids zero', async () => {
      const ids = Int32Array.from([0, 2, 2, 5, 0, 2]); // 1, 3 and 4 missing
      const x = values(6 * 2 * 3, 7);
      await checkAgainstCpu('UnsortedSegmentSum', { x: { shape: [6, 2, 3], data: x }, segmentIds: { shape: [6], data: ids } }, { numSegments: 6 });
    });

    it('sums int32 values', async () => {
      const x = Int32Array.from({ length: 8 }, (_, i) => i * i);
      const inputs = { x: { shape: [4, 2], data: x }, segmentIds: { shape: [4], data: Int32Array.from([1, 1, 0, 1]) } };
      await checkAgainstCpu('UnsortedSegmentSum', inputs, { numSegments: 3 }, 0);
    });

    it('values a person can check', async () => {
      await useBackend('wasm');
      await withoutLeaks(async () => {
        const [x, ids] = [tf.tensor2d([[1, 2], [10, 20], [100, 200]]), tf.tensor1d([2, 0, 2], 'int32')];
        const sums = tf.unsortedSegmentSum(x, ids, 3);
        assert.deepEqual(await sums.array(), [[10, 20], [0, 0], [101, 202]]); // segment 1 missing; x rows 0 and 2 summed
        tf.dispose([x, ids, sums]);
      });
    });
  });

  describe('a gradient through conv, relu, maxPool, matMul and gather', () => {
    /** d/d(w1, w2) of sum(gather(maxPool(relu(conv2d(x, w1, stride 2))) reshaped x w2, rows)) on `backend`. */
    async function gradients(backend: BackendName): Promise<Float32Array[]> {
      await useBackend(backend);
      return withoutLeaks(async () => {
        const x = tf.tensor4d(values(2 * 17 * 15 * 3, 8), [2, 17, 15, 3]);
        const w1 = tf.tensor4d(values(3 * 3 * 3 * 4, 9), [3, 3, 3, 4]);
        const w2 = tf.tensor2d(values(4 * 5, 10), [4, 5]);
        const rows = tf.tensor1d([3, 0, 3, 7], 'int32');
        const loss = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.gather(tf.matMul(tf.reshape(tf.maxPool(tf.relu(tf.conv2d(x, a as tf.Tensor4D, 2, 'same')), 3, 2, 1), [-1, 4]), b), rows));
        const grads = tf.grads(loss)([w1, w2]);
        const data = await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array));
        tf.dispose([x, w1, w2, rows, ...grads]);
        return data;
      });
    }

    it('matches the cpu backend', async () => {
      const reference = await gradients('cpu');
      const dataIds = tf.engine().findBackend('wasm').numDataIds();
      const ours = await gradients('wasm');
      assert.equal(tf.engine().backend.numDataIds(), dataIds, 'wasm data left behind');
      ours.forEach((g, i) => assert.ok(relativeError(g, reference[i]) <= 1e-4, `gradient ${i}: relative error ${relativeError(g, reference[i])}`));
    });
  });

  describe('Identity', () => {
    it('shares the input\'s memory: a clone outlives its source and allocates nothing', async () => {
      await useBackend('wasm');
      await withoutLeaks(async () => {
        const backend = tf.engine().findBackend('wasm');
        const x = tf.tensor2d([[1, 2], [3, 4]]);
        const dataIds = backend.numDataIds();
        const copy = tf.clone(x);
        assert.equal(backend.numDataIds(), dataIds, 'the clone allocated wasm memory');
        x.dispose();
        assert.deepEqual(await copy.array(), [[1, 2], [3, 4]]);
        const text = tf.tensor1d(['a', 'b'], 'string');
        const words = tf.clone(text);
        assert.deepEqual(await words.array(), ['a', 'b']);
        tf.dispose([copy, text, words]);
      });
    });

    it('keeps a variable\'s old value in a clone taken before assign', async () => {
      await useBackend('wasm');
      const v = tf.variable(tf.tensor1d([1, 2, 3]));
      const before = tf.clone(v);
      v.assign(tf.tensor1d([7, 8, 9]));
      assert.deepEqual(await before.array(), [1, 2, 3]);
      assert.deepEqual(await v.array(), [7, 8, 9]);
      tf.dispose([v, before]);
    });
  });

  describe('registration', () => {
    it('is idempotent and unregistering restores exactly the kernels there before', async () => {
      await useBackend('wasm');
      const ours = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'UnsortedSegmentSum', 'MaxPoolGrad', 'Identity'].map((k) => tf.getKernel(k, 'wasm'));
      registerWasmTrainingKernels();
      ours.forEach((config, i) => assert.equal(tf.getKernel(config!.kernelName, 'wasm'), config, `kernel ${i} wrapped twice`));

      unregisterWasmTrainingKernels();
      assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
      assert.equal(tf.getKernel('UnsortedSegmentSum', 'wasm'), undefined);
      for (const name of ['Conv2DBackpropInput', 'BatchMatMul', 'MaxPoolGrad', 'Identity']) {
        const restored = tf.getKernel(name, 'wasm');
        assert.ok(restored !== undefined && !ours.includes(restored), `${name} not restored`);
      }
      const stockMatMul = tf.getKernel('BatchMatMul', 'wasm');
      unregisterWasmTrainingKernels(); // a second call changes nothing
      assert.equal(tf.getKernel('BatchMatMul', 'wasm'), stockMatMul);

      // The stock kernels still run (their setup survived), and ours come back on request.
      await withoutLeaks(async () => {
        const [a, b] = [tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])];
        const product = tf.matMul(a, b, true, true); // [2, 1] x [1, 2]
        assert.deepEqual(await product.array(), [[3, 4], [6, 8]]);
        tf.dispose([a, b, product]);
      });
      registerWasmTrainingKernels();
      assert.notEqual(tf.getKernel('BatchMatMul', 'wasm'), stockMatMul);
      assert.notEqual(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined);
    });
  });
});
