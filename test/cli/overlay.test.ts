import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { UsageError } from '../../src/cli/command.js';
import { command } from '../../src/cli/overlay.js';
import { checkFileId } from '../../src/report/index.js';
import { readPng } from '../../src/data/image.js';
import { capture } from './capture.js';
import { GREY, H, W, predictionJson, writeFixture } from './report-fixture.js';

/** The pixel (y, x) of an RGB PNG of the fixture's size. */
async function pixelOf(path: string, y: number, x: number): Promise<number[]> {
  const image = await readPng(path);
  assert.deepEqual(image.shape, [H, W, 3]);
  return [0, 1, 2].map((c) => image.get(y, x, c));
}

describe('cellmask overlay', () => {
  let dir: string;
  let files: Awaited<ReturnType<typeof writeFixture>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-overlay-'));
    files = await writeFixture(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function overlay(args: string[]): Promise<string> {
    const { io, out } = capture();
    assert.equal(await command.run(args, io), 0);
    return out.join('');
  }

  it('writes one PNG per predicted image with the predicted outlines only', async () => {
    const out = join(dir, 'pred-only');
    const stdout = await overlay(['--pred', files.pred, '--images', files.images, '--out', out, '--fill', '0']);
    assert.equal(stdout, `wrote 2 overlays (predictions only) to ${out}\n`);
    assert.deepEqual(readdirSync(out).sort(), ['a.png', 'b.png']);
    // a: the second prediction covers rows 2-4 of columns 8-11; (5, 9), the truth's bottom row, is not drawn.
    assert.deepEqual(await pixelOf(join(out, 'a.png'), 4, 9), [255, 0, 255]);
    assert.deepEqual(await pixelOf(join(out, 'a.png'), 5, 9), [GREY, GREY, GREY]);
    assert.deepEqual(await pixelOf(join(out, 'a.png'), 1, 1), [255, 0, 255]);
  });

  it('adds the true outlines with --truth, and takes sizes from the images for a submission.csv', async () => {
    const out = join(dir, 'with-truth');
    const stdout = await overlay(['--pred', files.submission, '--truth', files.truth, '--images', files.images, '--out', out]);
    assert.equal(stdout, `wrote 2 overlays (predictions and truth) to ${out}\n`);
    assert.deepEqual(await pixelOf(join(out, 'a.png'), 5, 9), [0, 255, 0]);
    assert.deepEqual(await pixelOf(join(out, 'a.png'), 1, 1), [255, 255, 255]);
  });

  it('draws only the --ids, which may name a truth image without predictions', async () => {
    const out = join(dir, 'ids');
    await overlay(['--pred', files.pred, '--truth', files.truth, '--images', files.images, '--out', out, '--ids', 'c,b']);
    assert.deepEqual(readdirSync(out).sort(), ['b.png', 'c.png']);
    assert.deepEqual(await pixelOf(join(out, 'c.png'), 0, 0), [0, 255, 0]);
    assert.ok(!existsSync(join(out, 'a.png')));
  });

  it('names unknown ids, missing images and bad options', async () => {
    const out = join(dir, 'errors');
    const base = ['--images', files.images, '--out', out];
    await assert.rejects(command.run(['--pred', files.pred, ...base, '--ids', 'a,zz'], capture().io), /--ids: no predictions for image\(s\) zz/);
    await assert.rejects(command.run(['--pred', files.pred, ...base, '--truth', files.truth, '--ids', 'yy'], capture().io), /--ids: no predictions or truth for image\(s\) yy/);
    const csv = join(dir, 'extra.csv');
    writeFileSync(csv, 'id,predicted\nd,1 2\n');
    await assert.rejects(command.run(['--pred', csv, ...base], capture().io), new RegExp(`missing image file .*${join(files.images, 'd.png')}`));
    await assert.rejects(command.run(['--pred', csv, ...base, '--truth', files.truth], capture().io), /extra\.csv: predictions for 1 image id\(s\) not in the truth .*: d$/);
    const broken = mkdtempSync(join(dir, 'broken-'));
    writeFileSync(join(broken, 'a.json'), JSON.stringify({ ...predictionJson([[0, 0, 1, 1]]), scores: ['high'] }));
    await assert.rejects(command.run(['--pred', broken, ...base], capture().io), /a\.json: "scores"\[0\] must be a number, got "high"/);
    await assert.rejects(command.run(['--pred', files.pred, '--out', out], capture().io), /missing required option --images/);
    await assert.rejects(command.run(['--pred', files.pred, ...base, '--fill', 'x'], capture().io), UsageError);
  });
});

describe('checkFileId', () => {
  it('accepts ids that name files and refuses the others, naming the source', () => {
    checkFileId('0030fd0e6378', 'train.csv');
    for (const id of ['', '.', '..', 'a/b', 'a\\b', 'a\0b']) {
      assert.throws(() => checkFileId(id, 'train.csv'), /^Error: train\.csv: image id .* cannot name a file/);
    }
  });
});
