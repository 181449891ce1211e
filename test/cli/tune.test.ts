// `cellmask tune` as a user runs it, on a tiny network and tiny synthetic data: trials recorded
// in the study file, the summary and the best config, resume with a larger --trials (continuing
// from the recorded trials, and taking over a trial left running), --summary alone, and the
// refusals (another --set, a space that does not fit the config).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { command } from '../../src/cli/tune.js';
import { loadConfig } from '../../src/config/index.js';
import { writeSynthDataset } from '../../src/data/index.js';
import { appendStudyEvent, readStudy } from '../../src/tune/index.js';
import { TINY_TRAINING } from '../train/tiny-training.js';
import { capture } from './capture.js';

describe('cellmask tune', () => {
  let dir: string;
  let data: string;
  let spaceFile: string;
  let out: string;
  const sets = [...TINY_TRAINING, 'SOLVER.STEPS=(3,)', 'TEST.EVAL_PERIOD=2', 'SOLVER.CHECKPOINT_PERIOD=2'].flatMap((s) => ['--set', s]);
  const args = (trials: number, extra: string[] = []) => [
    '--config', 'mask_rcnn_R_50_FPN_small', ...sets, '--data', data, '--out', out, '--space', spaceFile,
    '--trials', String(trials), '--folds', '2', '--threads', '1', ...extra,
  ];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-tune-cli-'));
    data = join(dir, 'data');
    out = join(dir, 'study');
    await writeSynthDataset({ out: data, images: 6, seed: 3, height: 96, width: 128 });
    spaceFile = join(dir, 'space.yaml');
    writeFileSync(
      spaceFile,
      [
        'SOLVER.BASE_LR: {type: float, low: 0.001, high: 0.02, log: true}',
        'SOLVER.MAX_ITER: {type: categorical, choices: [4, 6]}',
        'MODEL.ROI_HEADS.SCORE_THRESH_TEST: {type: categorical, choices: [0.3, 0.5]}',
        '',
      ].join('\n'),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a space that does not fit the config, naming the key, before training', async () => {
    const bad = join(dir, 'bad-space.yaml');
    writeFileSync(bad, 'SOLVER.MAX_ITERS: {type: categorical, choices: [4]}\n');
    await assert.rejects(command.run([...args(1), '--space', bad], capture().io), /SOLVER\.MAX_ITERS = 4 does not fit the config: .*unknown config key SOLVER\.MAX_ITERS/);
    writeFileSync(bad, 'SOLVER.BASE_LR: {type: float, low: 0.1, high: 0.01}\n');
    await assert.rejects(command.run([...args(1), '--space', bad], capture().io), /SOLVER\.BASE_LR: low and high must be finite numbers with low <= high/);
    assert.ok(!existsSync(join(out, 'study.jsonl')));
  });

  it('runs the trials, records them in the study file, prints the best and writes its config', async () => {
    const { io, out: stdout } = capture();
    assert.equal(await command.run(args(2), io), 0);
    const study = (await readStudy(join(out, 'study.jsonl')))!;
    assert.equal(study.header.sampler, 'tpe');
    assert.equal(study.trials.length, 2);
    for (const trial of study.trials) {
      assert.equal(trial.state, 'complete');
      const maxIter = trial.params['SOLVER.MAX_ITER'] as number;
      assert.ok([4, 6].includes(maxIter));
      const lr = trial.params['SOLVER.BASE_LR'] as number;
      assert.ok(lr >= 0.001 && lr <= 0.02);
      // Validations after iterations 1, 3 (TEST.EVAL_PERIOD 2) and the last; the value is the last.
      const steps = maxIter === 4 ? [1, 3] : [1, 3, 5];
      assert.deepEqual([...trial.intermediate.keys()], steps);
      assert.equal(trial.value, trial.intermediate.get(maxIter - 1));
      const dirName = `trial-000${trial.number}`;
      assert.ok(existsSync(join(out, dirName, 'model_final.safetensors')), dirName);
      const trained = readFileSync(join(out, dirName, 'config.yaml'), 'utf8');
      assert.match(trained, new RegExp(`MAX_ITER: ${maxIter}\\b`));
    }
    const best = study.trials.reduce((a, b) => ((b.value as number) > (a.value as number) ? b : a));
    const text = stdout.join('');
    assert.match(text, /trials: 2 \(2 complete, 0 pruned, 0 failed, 0 running\)/);
    assert.match(text, new RegExp(`best trial: ${best.number}, validation MAP-IoU ${(best.value as number).toFixed(4)}`));
    const bestConfig = await loadConfig(join(out, 'best_config.yaml'));
    assert.equal(bestConfig.SOLVER.BASE_LR, best.params['SOLVER.BASE_LR']);
    assert.equal(bestConfig.SOLVER.MAX_ITER, best.params['SOLVER.MAX_ITER']);
    assert.equal(bestConfig.MODEL.ROI_HEADS.SCORE_THRESH_TEST, best.params['MODEL.ROI_HEADS.SCORE_THRESH_TEST']);
    assert.equal(bestConfig.SOLVER.STEPS.join(), '3', 'the --set values are in the best config');
  });

  it('resumes with a larger --trials: the recorded trials stay, a trial left running is taken over, then new ones', async () => {
    const path = join(out, 'study.jsonl');
    const before = readFileSync(path, 'utf8');
    // A process that died while training trial 2 left it running.
    await appendStudyEvent(path, { event: 'trial', number: 2, params: { 'SOLVER.BASE_LR': 0.005, 'SOLVER.MAX_ITER': 4, 'MODEL.ROI_HEADS.SCORE_THRESH_TEST': 0.3 } });
    const { io, out: stdout, err } = capture();
    assert.equal(await command.run(args(4), io), 0);
    const log = err.join('');
    assert.match(log, /trial 2 \(resumed\): SOLVER\.BASE_LR=0\.005/);
    assert.match(log, /trial 3: /);
    assert.doesNotMatch(log, /trial [01]( \(resumed\))?: /, 'recorded trials are not run again');
    assert.ok(readFileSync(path, 'utf8').startsWith(before), 'the study file only grew');
    const study = (await readStudy(path))!;
    assert.deepEqual(study.trials.map((t) => t.state), ['complete', 'complete', 'complete', 'complete']);
    assert.match(stdout.join(''), /trials: 4 \(4 complete/);
  });

  it('--summary prints the study without training; another --set is refused', async () => {
    const { io, out: stdout } = capture();
    assert.equal(await command.run(['--out', out, '--summary'], io), 0);
    assert.match(stdout.join(''), /trials: 4 \(4 complete, 0 pruned, 0 failed, 0 running\)\nbest trial: \d, validation MAP-IoU \d\.\d{4}\n  SOLVER\.BASE_LR: /);
    await assert.rejects(command.run([...args(5), '--set', 'SOLVER.GAMMA=0.5'], capture().io), /holds a study with other settings[^]*set: the study has/);
    await assert.rejects(command.run(['--out', join(dir, 'nothing'), '--summary'], capture().io), /--summary: no study in/);
  });
});
