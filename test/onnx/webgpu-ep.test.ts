/**
 * onnxruntime-node's WebGPU execution provider (Dawn, shipped in the package) against its CPU
 * provider on the same export. Runs where Dawn finds a GPU adapter (`npm run test:gpu` on a GPU
 * machine); elsewhere it is skipped with the reason onnxruntime gives.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import type { Detections } from '../../src/ensemble/index.js';
import { OnnxMaskRcnn, type OnnxModels, exportMaskRcnnOnnx, loadOnnxRuntimeNode } from '../../src/onnx/index.js';
import { rleArea, rleIou } from '../../src/rle/index.js';
import { useBackend } from '../tf/backends.js';
import { discs, smallConfig, smallWeights } from './small-model.js';

/** Whether the WebGPU provider starts here, or why not. */
async function webgpuProvider(models: OnnxModels): Promise<OnnxMaskRcnn | string> {
  try {
    return await OnnxMaskRcnn.create(models, { ort: await loadOnnxRuntimeNode(), session: { executionProviders: ['webgpu'] } });
  } catch (error) {
    const message = (error as Error).message;
    if (/adapter/i.test(message)) return message.split('\n')[0].replace(/^.*(Failed to get a WebGPU adapter.*)$/, '$1');
    throw error;
  }
}

describe('onnxruntime WebGPU execution provider', () => {
  let models: OnnxModels;
  let gpu: OnnxMaskRcnn | string;
  before(async () => {
    await useBackend('cpu');
    const cfg = smallConfig('sartorius_finetune');
    const { weights, tensors } = await smallWeights(cfg);
    weights.forEach((t) => t.dispose());
    models = exportMaskRcnnOnnx(tensors, cfg);
    gpu = await webgpuProvider(models);
    if (typeof gpu === 'string') console.log(`# SKIP onnxruntime WebGPU provider: ${gpu}`);
  });

  it('gives the CPU provider\'s detections (boxes to 1e-2 px, scores to 1e-3, masks IoU >= 0.99)', async (t) => {
    if (typeof gpu === 'string') return t.skip(gpu);
    const cpu = await OnnxMaskRcnn.create(models, { session: { executionProviders: ['cpu'] } });
    const picture = discs(70, 90);
    const [a, b]: Detections[] = [await cpu.predict(picture), await gpu.predict(picture)];
    await Promise.all([cpu.release(), gpu.release()]);
    assert.equal(b.scores.length, a.scores.length);
    assert.deepEqual(Array.from(b.classes), Array.from(a.classes));
    a.boxes.forEach((v, i) => assert.ok(Math.abs(v - b.boxes[i]) <= 1e-2, `box value ${i}: ${v} vs ${b.boxes[i]}`));
    a.scores.forEach((v, i) => assert.ok(Math.abs(v - b.scores[i]) <= 1e-3, `score ${i}: ${v} vs ${b.scores[i]}`));
    a.masks!.forEach((m, i) => assert.ok(rleArea(m) + rleArea(b.masks![i]) === 0 || rleIou([m], [b.masks![i]])[0] >= 0.99, `mask ${i}`));
  });
});
