// The study file (JSON lines: torn last line ignored and cut before the next append) and
// optimize: trials to the total asked, pruning through report(), resume after a stop (the same
// trials as an uninterrupted study), take-over of a trial whose process died, a trial held by a
// live process left alone, and a study with other settings refused.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  type ObjectiveResult,
  type OptimizeOptions,
  type SearchSpace,
  type StudyHeader,
  type TrialRun,
  appendStudyEvent,
  formatSummary,
  lockTrial,
  medianPruner,
  optimize,
  parseStudy,
  readStudy,
  summarizeStudy,
  tpeSampler,
} from '../../src/tune/index.js';

const space: SearchSpace = { x: { type: 'float', low: 0, high: 1 }, n: { type: 'categorical', choices: [40, 60] } };
const header: StudyHeader = { event: 'study', version: 1, direction: 'maximize', sampler: 'tpe', seed: 7, settings: { config: 'small', set: [], space } };

describe('study file', () => {
  it('replays trials, reports and finishes; a later report at a step replaces the earlier', () => {
    const text = [
      JSON.stringify(header),
      '{"event":"trial","number":0,"params":{"x":0.5,"n":40}}',
      '{"event":"report","number":0,"step":9,"value":0.1}',
      '{"event":"report","number":0,"step":9,"value":0.2}',
      '{"event":"finish","number":0,"state":"complete","value":0.3}',
      '{"event":"trial","number":1,"params":{"x":0.1,"n":60}}',
      '{"event":"report","number":1,"step":9,"value":null}',
      '{"event":"trial","number":2,"params":{"x":0.2,"n":60}}',
      '{"event":"finish","number":2,"state":"failed","error":"diverged"}',
      '{"event":"report","number":1,"st',
    ].join('\n');
    const study = parseStudy(text)!;
    assert.deepEqual(study.trials.map((t) => t.state), ['complete', 'running', 'failed']);
    assert.deepEqual([...study.trials[0].intermediate], [[9, 0.2]]);
    assert.equal(study.trials[0].value, 0.3);
    assert.ok(Number.isNaN(study.trials[1].intermediate.get(9)));
    assert.equal(study.trials[2].error, 'diverged');
  });

  it('names the file and line of a bad line that is not the last, and events out of order', () => {
    assert.throws(() => parseStudy(`${JSON.stringify(header)}\n{oops\n{"event":"trial","number":0,"params":{}}\n`, 'study.jsonl'), /study\.jsonl:2: not a JSON line/);
    assert.throws(() => parseStudy(`${JSON.stringify(header)}\n{"event":"trial","number":1,"params":{}}\n`, 's'), /s:2: trial 1 started, expected trial 0/);
    assert.throws(
      () => parseStudy(`${JSON.stringify(header)}\n{"event":"trial","number":0,"params":{}}\n{"event":"finish","number":0,"state":"pruned"}\n{"event":"report","number":0,"step":1,"value":1}\n`, 's'),
      /s:4: report of trial 0, which already finished \(pruned\)/,
    );
  });

  it('cuts a torn last line before appending, so the new line stands on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellmask-study-file-'));
    try {
      const path = join(dir, 'study.jsonl');
      await appendStudyEvent(path, header);
      appendFileSync(path, '{"event":"trial","num');
      await appendStudyEvent(path, { event: 'trial', number: 0, params: { x: 0.5, n: 40 } });
      assert.equal(readFileSync(path, 'utf8').split('\n').length, 3);
      assert.deepEqual((await readStudy(path))!.trials[0].params, { x: 0.5, n: 40 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('optimize', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'cellmask-optimize-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A training stand-in: reports x * step / 100 at steps 10, 20, 30 and ends with x (smaller when n is 40). */
  const objective = (seen: TrialRun[]) => async (trial: TrialRun): Promise<ObjectiveResult> => {
    seen.push(trial);
    const x = (trial.params.x as number) * (trial.params.n === 60 ? 1 : 0.8);
    for (const step of [10, 20, 30]) if (await trial.report(step, (x * step) / 30)) return { state: 'pruned' };
    return { state: 'complete', value: x };
  };

  const options = (out: string, nTrials: number, seen: TrialRun[] = []): OptimizeOptions => ({
    path: join(out, 'study.jsonl'),
    header,
    space,
    sampler: tpeSampler({ nStartupTrials: 4 }),
    pruner: medianPruner({ nStartupTrials: 3 }),
    nTrials,
    trialDir: (n) => join(out, `trial-${n}`),
    objective: objective(seen),
  });

  it('runs to the total asked, prunes below the median, and resumes where it stopped', async () => {
    const whole = join(dir, 'whole');
    const study = await optimize(options(whole, 12));
    assert.equal(study.trials.length, 12);
    assert.ok(study.trials.every((t) => t.state === 'complete' || t.state === 'pruned'));
    const pruned = study.trials.filter((t) => t.state === 'pruned');
    assert.ok(pruned.length > 0, 'some trial was pruned');

    const parts = join(dir, 'parts');
    await optimize(options(parts, 5));
    const seen: TrialRun[] = [];
    const resumed = await optimize(options(parts, 12, seen));
    assert.deepEqual(seen.map((t) => t.number), [5, 6, 7, 8, 9, 10, 11], 'continues from the recorded trials');
    const view = (s: typeof study) => s.trials.map((t) => ({ number: t.number, params: t.params, state: t.state, value: t.value, intermediate: [...t.intermediate] }));
    assert.deepEqual(view(resumed), view(study), 'the same trials as an uninterrupted study');
    // Asking for fewer than there are runs nothing.
    const none: TrialRun[] = [];
    await optimize(options(parts, 3, none));
    assert.equal(none.length, 0);

    const summary = summarizeStudy(resumed);
    const complete = resumed.trials.filter((t) => t.state === 'complete');
    const top = complete.reduce((a, b) => ((b.value as number) > (a.value as number) ? b : a));
    assert.equal(summary.best?.number, top.number);
    assert.equal(summary.counts.complete + summary.counts.pruned, 12);
    assert.match(formatSummary(summary), new RegExp(`best trial: ${top.number}, validation MAP-IoU ${(top.value as number).toFixed(4)}`));
  });

  it('takes over a trial left running by a dead process, with its parameters; leaves a live one alone', async () => {
    const out = join(dir, 'takeover');
    const path = join(out, 'study.jsonl');
    await optimize(options(out, 2));
    await appendStudyEvent(path, { event: 'trial', number: 2, params: { x: 0.9, n: 60 } });
    await appendStudyEvent(path, { event: 'report', number: 2, step: 10, value: 0.3 });
    await appendStudyEvent(path, { event: 'trial', number: 3, params: { x: 0.8, n: 60 } });
    // Trial 3 is held by a live process (this test), trial 2 by nobody.
    const release = await lockTrial(join(out, 'trial-3'), () => {});
    assert.ok(release);
    const seen: TrialRun[] = [];
    const logged: string[] = [];
    const study = await optimize({ ...options(out, 5, seen), log: (m) => logged.push(m) });
    await release!();
    assert.deepEqual(seen.map((t) => [t.number, t.resumed]), [[2, true], [4, false]]);
    assert.deepEqual(seen[0].params, { x: 0.9, n: 60 });
    assert.equal(study.trials[3].state, 'running');
    assert.equal(study.trials[2].state, 'complete');
    assert.ok(logged.some((m) => /trial\(s\) 3 still running in another process/.test(m)), logged.join('\n'));
  });

  it('records a failed trial: thrown on, or caught and gone past', async () => {
    const out = join(dir, 'failing');
    const failing = { ...options(out, 3), objective: async () => Promise.reject(new Error('loss is NaN')) };
    await assert.rejects(optimize(failing), /loss is NaN/);
    assert.equal((await readStudy(join(out, 'study.jsonl')))!.trials[0].error, 'loss is NaN');
    const study = await optimize({ ...failing, catch: () => true });
    assert.deepEqual(study.trials.map((t) => t.state), ['failed', 'failed', 'failed']);
  });

  it('refuses a study file with other settings, naming them', async () => {
    const out = join(dir, 'settings');
    await optimize(options(out, 1));
    const other = { ...options(out, 2), header: { ...header, settings: { ...header.settings, set: ['SOLVER.BASE_LR=0.1'] } } };
    await assert.rejects(optimize(other), /holds a study with other settings[^]*set: the study has \[\], now \["SOLVER.BASE_LR=0.1"\]/);
  });

  it('reads no study from an empty file or one holding only a torn first line', () => {
    assert.equal(parseStudy(''), undefined);
    writeFileSync(join(dir, 'torn.jsonl'), '{"event":"stu');
    assert.equal(parseStudy(readFileSync(join(dir, 'torn.jsonl'), 'utf8')), undefined);
  });
});
