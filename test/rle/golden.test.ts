// Compares cellmask/rle with the independent numpy implementations in scripts/fixtures/rle.py.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import {
  type CocoRle,
  cocoBboxIou,
  cocoPolygonToRle,
  cocoPolygonsToRle,
  cocoRleArea,
  cocoRleDecode,
  cocoRleEncode,
  cocoRleFromString,
  cocoRleIou,
  cocoRleMerge,
  cocoRleToBbox,
  cocoRleToString,
  kaggleRleDecode,
  kaggleRleEncode,
  kaggleRleToCoco,
} from '../../src/rle/index.js';

interface Fixture {
  kaggle: { height: number; width: number; mask: number[]; text: string }[];
  kaggle_big: { height: number; width: number; text: string; area: number; coco_counts_string: string; bbox: number[] };
  coco: {
    height: number;
    width: number;
    masks: { mask: number[]; counts: number[]; string: string; area: number; bbox: number[] }[];
    iou: { dt: number[]; gt: number[]; iscrowd: number[]; iou: number[]; bbox_iou: number[] };
    merge: { union_of: number[]; union: number[]; intersection_of: number[]; intersection: number[] };
  };
  polygon: {
    height: number;
    width: number;
    cases: { name: string; polygon: number[]; counts: number[]; area: number }[];
    multi: { of: string[]; counts: number[] };
  };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/rle.json', import.meta.url), 'utf8')) as Fixture;

const close = (actual: ArrayLike<number>, expected: readonly number[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-12, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
};

describe('golden vectors: Kaggle', () => {
  it('encodes and decodes like the competition numpy code', () => {
    for (const { height, width, mask, text } of fixture.kaggle) {
      assert.equal(kaggleRleEncode(mask, height, width), text);
      assert.deepEqual([...kaggleRleDecode(text, height, width)], mask);
    }
  });

  it('round-trips a 520 x 704 mask and converts it to COCO', () => {
    const { height, width, text, area, coco_counts_string, bbox } = fixture.kaggle_big;
    const mask = kaggleRleDecode(text, height, width);
    assert.equal(mask.reduce((s, v) => s + v, 0), area);
    assert.equal(kaggleRleEncode(mask, height, width), text);
    const coco = kaggleRleToCoco(text, height, width);
    assert.equal(cocoRleToString(coco.counts), coco_counts_string);
    assert.deepEqual(cocoRleToBbox(coco), bbox);
  });
});

describe('golden vectors: COCO', () => {
  const { height, width, masks, iou, merge } = fixture.coco;
  const rles: CocoRle[] = masks.map(({ counts }) => ({ size: [height, width], counts: Uint32Array.from(counts) }));

  it('encodes column-major counts and strings, decodes back, and gives area and bbox', () => {
    masks.forEach(({ mask, counts, string, area, bbox }, k) => {
      const rle = cocoRleEncode(mask, height, width);
      assert.deepEqual([...rle.counts], counts, `mask ${k}`);
      assert.equal(cocoRleToString(rle.counts), string, `mask ${k}`);
      assert.deepEqual([...cocoRleFromString(string)], counts, `mask ${k}`);
      assert.deepEqual([...cocoRleDecode(rle)], mask, `mask ${k}`);
      assert.equal(cocoRleArea(rle), area);
      assert.deepEqual(cocoRleToBbox(rle), bbox, `mask ${k}`);
    });
  });

  it('scores mask and box IoU with crowd ground truths', () => {
    const dt = iou.dt.map((i) => rles[i]);
    const gt = iou.gt.map((i) => rles[i]);
    close(cocoRleIou(dt, gt, iou.iscrowd), iou.iou, 'iou');
    const box = (r: CocoRle) => cocoRleToBbox(r);
    close(cocoBboxIou(dt.map(box), gt.map(box), iou.iscrowd), iou.bbox_iou, 'bbox_iou');
  });

  it('merges like pixelwise OR / AND', () => {
    assert.deepEqual([...cocoRleMerge(merge.union_of.map((i) => rles[i])).counts], merge.union);
    assert.deepEqual([...cocoRleMerge(merge.intersection_of.map((i) => rles[i]), true).counts], merge.intersection);
  });
});

describe('golden vectors: polygons', () => {
  const { height, width, cases, multi } = fixture.polygon;

  for (const { name, polygon, counts, area } of cases) {
    it(`rasterizes ${name} like rleFrPoly`, () => {
      const rle = cocoPolygonToRle(polygon, height, width);
      assert.deepEqual([...rle.counts], counts);
      assert.equal(cocoRleArea(rle), area);
    });
  }

  it('unites the polygons of one object', () => {
    const polygons = multi.of.map((n) => cases.find((c) => c.name === n)!.polygon);
    assert.deepEqual([...cocoPolygonsToRle(polygons, height, width).counts], multi.counts);
  });
});
