import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CsvError } from '../../src/data/csv.js';
import { readTiff } from '../../src/data/image.js';
import {
  CELL_TYPES,
  TRAIN_CSV_COLUMNS,
  cellTypeId,
  decodeMasks,
  loadTrainCsv,
  readTrainCsv,
  writeTrainCsv,
  type TrainCsvRow,
  type TrainImage,
} from '../../src/data/sartorius.js';
import { BitMasks } from '../../src/structures/index.js';
import { realData } from '../realdata.js';

const FIXTURE = new URL('../fixtures/data/stardist_train.csv', import.meta.url).pathname;
const STARDIST_MASK = realData('stardist', 'tests_data', 'mask2d.tif');
const HEADER = TRAIN_CSV_COLUMNS.join(',');

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellmask-train-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csvFile(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

function row(id: string, annotation: string, extra: Partial<Record<string, string>> = {}): string {
  const v = { width: '4', height: '3', cell_type: 'astro', sample_id: 's1', ...extra };
  return [id, annotation, v.width, v.height, v.cell_type, '11h30m', '2019-06-16', v.sample_id, '0 days 11:30:00'].join(',');
}

async function drain(images: AsyncIterable<TrainImage>): Promise<TrainImage[]> {
  const out: TrainImage[] = [];
  for await (const image of images) out.push(image);
  return out;
}

describe('CELL_TYPES', () => {
  it('numbers the competition cell types 0, 1, 2 in this order', () => {
    assert.deepEqual(CELL_TYPES, ['shsy5y', 'astro', 'cort']);
    assert.deepEqual(CELL_TYPES.map(cellTypeId), [0, 1, 2]);
    assert.throws(() => cellTypeId('hela'), /cellTypeId: unknown cell type "hela"/);
  });
});

describe('train.csv readers', () => {
  it('decode masks equal to the label image they were encoded from (numpy RLE of StarDist masks)', async () => {
    const [image] = await loadTrainCsv(FIXTURE);
    assert.equal(image.id, 'stardist_mask2d');
    assert.equal(image.rows.length, 65);
    assert.deepEqual([image.height, image.width, image.cellType, image.sampleId], [256, 256, 'cort', 'cort[dsb]_A1_1']);
    assert.equal(image.rows[0].line, 2);
    assert.equal(image.rows[0].values.elapsed_timedelta, '0 days 13:30:00');
    const label = await readTiff(STARDIST_MASK);
    const truth = BitMasks.fromLabelImage(label.data, 256, 256).masks;
    const masks = decodeMasks(image);
    assert.equal(masks.length, 65);
    assert.deepEqual(masks.data, truth.data);
  });

  it('streams images as runs of consecutive rows, keeping every column', async () => {
    const path = await csvFile('two.csv', [HEADER, row('a', '1 2'), row('a', '5 3'), row('b', '2 1', { cell_type: 'cort', sample_id: 's2' })]);
    const images = await drain(readTrainCsv(path));
    assert.deepEqual(
      images.map((i) => [i.id, i.cellType, i.sampleId, i.rows.map((r) => [r.annotation, r.line])]),
      [
        ['a', 'astro', 's1', [['1 2', 2], ['5 3', 3]]],
        ['b', 'cort', 's2', [['2 1', 4]]],
      ],
    );
    assert.deepEqual(Object.keys(images[0].rows[0].values), [...TRAIN_CSV_COLUMNS]);
    // 3 x 4 image: "1 2" covers pixels 0, 1 (row 0); "5 3" covers 4, 5, 6 (row 1, x = 0..2).
    assert.deepEqual(Array.from(decodeMasks(images[0]).data), [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
  });

  it('streaming rejects an id that reappears after other rows; loadTrainCsv groups it', async () => {
    const path = await csvFile('split.csv', [HEADER, row('a', '1 1'), row('b', '1 1'), row('a', '3 1')]);
    await assert.rejects(drain(readTrainCsv(path)), {
      message: `${path}:4: image a reappears after its rows ended on line 2; readTrainCsv needs each image's rows consecutive (loadTrainCsv accepts any order)`,
    });
    const images = await loadTrainCsv(path);
    assert.deepEqual(
      images.map((i) => [i.id, i.rows.map((r) => r.line)]),
      [
        ['a', [2, 4]],
        ['b', [3]],
      ],
    );
  });

  it('rejects missing columns, bad sizes, unknown cell types and per-image columns that disagree, naming file and line', async () => {
    const cases: [string[], string][] = [
      [['id,annotation,width,cell_type', 'a,1 1,4,astro'], ':1: header lacks column height (header: id,annotation,width,cell_type)'],
      [[HEADER, row('a', '1 1', { width: '70.4' })], ':2: column width: expected a positive integer, got "70.4"'],
      [[HEADER, row('a', '1 1', { height: '0' })], ':2: column height: expected a positive integer, got "0"'],
      [[HEADER, row('a', '1 1', { cell_type: 'hela' })], ':2: column cell_type: expected one of shsy5y, astro, cort, got "hela"'],
      [[HEADER, row('a', '1 1'), row('a', '2 1', { width: '5' })], ':3: image a: column width is 5 here but 4 on line 2'],
      [[HEADER, row('a', '1 1'), row('a', '2 1', { height: '2' })], ':3: image a: column height is 2 here but 3 on line 2'],
      [[HEADER, row('a', '1 1'), row('a', '2 1', { cell_type: 'cort' })], ':3: image a: column cell_type is "cort" here but "astro" on line 2'],
      [[HEADER, row('a', '1 1'), row('a', '2 1', { sample_id: 's9' })], ':3: image a: column sample_id is "s9" here but "s1" on line 2'],
      [[HEADER, row('', '1 1')], ':2: column id: empty image id'],
      [[HEADER, row('a', '1 1'), 'a,2 1,4'], ':3: expected 9 fields (as on line 1), got 3'],
    ];
    for (const [k, [lines, suffix]] of cases.entries()) {
      const path = await csvFile(`bad${k}.csv`, lines);
      await assert.rejects(loadTrainCsv(path), { name: 'CsvError', message: path + suffix }, `case ${k}`);
      await assert.rejects(drain(readTrainCsv(path)), { name: 'CsvError', message: path + suffix }, `case ${k} (stream)`);
    }
  });

  it('names the file, line and image when an annotation does not decode', async () => {
    const path = await csvFile('badrle.csv', [HEADER, row('a', '1 1'), row('a', '11 5')]);
    const [image] = await loadTrainCsv(path);
    assert.throws(
      () => decodeMasks(image),
      (error: unknown) => error instanceof CsvError && error.line === 3 && error.message.startsWith(`${path}:3: image a: column annotation: `),
    );
  });

  it('writeTrainCsv writes rows the readers read back', async () => {
    const path = join(dir, 'written.csv');
    const base = { width: 4, height: 3, plate_time: '13h', sample_date: '2020-01-01', elapsed_timedelta: '0 days 13:00:00' };
    const rows: TrainCsvRow[] = [
      { ...base, id: 'x', annotation: '1 3', cell_type: 'shsy5y', sample_id: 'shsy5y[diff]_A1_1' },
      { ...base, id: 'x', annotation: '9 2', cell_type: 'shsy5y', sample_id: 'shsy5y[diff]_A1_1' },
    ];
    await writeTrainCsv(path, rows);
    assert.equal((await readFile(path, 'utf8')).split('\n')[0], HEADER);
    const [image] = await drain(readTrainCsv(path));
    assert.deepEqual(image.rows.map((r) => r.values), rows.map((r) => Object.fromEntries(TRAIN_CSV_COLUMNS.map((c) => [c, String(r[c])]))));
    const incomplete = { ...rows[0], sample_id: undefined } as unknown as TrainCsvRow;
    await assert.rejects(writeTrainCsv(path, [rows[0], incomplete]), /writeTrainCsv: row 1 has no sample_id/);
    assert.equal((await drain(readTrainCsv(path)))[0].rows.length, 2);
  });
});
