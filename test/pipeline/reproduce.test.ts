// `cellmask reproduce` on a tiny network and tiny synthetic data: every stage's outputs, a second
// run that skips them all, and SIGKILL at a random moment followed by a rerun that ends with the
// uninterrupted run's submission byte for byte.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { command } from '../../src/cli/reproduce.js';
import { writeSynthDataset } from '../../src/data/index.js';
import { readSubmissionCsv } from '../../src/data/submission.js';
import { validateSubmission } from '../../src/ensemble/index.js';
import { readJournal } from '../../src/pipeline/stages.js';
import { capture } from '../cli/capture.js';
import { TINY_TRAINING } from '../train/tiny-training.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = join(root, 'src', 'cli', 'main.ts');
const H = 64;
const W = 80;

/**
 * The tiny network for both trainings, every detection kept (untrained scores are low, and the
 * cells of 64 x 80 images small) so that the ensemble has work.
 */
const SETS = [
  ...TINY_TRAINING.flatMap((s) => ['--pretrain-set', s, '--finetune-set', s]),
  ...['--finetune-set', 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.0', '--class-thresholds', '0,0,0', '--min-pixels', '1,1,1'],
];

function exit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += String(d)));
  child.stderr?.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('cellmask reproduce', () => {
  let dir: string;
  let args: (out: string) => string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-reproduce-'));
    const size = { height: H, width: W };
    await writeSynthDataset({ out: join(dir, 'competition'), images: 8, seed: 1, ...size });
    await writeSynthDataset({ out: join(dir, 'test'), images: 3, seed: 2, ...size });
    await writeSynthDataset({ out: join(dir, 'livecell'), images: 6, seed: 3, format: 'livecell', ...size });
    args = (out) => [
      'reproduce', '--scale', 'toy', '--folds', '2', '--out', out,
      '--data', join(dir, 'competition'), '--livecell', join(dir, 'livecell'),
      '--test', join(dir, 'test', 'train'), '--test-truth', join(dir, 'test', 'train.csv'),
      ...SETS,
    ];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const spawnReproduce = (out: string) =>
    spawn(process.execPath, ['--import', 'tsx', main, ...args(out)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });

  it('refuses what it cannot run before doing any work', async () => {
    const out = join(dir, 'refused');
    await assert.rejects(command.run(['--out', out], capture().io), /--data is required at --scale full/);
    await assert.rejects(command.run(['--out', out, '--scale', 'huge'], capture().io), /--scale must be full or toy/);
    await assert.rejects(command.run(['--out', out, '--scale', 'toy', '--livecell', dir], capture().io), /--livecell needs --data/);
    await assert.rejects(command.run(['--out', out, '--scale', 'toy', '--finetune-set', 'SOLVER.BASE_LR=fast'], capture().io), /--finetune-set SOLVER.BASE_LR=fast/);
    await assert.rejects(command.run(['--out', out, '--scale', 'toy', '--folds', '1'], capture().io), /--folds must be an integer >= 2/);
    await assert.rejects(command.run(['--out', out, '--scale', 'toy', '--class-thresholds', '0.1,x'], capture().io), /--class-thresholds: item 2 "x" is not a number/);
    await assert.rejects(command.run(['--out', out, '--scale', 'toy', '--ensemble-method', 'vote'], capture().io), /--ensemble-method must be nms, mask-nms, wbf/);
    assert.ok(!existsSync(out));
  });

  let whole: string;

  it('runs every stage, writes a valid submission and scores it', async () => {
    whole = join(dir, 'whole');
    const run = await exit(spawnReproduce(whole));
    assert.equal(run.code, 0, run.stderr);
    for (const path of [
      'pretrain/model_final.safetensors',
      'pretrain/loss.png',
      'finetune/fold-0/model_final.safetensors',
      'finetune/fold-1/metrics.json',
      'submission-check.json',
      'scores.json',
      'report/index.html',
    ]) {
      assert.ok(existsSync(join(whole, path)), path);
    }
    const ids = readdirSync(join(dir, 'test', 'train')).map((f) => f.replace(/\.png$/, '')).sort();
    for (const sub of ['predictions/fold-0', 'predictions/fold-1', 'ensemble']) {
      assert.deepEqual(readdirSync(join(whole, sub)).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort(), ids, sub);
    }
    const rows = await readSubmissionCsv(join(whole, 'submission.csv'));
    assert.deepEqual([...new Set(rows.map((r) => r.id))].sort(), ids);
    assert.deepEqual(validateSubmission(rows, { height: H, width: W }), []);
    assert.ok(rows.some((r) => r.predicted !== ''), 'with every detection kept, some masks survive the ensemble');

    const scores = JSON.parse(readFileSync(join(whole, 'scores.json'), 'utf8'));
    assert.equal(scores.folds.length, 2);
    for (const f of scores.folds) {
      assert.ok(f.testMapIou >= 0 && f.testMapIou <= 1);
      assert.equal(typeof f.validationMapIou, 'number', 'each fold model was evaluated on its held-out fold');
    }
    assert.ok(scores.ensemble.mapIou >= 0 && scores.ensemble.mapIou <= 1);
    assert.match(run.stdout, /ensemble of 2: test MAP-IoU \d\.\d{4}/);

    const journal = await readJournal(join(whole, 'reproduce.json'));
    const names = ['pretrain', 'finetune/fold-0', 'finetune/fold-1', 'predict/fold-0', 'predict/fold-1', 'ensemble', 'validate', 'score', 'report'];
    assert.deepEqual(Object.keys(journal), names);
    for (const name of names) assert.equal(journal[name].status, 'ran', name);
  });

  it('skips every stage when run again, leaving the files as they were', async () => {
    const before = statSync(join(whole, 'submission.csv')).mtimeMs;
    const io = capture();
    assert.equal(await command.run(args(whole).slice(1), io.io), 0);
    assert.equal(statSync(join(whole, 'submission.csv')).mtimeMs, before);
    assert.equal(io.err.filter((line) => /skipped, its outputs exist/.test(line)).length, 9);
    const journal = await readJournal(join(whole, 'reproduce.json'));
    assert.ok(Object.values(journal).every((s) => s.status === 'skipped' && typeof s.seconds === 'number'));
  });

  it('continues after SIGKILL at a random moment and ends with the same submission', async () => {
    const killed = join(dir, 'killed');
    const child = spawnReproduce(killed);
    const ended = exit(child);
    // Kill after the first finetuning checkpoint exists, somewhere in the next two seconds.
    while (!existsSync(join(killed, 'finetune', 'fold-0', 'last_checkpoint')) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, Math.random() * 2000));
    child.kill('SIGKILL');
    await ended;
    const resumed = await exit(spawnReproduce(killed));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /pretrain: skipped, its outputs exist/);
    for (const file of ['submission.csv', 'finetune/fold-1/model_final.safetensors', 'predictions/fold-1/submission.csv', 'scores.json']) {
      assert.deepEqual(readFileSync(join(killed, file)), readFileSync(join(whole, file)), file);
    }
  });
});
