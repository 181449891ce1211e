import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { evaluateMapIou } from '../../src/metrics/index.js';
import { type ImageScore, type ReportImageInput, scoreImage, scoreReport, summarizeScores, worstFirst } from '../../src/report/index.js';
import { encodeCounts } from '../../src/rle/index.js';

const H = 10;
const W = 10;

/** Counts of the rectangle of rows y0..y1-1 and columns x0..x1-1 in the 10 x 10 image. */
function rect(x0: number, y0: number, x1: number, y1: number): Uint32Array {
  const mask = new Uint8Array(H * W);
  for (let y = y0; y < y1; y++) mask.fill(1, y * W + x0, y * W + x1);
  return encodeCounts(mask);
}

/** Equal up to the rounding of summing ten or three doubles. */
function close(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} is not ${expected}`);
}

function input(id: string, cellType: string, truth: Uint32Array[], pred: Uint32Array[]): ReportImageInput {
  return { id, cellType, height: H, width: W, truth, pred };
}

// a: one cell found exactly, one missed, one false positive: TP 1, FP 1, FN 1 at every
// threshold, so every precision and the score are 1/3.
const a = input('a', 'shsy5y', [rect(0, 0, 2, 2), rect(5, 5, 7, 7)], [rect(0, 0, 2, 2), rect(8, 0, 10, 2)]);
// b: found exactly: 1.
const b = input('b', 'shsy5y', [rect(0, 0, 3, 3)], [rect(0, 0, 3, 3)]);
// c: one cell, no prediction: 0.
const c = input('c', 'astro', [rect(0, 0, 3, 3)], []);

describe('scoreImage', () => {
  it('counts TP, FP and FN at IoU 0.5 and gives the precision at every threshold', () => {
    const score = scoreImage(a);
    assert.deepEqual([score.numTruth, score.numPred, score.tp, score.fp, score.fn], [2, 2, 1, 1, 1]);
    assert.deepEqual(score.precisions, Array(10).fill(1 / 3));
    close(score.score, 1 / 3);
    assert.deepEqual([score.id, score.cellType, score.height, score.width], ['a', 'shsy5y', 10, 10]);
  });

  it('matches a prediction only at thresholds below its IoU', () => {
    // The prediction covers 12 of the 16 truth pixels and nothing else: IoU 0.75, a match at
    // 0.50-0.70 (IoU > t) and none from 0.75 on, where TP 0, FP 1, FN 1. Score 5/10.
    const score = scoreImage(input('partial', 'cort', [rect(0, 0, 4, 4)], [rect(0, 0, 4, 3)]));
    assert.deepEqual(score.precisions, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    assert.equal(score.score, 0.5);
    assert.deepEqual([score.tp, score.fp, score.fn], [1, 0, 0]);
  });

  it('names the image when its masks are malformed', () => {
    assert.throws(() => scoreImage(input('bad', 'cort', [[1] as unknown as Uint32Array], [])), /scoreImage: image bad: mapIouImage: truth\[0\]/);
  });
});

describe('scoreReport', () => {
  const report = scoreReport([a, b, c]);

  it('averages over images overall and per cell type, summing the counts', () => {
    close(report.mapIou, (1 / 3 + 1 + 0) / 3);
    assert.deepEqual(
      report.perCellType.map((g) => [g.cellType, g.images, g.numTruth, g.numPred, g.tp, g.fp, g.fn]),
      [
        ['astro', 1, 1, 0, 0, 0, 1],
        ['shsy5y', 2, 3, 3, 2, 1, 1],
      ],
    );
    close(report.perCellType[0].score, 0);
    close(report.perCellType[1].score, (1 / 3 + 1) / 2);
    assert.deepEqual([report.total.cellType, report.total.images, report.total.numTruth, report.total.tp, report.total.fn], ['all', 3, 4, 2, 2]);
  });

  it('agrees with evaluateMapIou', () => {
    const expected = evaluateMapIou([a, b, c]);
    close(report.mapIou, expected.mapIou);
    for (const group of report.perCellType) close(group.score, expected.perCellType[group.cellType]);
    for (const image of report.images) assert.equal(image.score, expected.perImage[image.id].score);
  });

  it('lists the images worst first', () => {
    assert.deepEqual(report.images.map((image) => image.id), ['c', 'a', 'b']);
  });

  it('refuses no images and repeated ids', () => {
    assert.throws(() => scoreReport([]), /no images; the mean over no images is undefined/);
    assert.throws(() => summarizeScores([scoreImage(a), scoreImage(a)]), /image id "a" appears twice/);
  });
});

describe('worstFirst', () => {
  it('breaks ties by id and leaves its input as it was', () => {
    const scores = ['z', 'm', 'a'].map((id) => scoreImage({ ...c, id }));
    const sorted = worstFirst([scoreImage(b), ...scores]);
    assert.deepEqual(sorted.map((s: ImageScore) => s.id), ['a', 'm', 'z', 'b']);
    assert.deepEqual(scores.map((s) => s.id), ['z', 'm', 'a']);
  });
});
