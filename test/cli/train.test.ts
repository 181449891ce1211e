// `cellmask train` as a user runs it: arguments, a run to the end, and SIGKILL at a random
// moment followed by --resume, which must end with the bytes an uninterrupted run ends with and
// never leave a half-written checkpoint behind.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { command } from '../../src/cli/train.js';
import { writeSynthDataset } from '../../src/data/index.js';
import { TINY_TRAINING } from '../train/tiny-training.js';
import { capture } from './capture.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = join(root, 'src', 'cli', 'main.ts');

/** `cellmask train` in a child process (so that it can be killed). */
function spawnTrain(data: string, out: string, extra: readonly string[] = []): ChildProcess {
  const sets = [...TINY_TRAINING, 'SOLVER.MAX_ITER=8', 'TEST.EVAL_PERIOD=0'].flatMap((s) => ['--set', s]);
  return spawn(process.execPath, ['--import', 'tsx', main, 'train', '--config', 'mask_rcnn_R_50_FPN_small', '--data', data, '--out', out, ...sets, ...extra], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += String(d)));
  child.stdout?.resume();
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

describe('cellmask train', () => {
  let dir: string;
  let data: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-train-cli-'));
    data = join(dir, 'data');
    await writeSynthDataset({ out: data, images: 5, seed: 5, height: 96, width: 128 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses missing or contradictory arguments with exit code 2 before doing any work', async () => {
    await assert.rejects(command.run(['--data', data, '--out', join(dir, 'x')], capture().io), /missing required option --config/);
    await assert.rejects(command.run(['--config', 'mask_rcnn_R_50_FPN_small', '--data', data, '--out', join(dir, 'x'), '--folds', '3', '--fold', '3'], capture().io), /--fold must be below --folds/);
    await assert.rejects(command.run(['--config', 'mask_rcnn_R_50_FPN_small', '--data', data, '--out', join(dir, 'x'), '--set', 'SOLVER.BASE_LR=fast'], capture().io), /SOLVER.BASE_LR/);
    assert.ok(!existsSync(join(dir, 'x')));
  });

  it('says where the data is wrong', async () => {
    await assert.rejects(command.run(['--config', 'mask_rcnn_R_50_FPN_small', '--data', dir, '--out', join(dir, 'y')], capture().io), /expected train.csv with train\/ .* or annotations.json with images\//);
  });

  it('survives SIGKILL at a random moment: --resume ends with the uninterrupted run\'s weights', async () => {
    const whole = join(dir, 'whole');
    const full = await exit(spawnTrain(data, whole, ['--folds', '1']));
    assert.equal(full.code, 0, full.stderr);

    const killed = join(dir, 'killed');
    const child = spawnTrain(data, killed, ['--folds', '1']);
    const ended = exit(child);
    // Kill at a random moment after the first checkpoint (iteration 1) was pointed to.
    while (!existsSync(join(killed, 'last_checkpoint')) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, Math.random() * 2000));
    child.kill('SIGKILL');
    const first = await ended;
    if (first.signal === 'SIGKILL') {
      // What the kill left: every checkpoint that last_checkpoint can name is whole.
      const name = readFileSync(join(killed, 'last_checkpoint'), 'utf8').trim();
      for (const suffix of ['.safetensors', '.optimizer.safetensors', '.json']) assert.ok(existsSync(join(killed, name + suffix)), `${name}${suffix}`);
      assert.ok(!readdirSync(killed).some((f) => f.endsWith('.safetensors') && f.startsWith('model_') && readFileSync(join(killed, f)).length < 8));
    }
    const resumed = await exit(spawnTrain(data, killed, ['--folds', '1', '--resume']));
    assert.equal(resumed.code, 0, resumed.stderr);
    if (first.signal === 'SIGKILL') assert.match(resumed.stderr, /resuming from .*model_(\d{7}|final) at iteration \d/);
    assert.deepEqual(readFileSync(join(killed, 'model_final.safetensors')), readFileSync(join(whole, 'model_final.safetensors')));
    assert.deepEqual(readFileSync(join(killed, 'model_final.optimizer.safetensors')), readFileSync(join(whole, 'model_final.optimizer.safetensors')));
  });
});
