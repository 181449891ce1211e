import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodePng } from '../../src/data/image.js';
import {
  type TrainingMetrics,
  CHART_BACKGROUND,
  parseTrainingMetrics,
  readTrainingMetrics,
  renderLineChart,
  trainingCurves,
  writeTrainingCurves,
} from '../../src/plot/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellmask-curves-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A Detectron2-style log of 300 iterations: losses every 20, lr with warm-up and a x0.1 step at
 * 200, validation every 100; iteration 140's total_loss is Python's NaN token.
 */
function metricsLog(): string {
  const lines: string[] = [];
  for (let iteration = 19; iteration < 300; iteration += 20) {
    const decay = Math.exp(-iteration / 150);
    const lr = iteration < 50 ? 0.001 * (iteration + 1) / 50 : iteration < 200 ? 0.001 : 0.0001;
    const record = {
      iteration,
      total_loss: 2 * decay + 0.4,
      loss_cls: 0.6 * decay + 0.1,
      loss_box_reg: 0.5 * decay + 0.1,
      loss_mask: 0.5 * decay + 0.15,
      loss_rpn_cls: 0.2 * decay + 0.02,
      loss_rpn_loc: 0.2 * decay + 0.03,
      lr,
      data_time: 0.01,
    };
    lines.push(iteration === 139 ? JSON.stringify(record).replace(/"total_loss":[^,]+/, '"total_loss":NaN') : JSON.stringify(record));
    if ((iteration + 1) % 100 === 0) lines.push(JSON.stringify({ iteration, map_iou: 0.1 + iteration / 1000, segm_AP: 0.05 + iteration / 2000, bbox_AP: 0.06 + iteration / 2000 }));
  }
  return `${lines.join('\n')}\n`;
}

describe('parseTrainingMetrics', () => {
  it("reads one record per non-blank line, Python's NaN and Infinity tokens and null as NaN", () => {
    const text = '{"iteration": 0, "a": 1.5}\n\n{"iteration": 1, "a": NaN, "b": -Infinity, "c": null, "d": "NaN is a word", "e": [1]}\r\n';
    const records = parseTrainingMetrics(text);
    assert.equal(records.length, 2);
    assert.deepEqual(records[0], { iteration: 0, a: 1.5 });
    assert.deepEqual(Object.keys(records[1]), ['iteration', 'a', 'b', 'c']);
    assert.ok(Number.isNaN(records[1].a) && Number.isNaN(records[1].b) && Number.isNaN(records[1].c));
  });

  it('names the file and the line of a malformed record', () => {
    const text = '{"iteration": 0}\n{"iteration": 1, "total_loss": 1.2\n';
    assert.throws(() => parseTrainingMetrics(text, 'run/metrics.json'), /parseTrainingMetrics: run\/metrics\.json:2: malformed JSON/);
    assert.throws(() => parseTrainingMetrics('\n[1, 2]\n', 'm.jsonl'), /m\.jsonl:2: expected a JSON object, got an array of length 2/);
    assert.throws(() => parseTrainingMetrics('{"iteration": 0}\n{"loss": 1}', 'm.jsonl'), /m\.jsonl:2: expected a finite number 'iteration', got undefined/);
    assert.throws(() => parseTrainingMetrics('{"iteration": NaN}', 'm.jsonl'), /m\.jsonl:1: expected a finite number 'iteration'/);
  });
});

