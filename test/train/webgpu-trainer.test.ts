// `cellmask train --backend webgpu` end to end (the trainer switches to trainingStepAsync, since
// WebGPU in Node cannot read tensors back synchronously): the same losses as on cpu, iteration
// by iteration, and the checkpoints and final weights written. Runs on Dawn's llvmpipe adapter
// where there is no GPU; skips, saying why, where there is no adapter at all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { writeSynthDataset } from '../../src/data/index.js';
import { startWebGpu } from '../backend/webgpu-fixture.js';
import { TINY_TRAINING } from './tiny-training.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const gpu = await startWebGpu();

/** Runs 3 tiny iterations on `backend` into `out`; resolves to the total loss of each iteration. */
function trainOn(backend: string, data: string, out: string): number[] {
  const sets = [...TINY_TRAINING, 'SOLVER.MAX_ITER=3', 'SOLVER.CHECKPOINT_PERIOD=2', 'TEST.EVAL_PERIOD=0'].flatMap((s) => ['--set', s]);
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'train', '--config', 'mask_rcnn_R_50_FPN_small', '--data', data, '--out', out, '--backend', backend, '--folds', '1', ...sets],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  return readFileSync(join(out, 'metrics.json'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { total_loss?: number })
    .filter((entry) => entry.total_loss !== undefined)
    .map((entry) => entry.total_loss!);
}

describe('train on WebGPU', { skip: gpu.skip ?? false }, () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-webgpu-train-'));
    await writeSynthDataset({ out: join(dir, 'data'), images: 3, seed: 3, height: 64, width: 80 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the losses of the cpu backend and writes the checkpoints', () => {
    const cpu = trainOn('cpu', join(dir, 'data'), join(dir, 'cpu'));
    const webgpu = trainOn('webgpu', join(dir, 'data'), join(dir, 'webgpu'));
    assert.equal(webgpu.length, 3);
    webgpu.forEach((loss, i) => assert.ok(Math.abs(loss - cpu[i]) <= 1e-4 * Math.abs(cpu[i]), `iteration ${i}: webgpu ${loss}, cpu ${cpu[i]}`));
    for (const file of ['model_0000001.safetensors', 'model_final.safetensors', 'last_checkpoint']) assert.ok(existsSync(join(dir, 'webgpu', file)), file);
  });
});
