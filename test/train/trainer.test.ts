// The training loop on a tiny network and tiny synthetic images: metrics log, checkpoints,
// resume to the same result as an uninterrupted run, a stop on a non-finite loss, and transfer
// from a checkpoint of another class count.
import '@tensorflow/tfjs';

import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/backend/index.js';
import { type CellmaskConfig, getPreset, setConfigValues } from '../../src/config/index.js';
import { writeSynthDataset } from '../../src/data/index.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { type TrainOptions, TrainingDivergedError, train } from '../../src/train/trainer.js';
import { weightsFromCheckpoint } from '../../src/train/transfer.js';
import { Random } from '../../src/utils/random.js';
import { saveWeights } from '../../src/weights/index.js';
import { useBackend } from '../tf/backends.js';
import { TINY_TRAINING, runOptions as tinyRunOptions } from './tiny-training.js';


describe('train', () => {
  let dir: string;
  let data: string;
  let cfg: CellmaskConfig;

  before(async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels();
    dir = mkdtempSync(join(tmpdir(), 'cellmask-train-'));
    data = join(dir, 'data');
    await writeSynthDataset({ out: data, images: 6, seed: 3, height: 96, width: 128 });
    cfg = setConfigValues(getPreset('mask_rcnn_R_50_FPN_small'), TINY_TRAINING);
  });

  after(() => {
    unregisterWasmTrainingKernels();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The options of a run of `config` writing to `out`, validated on a held-out fold. */
  const runOptions = (out: string, config = cfg): Promise<TrainOptions> => tinyRunOptions(config, data, out, 3);

  const metrics = (out: string) =>
    readFileSync(join(out, 'metrics.json'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);

  it('trains, logs every iteration, evaluates, checkpoints and draws the curves', async () => {
    const out = join(dir, 'run');
    const before = tf.memory().numTensors;
    const result = await train(await runOptions(out));
    assert.equal(tf.memory().numTensors, before, 'tensors left behind by a whole run');
    assert.equal(result.iterationsRun, 6);
    const lines = metrics(out);
    const steps = lines.filter((l) => 'total_loss' in l);
    assert.deepEqual(steps.map((l) => l.iteration), [0, 1, 2, 3, 4, 5]);
    for (const l of steps) {
      for (const key of ['loss_rpn_cls', 'loss_rpn_loc', 'loss_cls', 'loss_box_reg', 'loss_mask', 'lr']) assert.ok(Number.isFinite(l[key]), `${key} at ${l.iteration}`);
      assert.ok(Math.abs(l.total_loss - (l.loss_rpn_cls + l.loss_rpn_loc + l.loss_cls + l.loss_box_reg + l.loss_mask)) < 1e-9);
    }
    // Warmup over 2 iterations from 0.001 of BASE_LR, then a step at 4 (x0.1).
    const base = cfg.SOLVER.BASE_LR;
    assert.ok(Math.abs(steps[0].lr - base * 0.001) < 1e-12);
    assert.ok(Math.abs(steps[2].lr - base) < 1e-12);
    assert.ok(Math.abs(steps[4].lr - base * 0.1) < 1e-12);
    // Evaluations after iterations 2 and 5 (the period and the end).
    const evaluations = lines.filter((l) => 'map_iou' in l);
    assert.deepEqual(evaluations.map((l) => l.iteration), [2, 5]);
    assert.equal(result.evaluations.length, 2);
    for (const e of result.evaluations) assert.ok(e.map_iou >= 0 && e.map_iou <= 1);
    const files = readdirSync(out);
    for (const f of ['model_0000001.safetensors', 'model_0000003.safetensors', 'model_final.safetensors', 'model_final.optimizer.safetensors', 'model_final.json', 'config.yaml', 'loss.png', 'lr.png', 'validation.png']) {
      assert.ok(files.includes(f), `${f} written (got ${files.join(', ')})`);
    }
    assert.equal(readFileSync(join(out, 'last_checkpoint'), 'utf8').trim(), 'model_final');
    const last = await loadCheckpoint(out);
    assert.equal(last?.state.iteration, 5);
    assert.equal(last?.state.rng.length, 4);
    last?.weights.forEach((t) => t.dispose());
    last?.momentum.forEach((t) => t.dispose());
  });

  it('resumes from a checkpoint to the same weights and log as an uninterrupted run', async () => {
    const whole = join(dir, 'whole');
    await train(await runOptions(whole));
    const parts = join(dir, 'parts');
    // Interrupted while fetching the batch of iteration 4, after model_0000003 was written.
    const interrupted = await runOptions(parts);
    let fetched = 0;
    const crashing: TrainOptions = {
      ...interrupted,
      batches: (start, seed) => {
        const source = interrupted.batches(start, seed);
        return { next: () => (fetched++ === 4 ? Promise.reject(new Error('killed')) : source.next()), close: () => source.close() };
      },
    };
    await assert.rejects(train(crashing), /killed/);
    assert.equal(readFileSync(join(parts, 'last_checkpoint'), 'utf8').trim(), 'model_0000003');
    assert.ok(!existsSync(join(parts, 'model_final.safetensors')));
    // A line cut short by the crash is dropped on resume.
    appendFileSync(join(parts, 'metrics.json'), '{"iteration": 4, "tot');
    const resumed = await train({ ...(await runOptions(parts)), resume: true });
    assert.equal(resumed.iterationsRun, 2);
    assert.deepEqual(readFileSync(join(parts, 'model_final.safetensors')), readFileSync(join(whole, 'model_final.safetensors')));
    const strip = (ls: Record<string, number>[]) => ls.map(({ time, data_time, ...rest }) => rest);
    assert.deepEqual(strip(metrics(parts)), strip(metrics(whole)));
  });

  it('trains two images per batch (IMS_PER_BATCH 2), padded to the larger of the two', async () => {
    const out = join(dir, 'batch2');
    const config = setConfigValues(cfg, ['SOLVER.IMS_PER_BATCH=2', 'SOLVER.MAX_ITER=2', 'TEST.EVAL_PERIOD=0', 'INPUT.MIN_SIZE_TRAIN=(64, 96)']);
    const options = await runOptions(out, config);
    const sizes: string[] = [];
    const result = await train({
      ...options,
      batches: (start, seed) => {
        const source = options.batches(start, seed);
        return {
          next: async () => {
            const batch = await source.next();
            sizes.push(batch.map((im) => `${im.picture.height}x${im.picture.width}`).join(' '));
            return batch;
          },
          close: () => source.close(),
        };
      },
    });
    assert.equal(result.iterationsRun, 2);
    assert.ok(sizes.every((s) => s.split(' ').length === 2), `two images per batch: ${sizes.join(', ')}`);
    for (const l of metrics(out).filter((m) => 'total_loss' in m)) assert.ok(Number.isFinite(l.total_loss));
  });

  it('stops on a non-finite loss, naming the iteration and the term, and keeps the checkpoints', async () => {
    const out = join(dir, 'diverge');
    const options = await runOptions(out, setConfigValues(cfg, ['SOLVER.BASE_LR=1e12', 'SOLVER.WARMUP_ITERS=0', 'SOLVER.MAX_ITER=40', 'SOLVER.STEPS=()', 'TEST.EVAL_PERIOD=0']));
    const before = tf.memory().numTensors;
    const error = await train(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof TrainingDivergedError, `expected TrainingDivergedError, got ${String(error)}`);
    assert.match(error.message, /iteration \d+: loss_\w+ is (NaN|-?Infinity)/);
    assert.equal(tf.memory().numTensors, before, 'tensors left behind by a diverged run');
    if (error.iteration >= 2) assert.ok(existsSync(join(out, 'model_0000001.safetensors')));
    assert.ok(!existsSync(join(out, 'model_final.safetensors')));
  });

  it('starts from a checkpoint of another class count: matching tensors load, class-specific ones are re-initialized', async () => {
    const three = await weightsFromCheckpoint(cfg, join(dir, 'run', 'model_final.safetensors'), new Random(0));
    assert.deepEqual(three.report.reinitialized, []);
    const path = join(dir, 'three-classes.safetensors');
    await saveWeights(path, three.weights, { poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
    three.weights.forEach((t) => t.dispose());
    const eight = setConfigValues(cfg, ['MODEL.ROI_HEADS.NUM_CLASSES=8']);
    const { weights, report } = await weightsFromCheckpoint(eight, path, new Random(0));
    weights.forEach((t) => t.dispose());
    assert.deepEqual(report.reinitialized.map((r) => r.name).sort(), [
      'roi_heads.box_predictor.bbox_pred.bias',
      'roi_heads.box_predictor.bbox_pred.weight',
      'roi_heads.box_predictor.cls_score.bias',
      'roi_heads.box_predictor.cls_score.weight',
      'roi_heads.mask_head.predictor.bias',
      'roi_heads.mask_head.predictor.weight',
    ]);
    const cls = report.reinitialized.find((r) => r.name === 'roi_heads.box_predictor.cls_score.weight')!;
    assert.deepEqual(cls.checkpoint, [32, 4]);
    assert.deepEqual(cls.model, [32, 9]);
    assert.deepEqual(report.missing, []);
    assert.ok(report.loaded.includes('backbone.bottom_up.res2.0.conv1.weight'));
  });
});
