import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { writeSynthDataset } from '../../../src/data/synth/write-dataset.js';
import { planImages } from '../../../src/data/synth/metadata.js';
import { synthesizeImage } from '../../../src/data/synth/synthesize.js';
import { CELL_TYPES, decodeMasks, loadTrainCsv } from '../../../src/data/sartorius.js';
import { readPng, readTiff } from '../../../src/data/image.js';
import { cocoRleEncode } from '../../../src/rle/coco.js';
import { cocoPolygonsToRle } from '../../../src/rle/polygon.js';
import { rleIou } from '../../../src/rle/iou.js';
import { Random } from '../../../src/utils/random.js';

const SIZE = { height: 120, width: 160 };

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cellmask-synth-'));
}

describe('writeSynthDataset (sartorius)', () => {
  it('writes byte-identical files for a seed, and different ones for another seed', async () => {
    const [a, b, c] = await Promise.all([tempDir(), tempDir(), tempDir()]);
    for (const [out, seed] of [[a, 4], [b, 4], [c, 5]] as const) await writeSynthDataset({ out, images: 4, seed, ...SIZE });
    const pngs = (await readdir(join(a, 'train'))).sort();
    assert.equal(pngs.length, 4);
    assert.deepEqual((await readdir(join(b, 'train'))).sort(), pngs);
    for (const f of pngs) assert.deepEqual(await readFile(join(a, 'train', f)), await readFile(join(b, 'train', f)));
    assert.equal(await readFile(join(a, 'train.csv'), 'utf8'), await readFile(join(b, 'train.csv'), 'utf8'));
    assert.notEqual(await readFile(join(a, 'train.csv'), 'utf8'), await readFile(join(c, 'train.csv'), 'utf8'));
    assert.match(await readFile(join(a, 'README.txt'), 'utf8'), /cellmask synth --out .* --images 4 --seed 4 --format sartorius/);
  });

  it('writes a train.csv that the reader loads, whose RLEs decode to the generated masks and images', async () => {
    const out = await tempDir();
    await writeSynthDataset({ out, images: 5, seed: 9, ...SIZE });
    const images = await loadTrainCsv(join(out, 'train.csv'));
    const plan = planImages(new Random(9), 5, CELL_TYPES);
    assert.deepEqual(images.map((i) => i.id), plan.map((p) => p.id));
    assert.deepEqual(images.map((i) => i.cellType), plan.map((p) => p.cellType));
    // Wells take turns through the cell types, starting with the first.
    assert.equal(images[0].cellType, 'shsy5y');
    assert.ok(new Set(images.map((i) => i.cellType)).size >= 2);
    for (const [k, image] of images.entries()) {
      assert.match(image.id, /^[0-9a-f]{12}$/);
      const synth = synthesizeImage(new Random(plan[k].seed), { cellType: plan[k].cellType, ...SIZE });
      assert.deepEqual(decodeMasks(image).data, synth.masks.data);
      assert.deepEqual((await readPng(join(out, 'train', `${image.id}.png`))).data, synth.image);
      const row = image.rows[0].values;
      assert.equal(row.sample_id, plan[k].sampleId);
      assert.match(row.plate_time, /^\d{2}h\d{2}m00s$/);
      assert.match(row.elapsed_timedelta, /^\d+ days \d{2}:\d{2}:00$/);
    }
    // Several images per well, so folds grouped by sample_id mean something.
    assert.ok(new Set(images.map((i) => i.sampleId)).size < images.length);
  });

  it('rejects bad options, naming them', async () => {
    await assert.rejects(writeSynthDataset({ out: 'x', images: 0, seed: 1 }), /writeSynthDataset: images must be an integer >= 1, got 0/);
    await assert.rejects(
      writeSynthDataset({ out: 'x', images: 1, seed: 1, cellTypes: ['hela' as 'cort'] }),
      /writeSynthDataset: cellTypes .* got \["hela"\]/,
    );
  });
});

describe('writeSynthDataset (livecell)', () => {
  it('writes TIFFs and COCO polygons that rasterize (pycocotools-style) to the generated masks', async () => {
    const out = await tempDir();
    const result = await writeSynthDataset({ out, images: 3, seed: 2, format: 'livecell', ...SIZE });
    const coco = JSON.parse(await readFile(join(out, 'annotations.json'), 'utf8'));
    assert.deepEqual(coco.categories.map((c: { name: string }) => c.name), CELL_TYPES);
    assert.equal(coco.images.length, 3);
    const plan = planImages(new Random(2), 3, CELL_TYPES);
    let worst = 1;
    for (const [k, record] of coco.images.entries()) {
      const synth = synthesizeImage(new Random(plan[k].seed), { cellType: plan[k].cellType, ...SIZE });
      assert.deepEqual((await readTiff(join(out, 'images', record.file_name))).data, synth.image);
      assert.equal(result.images[k].file, `images/${record.file_name}`);
      const anns = coco.annotations.filter((a: { image_id: number }) => a.image_id === record.id);
      assert.equal(anns.length, synth.masks.length);
      for (const [i, ann] of anns.entries()) {
        assert.equal(ann.iscrowd, 0);
        assert.equal(ann.area, synth.masks.area()[i]);
        assert.deepEqual(ann.bbox, [synth.boxes[4 * i], synth.boxes[4 * i + 1], synth.boxes[4 * i + 2] - synth.boxes[4 * i], synth.boxes[4 * i + 3] - synth.boxes[4 * i + 1]]);
        const drawn = cocoPolygonsToRle(ann.segmentation, SIZE.height, SIZE.width);
        const truth = cocoRleEncode(synth.masks.get(i), SIZE.height, SIZE.width);
        worst = Math.min(worst, rleIou([drawn.counts], [truth.counts])[0]);
      }
    }
    assert.ok(worst > 0.9, `lowest polygon/mask IoU ${worst}`);
  });
});
