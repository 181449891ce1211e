import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { command } from '../../src/cli/evaluate.js';
import { UsageError } from '../../src/cli/command.js';
import { capture } from './capture.js';

const HEADER = 'id,annotation,width,height,cell_type,plate_time,sample_date,sample_id,elapsed_timedelta';

/** A train.csv row for a 5 x 4 (width x height) image. */
function truthRow(id: string, annotation: string, cellType: string): string {
  return `${id},${annotation},5,4,${cellType},11h30m00s,2019-06-16,${id}_1,0 days 11:30:00`;
}

describe('cellmask evaluate', () => {
  let dir: string;
  let truth: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-evaluate-'));
    truth = join(dir, 'train.csv');
    writeFileSync(
      truth,
      [
        HEADER,
        // a: two objects, pixels 0-2 and 10-14 (row 2) of a 4 x 5 image.
        truthRow('a', '1 3', 'cort'),
        truthRow('a', '11 5', 'cort'),
        // b: one object, pixels 5-9 (row 1).
        truthRow('b', '6 5', 'astro'),
        // c: one object; the submission has no row for it.
        truthRow('c', '1 2', 'astro'),
      ].join('\n') + '\n',
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function submission(name: string, rows: string[]): string {
    const path = join(dir, name);
    writeFileSync(path, ['id,predicted', ...rows].join('\n') + '\n');
    return path;
  }

  it('prints one JSON object with the overall, per-cell-type and per-image scores', async () => {
    // a: object 1 exact (IoU 1), object 2 predicted as pixels 10-13 (IoU 4/5 = 0.8: matches up
    // to t = 0.75): TP 2 for 6 thresholds, then TP 1, FP 1, FN 1 -> mean (6 + 4/3) / 10.
    // b: an empty prediction row only -> no objects -> 0. c: absent -> 0.
    const pred = submission('sub.csv', ['a,1 3', 'a,11 4', 'b,']);
    const { io, out } = capture();
    assert.equal(await command.run(['--truth', truth, '--pred', pred, '--json'], io), 0);
    assert.equal(out.length, 1);
    const json = JSON.parse(out[0]);
    const a = [1, 1, 1, 1, 1, 1, 1 / 3, 1 / 3, 1 / 3, 1 / 3].reduce((x, y) => x + y) / 10;
    assert.deepEqual(Object.keys(json), ['map_iou', 'per_cell_type', 'per_image']);
    assert.deepEqual(json.per_image, { a, b: 0, c: 0 });
    assert.deepEqual(json.per_cell_type, { astro: 0, cort: a });
    assert.equal(json.map_iou, a / 3);
  });

  it('prints a table with one line per cell type and the overall score', async () => {
    const pred = submission('perfect.csv', ['a,1 3', 'a,11 5', 'b,6 5', 'c,1 2']);
    const { io, out } = capture();
    assert.equal(await command.run(['--truth', truth, '--pred', pred], io), 0);
    const lines = out.join('').trimEnd().split('\n');
    assert.match(lines[0], /^cell type\s+images\s+MAP-IoU$/);
    assert.match(lines[2], /^astro\s+2\s+1\.0000$/);
    assert.match(lines[3], /^cort\s+1\s+1\.0000$/);
    assert.match(lines[5], /^all\s+3\s+1\.0000$/);
  });

  it('rejects predictions for image ids that are not in the truth, naming them', async () => {
    const pred = submission('unknown.csv', ['a,1 3', 'zz,1 1', 'yy,', 'zz,2 1']);
    await assert.rejects(command.run(['--truth', truth, '--pred', pred], capture().io), (error: Error) => {
      assert.match(error.message, /unknown\.csv: predictions for 2 image id\(s\) not in the truth: zz, yy/);
      return true;
    });
  });

  it('rejects malformed RLE naming the file, the line and the image id', async () => {
    const pred = submission('bad.csv', ['a,1 3', 'b,6 x']);
    await assert.rejects(command.run(['--truth', truth, '--pred', pred], capture().io), (error: Error) => {
      assert.match(error.message, /bad\.csv:3: image b: column predicted: /);
      return true;
    });
    const badTruth = join(dir, 'bad-train.csv');
    writeFileSync(badTruth, [HEADER, truthRow('a', '1 3', 'cort'), truthRow('a', '19 5', 'cort')].join('\n') + '\n');
    await assert.rejects(command.run(['--truth', badTruth, '--pred', pred], capture().io), /bad-train\.csv:3: image a: column annotation: /);
  });

  it('prints its help and rejects missing options as usage errors', async () => {
    const { io, out } = capture();
    assert.equal(await command.run(['--help'], io), 0);
    assert.match(out.join(''), /^Usage: cellmask evaluate --truth train\.csv --pred submission\.csv \[--json\]/);
    await assert.rejects(command.run(['--truth', truth], capture().io), UsageError);
    await assert.rejects(command.run(['--truth', truth, '--pred', 'x', 'extra'], capture().io), UsageError);
  });
});
