import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { evaluateMapIou, mapIouImage } from '../../src/metrics/index.js';

interface FixtureImage {
  id: string;
  cellType: string;
  truth: number[][];
  pred: number[][];
  score: number;
  perThreshold: { t: number; tp: number; fp: number; fn: number; precision: number }[];
}

// Made by scripts/fixtures/metrics.py: an independent numpy MAP-IoU on decoded masks.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics.json', import.meta.url), 'utf8')).mapIou as {
  images: FixtureImage[];
  mapIou: number;
  perCellType: Record<string, number>;
};
const toCounts = (masks: number[][]) => masks.map((c) => Uint32Array.from(c));

describe('MAP-IoU against the numpy reference', () => {
  for (const image of fixture.images) {
    it(`image ${image.id}: ${image.truth.length} truths, ${image.pred.length} predictions`, () => {
      const r = mapIouImage(toCounts(image.truth), toCounts(image.pred));
      assert.deepEqual(
        r.perThreshold.map(({ t, tp, fp, fn }) => ({ t, tp, fp, fn })),
        image.perThreshold.map(({ t, tp, fp, fn }) => ({ t, tp, fp, fn })),
      );
      assert.ok(Math.abs(r.score - image.score) < 1e-12, `score ${r.score} vs numpy ${image.score}`);
    });
  }

  it('averages the dataset and each cell type over images', () => {
    const r = evaluateMapIou(
      fixture.images.map((im) => ({ id: im.id, cellType: im.cellType, truth: toCounts(im.truth), pred: toCounts(im.pred) })),
    );
    assert.ok(Math.abs(r.mapIou - fixture.mapIou) < 1e-12);
    assert.deepEqual(Object.keys(r.perCellType), Object.keys(fixture.perCellType));
    for (const [type, score] of Object.entries(fixture.perCellType)) {
      assert.ok(Math.abs(r.perCellType[type] - score) < 1e-12, `${type}: ${r.perCellType[type]} vs ${score}`);
    }
  });
});
