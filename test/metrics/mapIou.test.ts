import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { MAP_IOU_THRESHOLDS, evaluateMapIou, mapIouFromIou, mapIouImage } from '../../src/metrics/index.js';
import { encodeCounts } from '../../src/rle/index.js';

/** Row-major [G, P] IoU matrix from nested rows. */
function matrix(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

describe('MAP_IOU_THRESHOLDS', () => {
  it('is 0.50, 0.55, ..., 0.95 with each value the double nearest its decimal', () => {
    assert.deepEqual(MAP_IOU_THRESHOLDS, [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
  });
});

describe('mapIouFromIou', () => {
  it('scores a perfect one-to-one matching 1', () => {
    const r = mapIouFromIou(matrix([[1, 0], [0, 1]]), 2, 2);
    assert.equal(r.score, 1);
    assert.deepEqual(r.perThreshold.map((c) => [c.tp, c.fp, c.fn]), Array(10).fill([2, 0, 0]));
  });

  it('matches strictly above the threshold: IoU 0.75 matches at t = 0.70, not at t = 0.75', () => {
    const r = mapIouFromIou(matrix([[0.75]]), 1, 1);
    // Thresholds 0.50..0.70 (5 of 10) match; 0.75..0.95 leave one FP and one FN: precision 0.
    assert.deepEqual(r.perThreshold.map((c) => c.precision), [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    assert.equal(r.score, 0.5);
    assert.deepEqual(r.perThreshold[5], { t: 0.75, tp: 0, fp: 1, fn: 1, precision: 0 });
  });

  it('counts a truth matched by two predictions as neither TP nor FN', () => {
    // Truth 0 matches both predictions above 0.5 up to t = 0.55 (IoU 0.6); truth 1 is unmatched.
    const r = mapIouFromIou(matrix([[0.6, 0.6], [0, 0]]), 2, 2);
    assert.deepEqual(r.perThreshold[0], { t: 0.5, tp: 0, fp: 0, fn: 1, precision: 0 });
    assert.deepEqual(r.perThreshold[2], { t: 0.6, tp: 0, fp: 2, fn: 2, precision: 0 });
  });

  it('gives precision 0 when every prediction matches a truth that is matched twice', () => {
    const r = mapIouFromIou(matrix([[0.9, 0.9]]), 1, 2);
    assert.deepEqual(r.perThreshold[0], { t: 0.5, tp: 0, fp: 0, fn: 0, precision: 0 });
  });

  it('scores TP / (TP + FP + FN) with a hand-counted mix', () => {
    // 3 truths, 4 predictions: t0-p0 IoU 0.92, t1-p1 0.62, t2 unmatched, p2 and p3 unmatched.
    const iou = matrix([
      [0.92, 0.1, 0, 0],
      [0.05, 0.62, 0, 0.3],
      [0, 0, 0.4, 0],
    ]);
    const r = mapIouFromIou(iou, 3, 4);
    // t = 0.50, 0.55, 0.60: TP 2, FP 2, FN 1 -> 2/5; t = 0.65 .. 0.90: TP 1, FP 3, FN 2 -> 1/6; t = 0.95: 0/7.
    const expected = [2 / 5, 2 / 5, 2 / 5, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 0];
    assert.deepEqual(r.perThreshold.map((c) => c.precision), expected);
    assert.equal(r.score, expected.reduce((a, b) => a + b) / 10);
  });

  it('scores an empty image 1 and an image missing either side 0', () => {
    assert.equal(mapIouFromIou(new Float64Array(0), 0, 0).score, 1);
    assert.equal(mapIouFromIou(new Float64Array(0), 3, 0).score, 0);
    assert.equal(mapIouFromIou(new Float64Array(0), 0, 2).score, 0);
    assert.deepEqual(mapIouFromIou(new Float64Array(0), 0, 2).perThreshold[0], { t: 0.5, tp: 0, fp: 2, fn: 0, precision: 0 });
  });

  it('rejects a matrix of the wrong size, naming the function and the sizes', () => {
    assert.throws(() => mapIouFromIou(new Float64Array(5), 2, 3), /mapIouFromIou: iou must be a Float64Array of numTruth \* numPred = 2 \* 3 = 6 values, got Float64Array of length 5/);
    assert.throws(() => mapIouFromIou(new Float64Array(0), -1, 0), /mapIouFromIou: numTruth must be a non-negative integer, got -1/);
  });
});

describe('mapIouImage', () => {
  it('computes IoU on counts and scores like mapIouFromIou', () => {
    // 1 x 10 image: truth pixels 0..3 and 5..9, prediction pixels 0..3 (IoU 1) and 6..9 (IoU 0.8).
    const truth = [encodeCounts([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]), encodeCounts([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])];
    const pred = [encodeCounts([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]), encodeCounts([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])];
    const r = mapIouImage(truth, pred);
    assert.deepEqual(r.perThreshold.map((c) => c.tp), [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]);
    assert.equal(r.score, [1, 1, 1, 1, 1, 1, 1 / 3, 1 / 3, 1 / 3, 1 / 3].reduce((x, y) => x + y) / 10);
  });

  it('rejects a mask that is not counts, naming the argument and index', () => {
    assert.throws(() => mapIouImage([new Uint32Array([3])], [[1, 2] as unknown as Uint32Array]), /mapIouImage: pred\[0\] must be a Uint32Array of run-length counts, got an array of length 2/);
  });
});

describe('evaluateMapIou', () => {
  const a = encodeCounts([1, 1, 0, 0]);
  const b = encodeCounts([0, 0, 1, 1]);
  it('averages over images, not over pooled counts, and per cell type', () => {
    const r = evaluateMapIou([
      { id: 'x', cellType: 'cort', truth: [a], pred: [a] },
      { id: 'y', cellType: 'cort', truth: [a, b], pred: [] },
      { id: 'z', cellType: 'astro', truth: [], pred: [] },
      { id: 'w', truth: [a], pred: [b] },
    ]);
    assert.equal(r.mapIou, (1 + 0 + 1 + 0) / 4);
    assert.deepEqual(r.perCellType, { astro: 1, cort: 0.5 });
    assert.deepEqual(r.perImage.y, { score: 0, cellType: 'cort', numTruth: 2, numPred: 0 });
    assert.deepEqual(r.perImage.w, { score: 0, cellType: undefined, numTruth: 1, numPred: 1 });
  });

  it('rejects duplicate ids and an empty dataset', () => {
    assert.throws(() => evaluateMapIou([{ id: 'x', truth: [], pred: [] }, { id: 'x', truth: [], pred: [] }]), /evaluateMapIou: image id "x" appears twice/);
    assert.throws(() => evaluateMapIou([]), /evaluateMapIou: images is empty/);
  });
});
