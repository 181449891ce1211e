/**
 * The threaded wasm build in Node (src/backend/wasm-node.ts). This file must not import
 * test/tf/backends.ts: the wasm backend can be initialized once per process, and this test
 * initializes it itself. Node's test runner gives each test file its own process.
 */
import '@tensorflow/tfjs-backend-cpu';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { initWasmBackendNode } from '../../src/backend/index.js';

/** A convolution and a matmul, on whatever backend is active, read back to JS. */
function compute(): { conv: Float32Array; matmul: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from({ length: 1 * 24 * 20 * 16 }, (_, i) => Math.sin(i)), [1, 24, 20, 16]);
    const w = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 16 * 32 }, (_, i) => Math.cos(i) / 10), [3, 3, 16, 32]);
    const a = tf.tensor2d(Float32Array.from({ length: 96 * 80 }, (_, i) => Math.sin(i / 3)), [96, 80]);
    const b = tf.tensor2d(Float32Array.from({ length: 80 * 64 }, (_, i) => Math.cos(i / 5)), [80, 64]);
    return { conv: tf.conv2d(x, w, 1, 'same').dataSync() as Float32Array, matmul: tf.matMul(a, b).dataSync() as Float32Array };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('initWasmBackendNode', () => {
  it('rejects a bad thread count before touching the backend', async () => {
    await assert.rejects(initWasmBackendNode({ threads: 0 }), /threads must be an integer >= 1, got 0/);
  });

  it('runs the threaded SIMD build with two threads and computes what the cpu backend does', async () => {
    await tf.setBackend('cpu');
    const reference = compute();
    const info = await initWasmBackendNode({ threads: 2 });
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(info, { threads: 2 });
    const before = tf.memory().numTensors;
    const threaded = compute();
    assert.equal(tf.memory().numTensors, before);
    assert.ok(maxAbsDiff(threaded.conv, reference.conv) < 1e-4, `conv differs by ${maxAbsDiff(threaded.conv, reference.conv)}`);
    assert.ok(maxAbsDiff(threaded.matmul, reference.matmul) < 1e-3, `matmul differs by ${maxAbsDiff(threaded.matmul, reference.matmul)}`);
    const globalWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
    assert.ok(globalWorker?.get !== undefined, 'the Worker shim is an accessor on globalThis');
  });
});
