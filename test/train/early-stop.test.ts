// The trainer's onEvaluation hook: returning true after an evaluation stops training there (as
// `cellmask tune`'s pruner does), keeps that iteration's weights as a checkpoint, and says so.
import '@tensorflow/tfjs';

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/backend/index.js';
import { type CellmaskConfig, getPreset, setConfigValues } from '../../src/config/index.js';
import { writeSynthDataset } from '../../src/data/index.js';
import { type TrainOptions, train } from '../../src/train/trainer.js';
import { useBackend } from '../tf/backends.js';
import { TINY_TRAINING, runOptions as tinyRunOptions } from './tiny-training.js';

describe('train: onEvaluation', () => {
  let dir: string;
  let data: string;
  let cfg: CellmaskConfig;

  before(async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels();
    dir = mkdtempSync(join(tmpdir(), 'cellmask-early-stop-'));
    data = join(dir, 'data');
    await writeSynthDataset({ out: data, images: 4, seed: 7, height: 96, width: 128 });
    // Evaluations after iterations 1, 3 and 5 (TEST.EVAL_PERIOD 2); checkpoints after 3 (period 4).
    cfg = setConfigValues(getPreset('mask_rcnn_R_50_FPN_small'), [...TINY_TRAINING, 'TEST.EVAL_PERIOD=2', 'SOLVER.CHECKPOINT_PERIOD=4']);
  });

  after(() => {
    unregisterWasmTrainingKernels();
    rmSync(dir, { recursive: true, force: true });
  });

  const runOptions = (out: string): Promise<TrainOptions> => tinyRunOptions(cfg, data, out, 2);

  const loggedIterations = (out: string) =>
    readFileSync(join(out, 'metrics.json'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { iteration: number; total_loss?: number })
      .filter((l) => l.total_loss !== undefined)
      .map((l) => l.iteration);

  it('stops after the evaluation whose hook returns true, writing that iteration as a checkpoint', async () => {
    const out = join(dir, 'stopped');
    const seen: number[] = [];
    const result = await train({
      ...(await runOptions(out)),
      onEvaluation: async (iteration, evaluation) => {
        seen.push(iteration);
        assert.ok(evaluation.map_iou >= 0 && evaluation.map_iou <= 1);
        return iteration === 3;
      },
    });
    assert.deepEqual(seen, [1, 3]);
    assert.deepEqual(result.stoppedEarly, { iteration: 3 });
    assert.equal(result.iterationsRun, 4);
    assert.deepEqual(loggedIterations(out), [0, 1, 2, 3]);
    assert.deepEqual(result.evaluations.map((e) => e.iteration), [1, 3]);
    assert.equal(result.finalWeights, join(out, 'model_0000003.safetensors'));
    assert.ok(existsSync(result.finalWeights));
    assert.ok(!existsSync(join(out, 'model_final.safetensors')), 'a stopped run writes no model_final');
  });

  it('writes the checkpoint of a stop between periodic checkpoints, and resume continues from it', async () => {
    const out = join(dir, 'stopped-at-1');
    const result = await train({ ...(await runOptions(out)), onEvaluation: () => true });
    assert.deepEqual(result.stoppedEarly, { iteration: 1 });
    assert.equal(result.iterationsRun, 2);
    assert.ok(existsSync(join(out, 'model_0000001.safetensors')));
    assert.equal(readFileSync(join(out, 'last_checkpoint'), 'utf8').trim(), 'model_0000001');
    const resumed = await train({ ...(await runOptions(out)), resume: true });
    assert.equal(resumed.iterationsRun, 4);
    assert.equal(resumed.stoppedEarly, undefined);
    assert.deepEqual(loggedIterations(out), [0, 1, 2, 3, 4, 5]);
  });

  it('runs to the end when the hook always returns false, or returns true only at the end', async () => {
    const out = join(dir, 'whole');
    const seen: number[] = [];
    const result = await train({ ...(await runOptions(out)), onEvaluation: (iteration) => (seen.push(iteration), iteration === 5) });
    assert.deepEqual(seen, [1, 3, 5]);
    assert.equal(result.stoppedEarly, undefined);
    assert.equal(result.iterationsRun, 6);
    assert.equal(result.finalWeights, join(out, 'model_final.safetensors'));
    assert.ok(existsSync(result.finalWeights));
  });
});
