import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { UsageError } from '../../src/cli/command.js';
import { command } from '../../src/cli/ensemble.js';
import { capture } from './capture.js';

/** Kaggle RLE of the rectangle [x1, x2) x [y1, y2) in a W-wide image. */
function rect(x1: number, y1: number, x2: number, y2: number, width: number): string {
  const parts: number[] = [];
  for (let y = y1; y < y2; y++) parts.push(y * width + x1 + 1, x2 - x1);
  return parts.join(' ');
}

describe('cellmask ensemble', () => {
  let dir: string;
  const H = 30;
  const W = 40;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-ensemble-'));
    const model = (name: string, dets: { box: number[]; score: number; cls: number }[]) => {
      mkdirSync(join(dir, name));
      const json = {
        boxes: dets.map((d) => d.box),
        scores: dets.map((d) => d.score),
        classes: dets.map((d) => d.cls),
        masks: dets.map((d) => rect(d.box[0], d.box[1], d.box[2], d.box[3], W)),
        height: H,
        width: W,
      };
      writeFileSync(join(dir, name, 'img1.json'), JSON.stringify(json));
      writeFileSync(join(dir, name, 'img2.json'), JSON.stringify({ boxes: [], scores: [], classes: [], masks: [], height: H, width: W }));
    };
    // Model A: a 10 x 10 cell (0.9) and a weak detection (0.2) of class 0 at 20..30.
    model('a', [
      { box: [0, 0, 10, 10], score: 0.9, cls: 0 },
      { box: [20, 0, 30, 10], score: 0.2, cls: 0 },
    ]);
    // Model B: the same cell shifted by 1 px (0.8: suppressed by NMS) and a cell at 5..15 that
    // overlaps the first in columns 5-9 (0.7: 50 of its 100 pixels remain).
    model('b', [
      { box: [1, 0, 11, 10], score: 0.8, cls: 0 },
      { box: [5, 0, 15, 10], score: 0.7, cls: 0 },
    ]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('pools, suppresses, thresholds and removes overlaps into per-image JSON', async () => {
    const out = join(dir, 'out-json');
    const { io } = capture();
    const code = await command.run(['--inputs', join(dir, 'a'), join(dir, 'b'), '--out', out, '--class-thresholds', '0.3,0.3,0.6', '--min-pixels', '40,150,75'], io);
    assert.equal(code, 0);
    const img1 = JSON.parse(readFileSync(join(out, 'img1.json'), 'utf8'));
    assert.deepEqual(img1.scores.map((s: number) => Math.round(s * 10) / 10), [0.9, 0.7]);
    // The second mask lost columns 5-9 to the first: columns 10-14 remain.
    assert.deepEqual(img1.masks, [rect(0, 0, 10, 10, W), rect(10, 0, 15, 10, W)]);
    assert.deepEqual(img1.boxes[1], [5, 0, 15, 10]);
    assert.equal(JSON.parse(readFileSync(join(out, 'img2.json'), 'utf8')).scores.length, 0);
  });

  it('writes submission.csv with one row per mask and an empty row for an empty image', async () => {
    const out = join(dir, 'out-csv');
    const { io } = capture();
    const code = await command.run(['--inputs', join(dir, 'a'), '--inputs', join(dir, 'b'), '--out', out, '--format', 'csv', '--min-pixels', '60,60,60'], io);
    assert.equal(code, 0);
    const lines = readFileSync(join(out, 'submission.csv'), 'utf8').trim().split(/\r?\n/);
    // 0.2 at 20..30 survives without thresholds; the 0.7 cell keeps 50 < 60 pixels and goes.
    assert.deepEqual(lines, ['id,predicted', `img1,${rect(0, 0, 10, 10, W)}`, `img1,${rect(20, 0, 30, 10, W)}`, 'img2,']);
  });

  it('rejects bad options and names bad files', async () => {
    await assert.rejects(command.run(['--out', join(dir, 'x')], capture().io), /missing required option --inputs/);
    await assert.rejects(command.run(['--inputs', join(dir, 'a'), '--out', join(dir, 'x'), '--method', 'vote'], capture().io), UsageError);
    await assert.rejects(command.run(['--inputs', join(dir, 'a'), '--out', join(dir, 'x'), '--min-pixels', '75,x'], capture().io), /--min-pixels: item 2 "x"/);
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'img1.json'), JSON.stringify({ boxes: [[0, 0, 1]], scores: [0.5], classes: [0], height: H, width: W }));
    await assert.rejects(command.run(['--inputs', join(dir, 'broken'), '--out', join(dir, 'x')], capture().io), /broken\/img1.json: "boxes"\[0\] must be \[x1, y1, x2, y2\]/);
  });
});
