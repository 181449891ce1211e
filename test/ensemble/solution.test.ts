import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { solutionEnsemble } from '../../src/ensemble/index.js';
import { rleArea } from '../../src/rle/index.js';
import { rectDetections } from './rect-detections.js';

// Two models' detections of a 40 x 40 astro image (class 1: threshold 0.30, minimum 150 px).
const modelA = rectDetections(40, 40, [[0, 0, 15, 15], [20, 20, 40, 40]], [0.9, 0.2], [1, 1]);
const modelB = rectDetections(40, 40, [[1, 0, 15, 15], [0, 20, 15, 40], [10, 0, 25, 15]], [0.8, 0.5, 0.6], [1, 1, 1]);

describe('solutionEnsemble', () => {
  it('thresholds by class, suppresses duplicates across models and removes overlaps', () => {
    const out = solutionEnsemble([modelA, modelB]);
    // A's 0.2 is under astro's 0.30; B's [1,0,15,15] has IoU 210/225 = 0.93 with A's first box;
    // B's [10,0,25,15] has IoU 75/375 = 0.2 with it, survives NMS and loses columns 10-14 to it.
    assert.deepEqual(Array.from(out.scores), [0.9, 0.6, 0.5].map(Math.fround));
    assert.deepEqual(out.masks!.map(rleArea), [225, 150, 300]);
  });

  it('keeps every detection without thresholds, and drops a remainder under the minimum size', () => {
    const out = solutionEnsemble([modelA, modelB], { classThresholds: null, minPixels: [0, 151, 0] });
    assert.deepEqual(Array.from(out.scores), [0.9, 0.5, 0.2].map(Math.fround));
    assert.deepEqual(out.masks!.map(rleArea), [225, 300, 400]);
  });

  it('lets classes suppress each other only when not class-aware', () => {
    const other = rectDetections(40, 40, [[1, 0, 15, 15]], [0.8], [2]);
    const thresholds = [0, 0, 0];
    assert.equal(solutionEnsemble([modelA, other], { classThresholds: thresholds, minPixels: [0, 0, 0] }).scores.length, 3);
    assert.equal(solutionEnsemble([modelA, other], { classThresholds: thresholds, minPixels: [0, 0, 0], classAware: false }).scores.length, 2);
  });
});