describe('trainingCurves', () => {
  it('makes loss (log y), learning-rate and validation charts from the log', () => {
    const [loss, lr, validation] = trainingCurves(parseTrainingMetrics(metricsLog()));
    assert.equal(loss.yScale, 'log');
    assert.deepEqual(
      loss.series.map((s) => s.name),
      ['total_loss', 'loss_cls', 'loss_box_reg', 'loss_mask', 'loss_rpn_cls', 'loss_rpn_loc'],
    );
    assert.equal(loss.series[0].points.length, 15);
    assert.deepEqual(loss.series[1].points[0], [19, 0.6 * Math.exp(-19 / 150) + 0.1]);
    assert.ok(Number.isNaN(loss.series[0].points[6][1]), 'the NaN stays, as a gap');

    assert.deepEqual(lr.series.map((s) => s.name), ['lr']);
    assert.equal(lr.yScale, 'linear', 'lr spans 0.0004 to 0.001: less than a factor of 100');
    assert.deepEqual(
      validation.series.map((s) => [s.name, s.points.map((p) => p[0])]),
      [['map_iou', [99, 199, 299]], ['segm_AP', [99, 199, 299]], ['bbox_AP', [99, 199, 299]]],
    );
    assert.deepEqual(validation.series[0].points[1], [199, 0.1 + 199 / 1000]);
  });

  it('keeps other loss_* keys after the known ones, and puts an lr spanning decades on a log axis', () => {
    const metrics: TrainingMetrics[] = [
      { iteration: 0, loss_z: 1, loss_a: 2, loss_mask: 3, lr: 1e-5 },
      { iteration: 10, loss_z: 1, loss_a: 2, loss_mask: 3, lr: 1e-2 },
    ];
    const [loss, lr, validation] = trainingCurves(metrics);
    assert.deepEqual(loss.series.map((s) => s.name), ['loss_mask', 'loss_a', 'loss_z']);
    assert.equal(lr.yScale, 'log');
    assert.deepEqual(validation.series, []);
  });

  it('rejects a record without a finite iteration', () => {
    assert.throws(() => trainingCurves([{ iteration: 0 }, { loss_cls: 1 }]), /trainingCurves: metrics\[1\] must have a finite number 'iteration', got undefined/);
    assert.throws(() => trainingCurves('x' as unknown as TrainingMetrics[]), /metrics must be an array/);
  });

  it('renders the NaN loss as a gap with a note', () => {
    const [loss] = trainingCurves(parseTrainingMetrics(metricsLog()));
    assert.deepEqual(renderLineChart(loss).notes, ['1 point with NaN or infinite values not drawn (gaps)']);
  });
});

describe('writeTrainingCurves', () => {
  it('writes loss.png, lr.png and validation.png that decode to white 800 x 480 charts', async () => {
    const log = join(dir, 'metrics.json');
    await writeFile(log, metricsLog());
    const out = join(dir, 'curves', 'run1');
    const written = await writeTrainingCurves(log, out);
    assert.deepEqual(written, ['loss.png', 'lr.png', 'validation.png'].map((name) => join(out, name)));
    assert.deepEqual((await readdir(out)).sort(), ['loss.png', 'lr.png', 'validation.png'], 'no temporary files left');
    const charts = trainingCurves(await readTrainingMetrics(log));
    for (const [i, path] of written.entries()) {
      const image = decodePng(await readFile(path), path);
      assert.deepEqual(image.shape, [480, 800, 3]);
      assert.deepEqual([...image.data.subarray(0, 3)], [...CHART_BACKGROUND]);
      assert.deepEqual(image.data, renderLineChart(charts[i]).data);
    }
  });

  it('skips charts without data and honours the image size', async () => {
    const log = join(dir, 'train-only.jsonl');
    await writeFile(log, '{"iteration": 0, "total_loss": 2, "lr": 0.001}\n{"iteration": 20, "total_loss": 1.5, "lr": 0.001}\n');
    const written = await writeTrainingCurves(log, join(dir, 'train-only'), { width: 400, height: 240 });
    assert.deepEqual(written.map((path) => basename(path)), ['loss.png', 'lr.png']);
    assert.deepEqual(decodePng(await readFile(written[0])).shape, [240, 400, 3]);
  });

  it('names the file and line of a malformed log, and a missing file', async () => {
    const log = join(dir, 'broken.jsonl');
    await writeFile(log, '{"iteration": 0, "total_loss": 2}\n{"iteration": 20, "total_loss": \n');
    await assert.rejects(writeTrainingCurves(log, join(dir, 'broken')), (error: Error) => error.message.includes(`${log}:2: malformed JSON`));
    await assert.rejects(writeTrainingCurves(join(dir, 'absent.jsonl'), dir), /readTrainingMetrics: cannot read .*absent\.jsonl/);
  });
});
