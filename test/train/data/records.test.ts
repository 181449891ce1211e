import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ndarray from 'ndarray';
import { writePng, writeTiff } from '../../../src/data/image.js';
import { decodeAnnotationMasks, readLivecellJson } from '../../../src/data/livecell.js';
import { cellTypeId, decodeMasks, loadTrainCsv, TRAIN_CSV_COLUMNS } from '../../../src/data/sartorius.js';
import { writeSynthDataset } from '../../../src/data/synth/write-dataset.js';
import { BitMasks } from '../../../src/structures/index.js';
import { cropToPlane } from '../../../src/train/data/crops.js';
import { livecellDataset, sartoriusDataset, type TrainingRecord } from '../../../src/train/data/records.js';

const H = 48;
const W = 64;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellmask-train-records-'));
  await writeSynthDataset({ out: join(dir, 'sartorius'), images: 3, seed: 11, height: H, width: W });
  await writeSynthDataset({ out: join(dir, 'livecell'), images: 3, seed: 11, height: H, width: W, format: 'livecell' });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The record's masks drawn back into [G, H, W] planes. */
function planes(record: TrainingRecord): BitMasks {
  const { height, width } = record.picture;
  const data = new Uint8Array(record.gtMasks.length * height * width);
  record.gtMasks.forEach((m, i) => data.set(cropToPlane(m, height, width), i * height * width));
  return new BitMasks(data, height, width);
}

describe('sartoriusDataset', () => {
  it("reads train.csv's images in file order with their masks, tight boxes and cell-type classes", async () => {
    const dataDir = join(dir, 'sartorius');
    const dataset = await sartoriusDataset(dataDir);
    const images = await loadTrainCsv(join(dataDir, 'train.csv'));
    assert.deepEqual(dataset.ids, images.map((i) => i.id));
    assert.equal(dataset.size, 3);
    for (const [index, image] of images.entries()) {
      const record = await dataset.load(index);
      assert.equal(record.id, image.id);
      assert.deepEqual([record.picture.height, record.picture.width, record.picture.channels], [H, W, 1]);
      const masks = decodeMasks(image);
      assert.deepEqual(planes(record).data, masks.data);
      assert.deepEqual(record.gtBoxes, masks.boundingBoxes());
      assert.deepEqual(record.gtClasses, new Int32Array(masks.length).fill(cellTypeId(image.cellType)));
      assert.equal(record.emptyMasksDropped, 0);
    }
  });

  it('keeps a subset of ids in train.csv order and refuses unknown ids', async () => {
    const dataDir = join(dir, 'sartorius');
    const all = await sartoriusDataset(dataDir);
    const subset = await sartoriusDataset(dataDir, { images: [all.ids[2], all.ids[0]] });
    assert.deepEqual(subset.ids, [all.ids[0], all.ids[2]]);
    await assert.rejects(sartoriusDataset(dataDir, { images: ['nope'] }), /sartoriusDataset: 1 requested image\(s\) are not in .*train\.csv: nope/);
    assert.throws(() => subset.source(2), /TrainingDataset: index 2 is out of range \[0, 2\)/);
  });

  it('drops an empty annotation, counting it, and names the file and line of a malformed one', async () => {
    const dataDir = join(dir, 'sartorius');
    const [image] = await loadTrainCsv(join(dataDir, 'train.csv'));
    const meta = image.rows[0].values;
    const row = (annotation: string) => TRAIN_CSV_COLUMNS.map((c) => (c === 'annotation' ? annotation : meta[c])).join(',');
    const csv = join(dir, 'edited.csv');
    await writeFile(csv, [TRAIN_CSV_COLUMNS.join(','), row(image.rows[0].annotation), row(''), ''].join('\n'));
    const record = await (await sartoriusDataset(dataDir, { csv })).load(0);
    assert.equal(record.gtMasks.length, 1);
    assert.equal(record.emptyMasksDropped, 1);
    await writeFile(csv, [TRAIN_CSV_COLUMNS.join(','), row('5 2 1 1'), ''].join('\n'));
    await assert.rejects((await sartoriusDataset(dataDir, { csv })).load(0), (error: Error) => {
      assert.match(error.message, new RegExp(`^loadRecord: image ${image.id} \\(.*${image.id}\\.png\\): .*edited\\.csv line 2: column annotation: kaggleRleRuns: `));
      return true;
    });
  });

  it('rejects a corrupt, missing or wrongly sized PNG, naming the image and the file', async () => {
    const dataDir = join(dir, 'broken');
    await mkdir(join(dataDir, 'train'), { recursive: true });
    const source = join(dir, 'sartorius');
    const [first, second, third] = await loadTrainCsv(join(source, 'train.csv'));
    await writeFile(join(dataDir, 'train.csv'), await readFile(join(source, 'train.csv')));
    const png = await readFile(join(source, 'train', `${first.id}.png`));
    await writeFile(join(dataDir, 'train', `${first.id}.png`), png.subarray(0, png.length >> 1));
    await writePng(join(dataDir, 'train', `${third.id}.png`), ndarray(new Uint8Array(4 * 4), [4, 4]));
    const dataset = await sartoriusDataset(dataDir);
    await assert.rejects(dataset.load(0), new RegExp(`loadRecord: image ${first.id} \\(.*broken/train/${first.id}\\.png\\): decodePng: .*corrupt or truncated PNG`));
    await assert.rejects(dataset.load(1), new RegExp(`loadRecord: image ${second.id} \\(.*${second.id}\\.png\\): readPng: cannot read .*ENOENT`));
    await assert.rejects(dataset.load(2), new RegExp(`loadRecord: image ${third.id} .*: the image is 4 x 4, but the annotations give ${H} x ${W}`));
  });
  it('reads an RGBA PNG as RGB (alpha dropped, as PIL convert) and refuses a 16-bit one', async () => {
    const dataDir = join(dir, 'colour');
    await mkdir(join(dataDir, 'train'), { recursive: true });
    const source = join(dir, 'sartorius');
    const [first, second] = await loadTrainCsv(join(source, 'train.csv'));
    await writeFile(join(dataDir, 'train.csv'), await readFile(join(source, 'train.csv')));
    const rgba = Uint8Array.from({ length: H * W * 4 }, (_, i) => (i % 4 === 3 ? 255 : i % 251));
    await writePng(join(dataDir, 'train', `${first.id}.png`), ndarray(rgba, [H, W, 4]));
    await writePng(join(dataDir, 'train', `${second.id}.png`), ndarray(new Uint16Array(H * W), [H, W]));
    const dataset = await sartoriusDataset(dataDir);
    const { picture } = await dataset.load(0);
    assert.equal(picture.channels, 3);
    assert.deepEqual(picture.data, rgba.filter((_, i) => i % 4 !== 3));
    await assert.rejects(dataset.load(1), new RegExp(`loadRecord: image ${second.id} .*: 16-bit images are not supported`));
  });
});

