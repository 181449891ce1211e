import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { type CocoImageObjects, cocoAccumulate, cocoEvalParams, cocoEvaluateImage } from '../../src/metrics/index.js';

const ALL: readonly [number, number] = [0, 1e10];
const T2 = [0.5, 0.75];

/** Objects of one image with a [D, G] IoU matrix given as rows. */
function objects(o: Omit<CocoImageObjects, 'ious'>, rows: number[][]): CocoImageObjects {
  return { ...o, ious: Float64Array.from(rows.flat()) };
}

describe('cocoEvaluateImage', () => {
  it('matches each detection greedily, in score order, to the best free ground truth', () => {
    // Two detections both overlap gt 11 best; the first takes it, the second falls back to gt 12.
    const e = cocoEvaluateImage(
      objects(
        { gtIds: [11, 12], gtAreas: [100, 100], gtCrowd: [0, 0], dtIds: [1, 2], dtAreas: [90, 90], dtScores: [0.9, 0.8] },
        [[0.8, 0.55], [0.7, 0.6]],
      ),
      5, 1, ALL, 100, T2,
    )!;
    assert.deepEqual([...e.dtMatches], [11, 12, 11, 0]); // [T, D]: at 0.75 the second finds nothing
    assert.deepEqual([...e.gtMatches], [1, 2, 1, 0]);
    assert.deepEqual([...e.dtIgnore], [0, 0, 0, 0]);
  });

  it('accepts IoU equal to the threshold (>=), and caps the threshold at 1 - 1e-10', () => {
    const e = cocoEvaluateImage(
      objects({ gtIds: [7], gtAreas: [1], gtCrowd: [0], dtIds: [1], dtAreas: [1], dtScores: [1] }, [[1]]),
      0, 1, ALL, 100, [0.75, 1],
    )!;
    assert.deepEqual([...e.dtMatches], [7, 7]);
    const tie = cocoEvaluateImage(
      objects({ gtIds: [7], gtAreas: [1], gtCrowd: [0], dtIds: [1], dtAreas: [1], dtScores: [1] }, [[0.75]]),
      0, 1, ALL, 100, [0.75],
    )!;
    assert.deepEqual([...tie.dtMatches], [7]);
  });

  it('puts ignored ground truth last and prefers a real match to an ignored one', () => {
    // gt 21 is a crowd (ignored) with the higher IoU; gt 22 is real. The real one wins, and the
    // second detection then lands on the crowd, which can absorb several detections.
    const e = cocoEvaluateImage(
      objects(
        { gtIds: [21, 22], gtAreas: [400, 100], gtCrowd: [1, 0], dtIds: [1, 2, 3], dtAreas: [90, 90, 90], dtScores: [0.9, 0.8, 0.7] },
        [[0.95, 0.6], [0.9, 0.2], [0.85, 0]],
      ),
      0, 1, ALL, 100, [0.5],
    )!;
    assert.deepEqual(e.gtIds, [22, 21]);
    assert.deepEqual([...e.gtIgnore], [0, 1]);
    assert.deepEqual([...e.dtMatches], [22, 21, 21]);
    assert.deepEqual([...e.dtIgnore], [0, 1, 1]);
  });

  it('ignores unmatched detections outside the area range, keeps matched ones, and cuts at maxDet', () => {
    const e = cocoEvaluateImage(
      objects(
        { gtIds: [1], gtAreas: [50], gtCrowd: [0], dtIds: [1, 2, 3], dtAreas: [500, 500, 40], dtScores: [0.9, 0.8, 0.7] },
        [[0.9], [0], [0]],
      ),
      0, 1, [0, 100], 2, [0.5],
    )!;
    assert.deepEqual(e.dtIds, [1, 2]);
    assert.deepEqual([...e.dtMatches], [1, 0]);
    assert.deepEqual([...e.dtIgnore], [0, 1]);
  });

  it('returns undefined for an image with neither ground truth nor detections', () => {
    const none = objects({ gtIds: [], gtAreas: [], gtCrowd: [], dtIds: [], dtAreas: [], dtScores: [] }, []);
    assert.equal(cocoEvaluateImage(none, 0, 1, ALL, 100, T2), undefined);
  });
});

describe('cocoAccumulate', () => {
  it('computes the precision envelope at the recall thresholds, hand-checked', () => {
    // One image, 2 real gts; detections by score: TP, FP, TP. Recall 0.5, 0.5, 1;
    // precision 1, 0.5, 0.667 -> envelope 1, 0.667, 0.667.
    const params = cocoEvalParams('bbox', {
      iouThresholds: [0.5], recallThresholds: [0, 0.5, 0.6, 1], maxDets: [1, 2, 3], areaRanges: [[0, 1e10]], areaRangeLabels: ['all'],
    });
    const e = cocoEvaluateImage(
      objects(
        { gtIds: [1, 2], gtAreas: [10, 10], gtCrowd: [0, 0], dtIds: [1, 2, 3], dtAreas: [10, 10, 10], dtScores: [0.9, 0.8, 0.7] },
        [[0.9, 0], [0, 0], [0, 0.9]],
      ),
      0, 1, [0, 1e10], 3, [0.5],
    );
    const acc = cocoAccumulate([e], params, 1, 1);
    assert.deepEqual(acc.counts, [1, 4, 1, 1, 3]);
    const eps = Number.EPSILON;
    const p = (tp: number, fp: number) => tp / (tp + fp + eps);
    // [T, R, K, A, M] with T = K = A = 1: index r * 3 + m.
    const at = (r: number, m: number) => acc.precision[r * 3 + m];
    assert.deepEqual([0, 1, 2, 3].map((r) => at(r, 2)), [p(1, 0), p(1, 0), p(2, 1), p(2, 1)]);
    assert.deepEqual([0, 1, 2, 3].map((r) => at(r, 0)), [p(1, 0), p(1, 0), 0, 0]); // maxDet 1: recall stops at 0.5
    assert.deepEqual([...acc.recall], [0.5, 0.5, 1]);
  });

  it('leaves -1 where there is no non-ignored ground truth', () => {
    const params = cocoEvalParams('bbox', { iouThresholds: [0.5], recallThresholds: [0, 1], maxDets: [1], areaRanges: [[0, 1e10]], areaRangeLabels: ['all'] });
    const e = cocoEvaluateImage(
      objects({ gtIds: [1], gtAreas: [10], gtCrowd: [1], dtIds: [1], dtAreas: [10], dtScores: [0.9] }, [[0.9]]),
      0, 1, [0, 1e10], 1, [0.5],
    );
    const acc = cocoAccumulate([e], params, 1, 1);
    assert.deepEqual([...acc.precision], [-1, -1]);
    assert.deepEqual([...acc.recall], [-1]);
  });
});
