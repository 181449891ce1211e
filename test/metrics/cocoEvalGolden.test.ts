import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  type AreaRange,
  type CocoDetection,
  type CocoGroundTruth,
  type CocoIouType,
  cocoEvalParams,
  cocoEvaluate,
} from '../../src/metrics/index.js';

interface FixtureCase {
  name: string;
  iouType: CocoIouType;
  params: { maxDets: number[]; areaRanges: AreaRange[]; useCats: boolean };
  stats: number[];
  recall: number[];
  precisionAt: [number, number][];
}

// Made by scripts/fixtures/metrics.py: a numpy port of pycocotools' COCOeval on a random dataset
// of 5 images, 2 categories, crowds, compressed and uncompressed RLE.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics.json', import.meta.url), 'utf8')).coco as {
  groundTruth: CocoGroundTruth;
  detections: CocoDetection[];
  cases: FixtureCase[];
};

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9, `${what}: ${actual} vs reference ${expected}`);
}

describe('cocoEvaluate against the COCOeval port', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: 12 stats, recall [T, K, A, M] and sampled precision`, () => {
      const params = cocoEvalParams(c.iouType, c.params);
      const result = cocoEvaluate(fixture.groundTruth, fixture.detections, params);
      assert.equal(result.stats.length, 12);
      result.stats.forEach((s, i) => close(s, c.stats[i], `stats[${i}]`));
      assert.equal(result.accumulated.recall.length, c.recall.length);
      result.accumulated.recall.forEach((r, i) => close(r, c.recall[i], `recall[${i}]`));
      for (const [index, value] of c.precisionAt) close(result.accumulated.precision[index], value, `precision[${index}]`);
    });
  }

  it('exercises -1 (no ground truth in a range) and values strictly between 0 and 1', () => {
    const all = fixture.cases.flatMap((c) => c.stats);
    assert.ok(all.includes(-1));
    assert.ok(all.some((s) => s > 0 && s < 1));
  });
});
