import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listImages, loadSartoriusSample } from '../../src/data/dataset.js';
import { TRAIN_CSV_COLUMNS, loadTrainCsv } from '../../src/data/sartorius.js';
import { realData } from '../realdata.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellmask-dataset-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('listImages', () => {
  it('lists image files by extension, case-insensitively, sorted', async () => {
    const images = join(dir, 'images');
    await mkdir(join(images, 'nested.png'), { recursive: true });
    for (const name of ['b.PNG', 'a.tif', 'c.txt', 'd.tiff']) await writeFile(join(images, name), '');
    assert.deepEqual(await listImages(images), ['a.tif', 'b.PNG', 'd.tiff'].map((n) => join(images, n)));
    assert.deepEqual(await listImages(images, ['.png']), [join(images, 'b.PNG')]);
    await assert.rejects(listImages(join(dir, 'nowhere')), /listImages: cannot list .*nowhere: .*ENOENT/);
  });
});

describe('loadSartoriusSample', () => {
  it('pairs a train.csv image with train/<id>.png, its masks and class ids', async () => {
    const dataDir = join(dir, 'data');
    await mkdir(join(dataDir, 'train'), { recursive: true });
    await copyFile(realData('dethub', '0030fd0e6378.png'), join(dataDir, 'train', '0030fd0e6378.png'));
    const meta = '704,520,shsy5y,11h30m,2019-06-16,shsy5y[diff]_D10_4,0 days 11:30:00';
    const csv = join(dir, 'train.csv');
    // "705 3 1409 3": x = 0..2 on rows 1 and 2; "1 1": pixel (0, 0).
    await writeFile(csv, [TRAIN_CSV_COLUMNS.join(','), `0030fd0e6378,705 3 1409 3,${meta}`, `0030fd0e6378,1 1,${meta}`, ''].join('\n'));
    const [image] = await loadTrainCsv(csv);
    const sample = await loadSartoriusSample(dataDir, image);
    assert.equal(sample.id, '0030fd0e6378');
    assert.deepEqual(sample.image.shape, [520, 704]);
    assert.deepEqual(Array.from(sample.classes), [0, 0]);
    assert.deepEqual(Array.from(sample.masks.area()), [6, 1]);
    assert.deepEqual(Array.from(sample.masks.boundingBoxes()), [0, 1, 3, 3, 0, 0, 1, 1]);
    await assert.rejects(
      loadSartoriusSample(dataDir, { ...image, width: 520, height: 704 }),
      /loadSartoriusSample: .*0030fd0e6378\.png has shape \[520, 704\], but .*train\.csv gives image 0030fd0e6378 as grey 704 x 520/,
    );
    await assert.rejects(loadSartoriusSample(dataDir, { ...image, id: 'absent' }), /readPng: cannot read .*absent\.png: .*ENOENT/);
  });
});
