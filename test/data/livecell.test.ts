import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCocoDataset, readCocoJson, writeCocoJson, type CocoDataset } from '../../src/data/coco.js';
import { decodeAnnotationMasks, readLivecellImage, readLivecellJson, type LivecellImage } from '../../src/data/livecell.js';
import { realData } from '../realdata.js';

const TIFF = 'A172_Phase_A7_1_00d00h00m_1.tif';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellmask-livecell-'));
  await mkdir(join(dir, 'images'));
  await copyFile(realData('dethub', TIFF), join(dir, 'images', TIFF));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const H = 520;
/** LIVECell's layout: annotations an object keyed by id. */
function livecellJson(): Record<string, unknown> {
  return {
    info: { description: 'LIVECell-like test file' },
    licenses: [],
    images: [
      { id: 7, file_name: TIFF, width: 704, height: 520, original_filename: 'A172_Phase_A7_1_00d00h00m_1.tif' },
      { id: 8, file_name: 'small.tif', width: 4, height: 2 },
    ],
    categories: [{ id: 1, name: 'cell', supercategory: 'cell' }],
    annotations: {
      '101': {
        id: 101,
        image_id: 7,
        category_id: 1,
        // pycocotools fills columns 3..11 and rows 4..9 for this rectangle: 54 pixels.
        segmentation: [[3, 4, 12, 4, 12, 10, 3, 10]],
        area: 54,
        bbox: [3, 4, 9, 6],
        iscrowd: 0,
      },
      '102': {
        id: 102,
        image_id: 7,
        category_id: 1,
        // Column-major: skip column 0 and rows 0..9 of column 1, then 2 pixels: (10, 1) and (11, 1).
        segmentation: { size: [520, 704], counts: [H + 10, 2, 520 * 704 - H - 12] },
        area: 2,
        bbox: [1, 10, 1, 2],
        iscrowd: 1,
      },
      '103': {
        id: 103,
        image_id: 8,
        category_id: 1,
        // Compressed counts [3, 1, 4], one character each (c + 48; deltas start at the 4th count):
        // column-major pixel 3, which is (y 1, x 1).
        segmentation: { size: [2, 4], counts: '314' },
        area: 1,
        bbox: [1, 1, 1, 1],
        iscrowd: 1,
      },
    },
  };
}

async function jsonFile(name: string, json: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(json));
  return path;
}

function pixels(masks: { get(i: number): Uint8Array }, i: number, width: number): [number, number][] {
  const out: [number, number][] = [];
  masks.get(i).forEach((v, p) => {
    if (v) out.push([Math.floor(p / width), p % width]);
  });
  return out;
}

