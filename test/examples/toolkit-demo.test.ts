import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type DemoSummary, formatSummary, runDemo } from '../../examples/toolkit-demo.js';
import { command as evaluate } from '../../src/cli/evaluate.js';
import { loadTrainCsv, readSubmissionCsv } from '../../src/data/index.js';
import { validateSubmission } from '../../src/ensemble/index.js';
import { capture } from '../cli/capture.js';

// Three images of half the competition's size keep the test to a few seconds.
const OPTIONS = { images: 3, seed: 5, height: 260, width: 352 } as const;

describe('examples/toolkit-demo runDemo', () => {
  let dir: string;
  let summary: DemoSummary;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-demo-'));
    summary = await runDemo({ out: join(dir, 'run1'), ...OPTIONS });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a submission.csv that the scorer accepts', async () => {
    assert.equal(summary.submissionCsv, join(dir, 'run1', 'submission.csv'));
    assert.ok(existsSync(summary.submissionCsv));
    assert.deepEqual(summary.problems, []);
    const records = await readSubmissionCsv(summary.submissionCsv);
    assert.deepEqual(validateSubmission(records, { height: OPTIONS.height, width: OPTIONS.width }), []);
    assert.ok(records.some((r) => r.predicted !== ''), 'the submission has masks');
  });

  it('has a row for every image of the truth, and no other', async () => {
    const truthIds = (await loadTrainCsv(summary.truthCsv)).map((image) => image.id);
    assert.equal(truthIds.length, OPTIONS.images);
    const submittedIds = new Set((await readSubmissionCsv(summary.submissionCsv)).map((r) => r.id));
    assert.deepEqual([...submittedIds].sort(), [...truthIds].sort());
    assert.deepEqual(summary.images.map((im) => im.id), truthIds);
  });

  it('reports MAP-IoU numbers in [0, 1], overall and per cell type', () => {
    const types = new Set(summary.images.map((im) => im.cellType));
    for (const [name, score] of Object.entries(summary.scores)) {
      assert.ok(Number.isFinite(score.mapIou) && score.mapIou >= 0 && score.mapIou <= 1, `${name}: ${score.mapIou}`);
      assert.deepEqual(new Set(Object.keys(score.perCellType)), types, name);
      for (const [type, v] of Object.entries(score.perCellType)) {
        assert.ok(Number.isFinite(v) && v >= 0 && v <= 1, `${name} ${type}: ${v}`);
      }
    }
  });

  it('scores the ensemble exactly as `cellmask evaluate` scores submission.csv', async () => {
    const { io, out, err } = capture();
    const code = await evaluate.run(['--truth', summary.truthCsv, '--pred', summary.submissionCsv, '--json'], io);
    assert.equal(code, 0, err.join(''));
    const cli = JSON.parse(out.join('')) as { map_iou: number; per_cell_type: Record<string, number> };
    assert.equal(summary.scores.ensemble.mapIou, cli.map_iou);
    assert.deepEqual(summary.scores.ensemble.perCellType, cli.per_cell_type);
  });

  it('finds real cells: each classical model and the ensemble score above 0', () => {
    assert.ok(summary.scores.modelA.mapIou > 0, `model A: ${summary.scores.modelA.mapIou}`);
    assert.ok(summary.scores.modelB.mapIou > 0, `model B: ${summary.scores.modelB.mapIou}`);
    assert.ok(summary.scores.ensemble.mapIou > 0, `ensemble: ${summary.scores.ensemble.mapIou}`);
    for (const im of summary.images) assert.ok(im.submitted > 0 && im.truthObjects > 0, JSON.stringify(im));
  });

  it('times every stage and prints a table naming the three rows and "valid"', () => {
    for (const stage of ['synthesize dataset', 'predict model A (classical)', 'pool + ensemble NMS', 'remove overlaps', 'validate submission']) {
      assert.ok(summary.timingsMs[stage] >= 0, stage);
    }
    const text = formatSummary(summary);
    assert.match(text, /submission\.csv: \d+ masks, valid\n/);
    assert.match(text, /^model A alone +0\.\d{4}/m);
    assert.match(text, /^model B alone +0\.\d{4}/m);
    assert.match(text, /^ensemble \(NMS 0\.4\) +0\.\d{4}/m);
  });

  it('is deterministic for a seed: a second run writes the same files and scores', async () => {
    const again = await runDemo({ out: join(dir, 'run2'), ...OPTIONS });
    assert.equal(readFileSync(again.submissionCsv, 'utf8'), readFileSync(summary.submissionCsv, 'utf8'));
    assert.equal(readFileSync(again.truthCsv, 'utf8'), readFileSync(summary.truthCsv, 'utf8'));
    assert.deepEqual(again.scores, summary.scores);
    assert.deepEqual(again.images, summary.images);
  });
});