describe('livecellDataset', () => {
  it("reads the COCO file's images with their masks, the annotations' boxes and category classes", async () => {
    const root = join(dir, 'livecell');
    const json = join(root, 'annotations.json');
    const dataset = await livecellDataset(json, join(root, 'images'));
    const coco = await readLivecellJson(json);
    assert.deepEqual(dataset.ids, coco.images.map((i) => String(i.id)));
    assert.deepEqual(dataset.dropped, { crowdAnnotations: 0, images: 0 });
    const sortedCategoryIds = coco.categories.map((c) => c.id).sort((a, b) => a - b);
    for (const [index, image] of coco.images.entries()) {
      const record = await dataset.load(index);
      const masks = decodeAnnotationMasks(image);
      assert.deepEqual(planes(record).data, masks.data);
      assert.deepEqual(record.gtBoxes, Float32Array.from(image.annotations.flatMap(({ bbox: [x, y, w, h] }) => [x, y, x + w, y + h])));
      // The synthetic boxes are the masks' tight bounds.
      assert.deepEqual(record.gtBoxes, masks.boundingBoxes());
      assert.deepEqual(record.gtClasses, Int32Array.from(image.annotations, (a) => sortedCategoryIds.indexOf(a.category_id)));
    }
  });

  it("orders images by id, maps categories by sorted id, leaves out crowds, skips images left empty (Detectron2's load_coco_json)", async () => {
    const root = join(dir, 'coco');
    await mkdir(join(root, 'images'), { recursive: true });
    for (const name of ['a.tif', 'b.tif', 'c.tif', 'd.tif']) await writeTiff(join(root, 'images', name), ndarray(new Uint8Array(8 * 10).fill(7), [8, 10]));
    const square = (x: number, y: number) => [[x, y, x + 3, y, x + 3, y + 2, x, y + 2]];
    const annotation = (id: number, image_id: number, category_id: number, segmentation: unknown, iscrowd = 0) => ({
      id,
      image_id,
      category_id,
      segmentation,
      area: 6,
      bbox: [1.5, 2, 3, 2],
      iscrowd,
    });
    const coco = {
      images: [
        { id: 9, file_name: 'a.tif', height: 8, width: 10 },
        { id: 3, file_name: 'b.tif', height: 8, width: 10 },
        { id: 5, file_name: 'c.tif', height: 8, width: 10 },
        { id: 4, file_name: 'd.tif', height: 8, width: 10 },
      ],
      categories: [
        { id: 40, name: 'x' },
        { id: 7, name: 'y' },
        { id: 12, name: 'z' },
      ],
      annotations: [
        annotation(1, 9, 40, square(1, 1)),
        annotation(2, 9, 12, square(5, 4)),
        annotation(4, 3, 7, { size: [8, 10], counts: [0, 80] }, 1), // crowd
        annotation(5, 5, 7, square(0, 0)),
      ],
    };
    const json = join(root, 'coco.json');
    await writeFile(json, JSON.stringify(coco));
    const dataset = await livecellDataset(json, join(root, 'images'));
    // Image 3 has only a crowd annotation, image 4 none: skipped.
    assert.deepEqual(dataset.ids, ['5', '9']);
    assert.deepEqual(dataset.dropped, { crowdAnnotations: 1, images: 2 });
    const record = await dataset.load(1);
    // Sorted category ids 7, 12, 40 -> classes 0, 1, 2.
    assert.deepEqual(record.gtClasses, Int32Array.of(2, 1));
    assert.deepEqual(record.gtBoxes, Float32Array.of(1.5, 2, 4.5, 4, 1.5, 2, 4.5, 4));
    assert.deepEqual(
      record.gtMasks.map(({ x, y, width, height }) => [x, y, width, height]),
      [
        [1, 1, 3, 2],
        [5, 4, 3, 2],
      ],
    );
    const unfiltered = await livecellDataset(json, join(root, 'images'), { filterEmptyAnnotations: false });
    assert.deepEqual(unfiltered.ids, ['3', '4', '5', '9']);
    assert.equal((await unfiltered.load(0)).gtMasks.length, 0);
  });
});