describe('LIVECell JSON', () => {
  it('groups id-keyed or listed annotations by image and decodes polygons and RLEs into masks', async () => {
    const keyed = await readLivecellJson(await jsonFile('keyed.json', livecellJson()));
    const listed = await readLivecellJson(
      await jsonFile('listed.json', { ...livecellJson(), annotations: Object.values(livecellJson().annotations as object) }),
    );
    assert.deepEqual(listed, keyed);
    assert.deepEqual(keyed.categories, [{ id: 1, name: 'cell', supercategory: 'cell' }]);
    const [big, small] = keyed.images;
    assert.deepEqual([big.id, big.height, big.width, big.annotations.map((a) => a.id)], [7, 520, 704, [101, 102]]);
    const masks = decodeAnnotationMasks(big);
    assert.deepEqual([masks.length, masks.height, masks.width], [2, 520, 704]);
    assert.deepEqual(Array.from(masks.area()), [54, 2]);
    assert.deepEqual(Array.from(masks.boundingBoxes()), [3, 4, 12, 10, 1, 10, 2, 12]);
    assert.deepEqual(pixels(masks, 1, 704), [
      [10, 1],
      [11, 1],
    ]);
    assert.deepEqual(pixels(decodeAnnotationMasks(small), 0, 4), [[1, 1]]);
  });

  it("reads an image's TIFF and checks its size against the JSON", async () => {
    const dataset = await readLivecellJson(await jsonFile('for-image.json', livecellJson()));
    const image = await readLivecellImage(join(dir, 'images'), dataset.images[0]);
    assert.deepEqual(image.shape, [520, 704]);
    const wrong: LivecellImage = { ...dataset.images[0], height: 704, width: 520 };
    await assert.rejects(readLivecellImage(join(dir, 'images'), wrong), /readLivecellImage: .* has shape \[520, 704\], but the annotations give image 7 as grey 704 x 520/);
  });

  it('names the annotation and field of a malformed structure', async () => {
    const broken = (edit: (json: Record<string, any>) => void) => {
      const json = livecellJson() as Record<string, any>;
      edit(json);
      return json;
    };
    const cases: [Record<string, unknown>, string][] = [
      [broken((j) => delete j.annotations['102'].bbox), 'annotation 102: field bbox: expected [x, y, width, height], got nothing'],
      [broken((j) => (j.annotations['101'].segmentation = [[1, 2, 3, 4, 5]])), 'annotation 101: field segmentation[0]: expected a polygon [x1, y1, x2, y2, ...] of at least 3 points, got an array of length 5'],
      [broken((j) => (j.annotations['101'].segmentation = 'abc')), 'annotation 101: field segmentation: expected a list of polygons or an RLE object {size, counts}, got string "abc"'],
      [broken((j) => (j.annotations['102'].segmentation.counts = [1, -2])), 'annotation 102: field segmentation.counts: expected a compressed RLE string or a list of integers >= 0, got an array of length 2'],
      [broken((j) => (j.annotations['103'].image_id = 99)), 'annotation 103: field image_id: no image has id 99'],
      [broken((j) => (j.annotations['103'].category_id = 5)), 'annotation 103: field category_id: no category has id 5'],
      [broken((j) => (j.annotations['103'].iscrowd = 2)), 'annotation 103: field iscrowd: expected 0 or 1, got number 2'],
      [broken((j) => (j.images[1].height = 0)), 'image 8: field height: expected an integer >= 1, got number 0'],
      [broken((j) => (j.images[1].id = 7)), 'image 7: duplicate id'],
      [broken((j) => (j.annotations = 'none')), 'field annotations: expected a list or an object keyed by id, got string "none"'],
    ];
    for (const [k, [json, message]] of cases.entries()) {
      const path = await jsonFile(`bad${k}.json`, json);
      await assert.rejects(readCocoJson(path), { message: `${path}: ${message}` }, `case ${k}`);
    }
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, '{"images": [');
    await assert.rejects(readCocoJson(invalid), new RegExp(`^Error: readCocoJson: ${invalid}: invalid JSON: `));
  });

  it('names the annotation when its RLE does not fit the image', async () => {
    const wrongSize = livecellJson() as Record<string, any>;
    wrongSize.annotations['102'].segmentation.size = [10, 10];
    const [image] = (await readLivecellJson(await jsonFile('rle-size.json', wrongSize))).images;
    assert.throws(() => decodeAnnotationMasks(image), {
      message: 'annotationToRle: annotation 102 (image 7): field segmentation: RLE size is [10, 10], the image is [520, 704]',
    });
    const short = livecellJson() as Record<string, any>;
    short.annotations['102'].segmentation.counts = [H + 10, 2];
    const [shortImage] = (await readLivecellJson(await jsonFile('rle-short.json', short))).images;
    assert.throws(() => decodeAnnotationMasks(shortImage), /^Error: annotationToRle: annotation 102 \(image 7\): field segmentation: .*cover 532 pixels but size is 520 x 704/);
  });
});

describe('writeCocoJson', () => {
  it('writes a dataset that reads back the same, and writes nothing when the dataset is malformed', async () => {
    const dataset = parseCocoDataset(livecellJson(), 'test');
    const path = join(dir, 'written.json');
    await writeCocoJson(path, dataset);
    const back = await readCocoJson(path);
    assert.deepEqual(back, dataset);
    assert.ok(Array.isArray(JSON.parse(await readFile(path, 'utf8')).annotations));
    const before = await readFile(path, 'utf8');
    const bad = { ...dataset, annotations: [{ ...dataset.annotations[0], area: -1 }] } as CocoDataset;
    await assert.rejects(writeCocoJson(path, bad), {
      message: `writeCocoJson(${path}): annotation 101: field area: expected a finite number >= 0, got number -1`,
    });
    assert.equal(await readFile(path, 'utf8'), before);
  });
});
