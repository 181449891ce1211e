import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  type Detections,
  SOLUTION_CLASS_THRESHOLDS,
  applyClassThresholds,
  ensembleNms,
  ensembleWbf,
  majorityClass,
  maskNms,
  poolDetections,
  removeOverlaps,
} from '../../src/ensemble/index.js';
import fc from 'fast-check';

import { countsToKaggleRle, encodeCounts, kaggleRleToCounts, rleArea } from '../../src/rle/index.js';
import { fixture } from './fixture.js';
import { rectDetections } from './rect-detections.js';

describe('removeOverlaps', () => {
  const o = fixture.overlap;
  const dets: Detections = {
    height: o.height,
    width: o.width,
    boxes: new Float32Array(4 * o.masks.length),
    scores: Float32Array.from(o.scores),
    classes: Int32Array.from(o.classes),
    masks: o.masks.map((t) => kaggleRleToCounts(t, o.height, o.width)),
  };
  for (const [mode, expected] of [['own class', o.own], ['majority class', o.majorityClass]] as const) {
    it(`matches numpy on dense masks (${mode})`, () => {
      const { detections, kept } = removeOverlaps(dets, { minPixels: o.minPixels, useMajorityClass: mode === 'majority class' });
      assert.deepEqual(Array.from(kept), expected.kept);
      assert.deepEqual(detections.masks!.map(countsToKaggleRle), expected.masks);
    });
  }

  it('gives the overlap to the higher score and drops a remainder below the minimum', () => {
    // A 10 x 10 image: mask 0 (score 0.5) covers columns 0-5, mask 1 (0.9) columns 3-9, mask 2 (0.7) columns 0-3.
    const d = rectDetections(10, 10, [[0, 0, 6, 10], [3, 0, 10, 10], [0, 0, 4, 10]], [0.5, 0.9, 0.7], [0, 0, 1]);
    const { detections, kept } = removeOverlaps(d, { minPixels: [25, 25] });
    // Mask 1 keeps 70 px; mask 2 keeps columns 0-2 (30 px); mask 0 has nothing left (0 < 25).
    assert.deepEqual(Array.from(kept), [1, 2]);
    assert.deepEqual(detections.masks!.map(rleArea), [70, 30]);
    // With 31 for class 1, mask 2 (30 px left) goes, and mask 0 then keeps its 30 free pixels.
    assert.deepEqual(Array.from(removeOverlaps(d, { minPixels: [25, 31] }).kept), [1, 0]);
  });

  it('names a class without a minimum', () => {
    const d = rectDetections(4, 4, [[0, 0, 2, 2]], [0.5], [3]);
    assert.throws(() => removeOverlaps(d, { minPixels: [75, 150, 75] }), /removeOverlaps: detection 0 has class 3, but options.minPixels has 3 entries/);
  });
});

describe('majorityClass and applyClassThresholds', () => {
  it('takes the most frequent class, ties to the smallest id, -1 when empty', () => {
    assert.equal(majorityClass(Int32Array.of(2, 1, 2, 1, 0)), 1);
    assert.equal(majorityClass(Int32Array.of(2, 2, 1)), 2);
    assert.equal(majorityClass(new Int32Array(0)), -1);
    assert.equal(majorityClass(Int32Array.of(0, 0, 1), Float32Array.of(0.2, 0.2, 0.9)), 1);
  });

  it("applies the majority class's threshold to every detection (the solution's 0.17/0.30/0.60)", () => {
    const d = rectDetections(8, 8, [[0, 0, 1, 1], [1, 1, 2, 2], [2, 2, 3, 3], [3, 3, 4, 4]], [0.2, 0.5, 0.65, 0.25], [2, 2, 2, 0]);
    const byMajority = applyClassThresholds(d, SOLUTION_CLASS_THRESHOLDS, { useMajorityClass: true });
    assert.deepEqual(Array.from(byMajority.scores), [Math.fround(0.65)]);
    const byOwn = applyClassThresholds(d, SOLUTION_CLASS_THRESHOLDS);
    assert.deepEqual(Array.from(byOwn.scores), [Math.fround(0.65), Math.fround(0.25)]);
    assert.equal(byOwn.masks!.length, 2);
  });
});

describe('poolDetections, ensembleNms, ensembleWbf, maskNms', () => {
  const a = rectDetections(20, 20, [[0, 0, 10, 10], [12, 12, 18, 18]], [0.9, 0.6], [0, 1]);
  const b = rectDetections(20, 20, [[1, 0, 10, 10], [12, 12, 18, 17]], [0.8, 0.7], [0, 0]);

  it('pools models in order and keeps masks with their boxes through NMS', () => {
    const pooled = poolDetections([a, b]);
    assert.deepEqual(Array.from(pooled.scores), Array.from(Float32Array.of(0.9, 0.6, 0.8, 0.7)));
    const aware = ensembleNms(pooled);
    // Class-aware at 0.4: the two class-0 squares (IoU 0.9) merge; the 12..18 boxes differ in class.
    assert.deepEqual(Array.from(aware.scores), Array.from(Float32Array.of(0.9, 0.7, 0.6)));
    assert.deepEqual(aware.masks, [pooled.masks![0], pooled.masks![3], pooled.masks![1]]);
    const agnostic = ensembleNms(pooled, { classAware: false });
    assert.deepEqual(Array.from(agnostic.scores), Array.from(Float32Array.of(0.9, 0.7)));
    const byMask = ensembleNms(pooled, { classAware: false, iou: 'mask' });
    assert.deepEqual(Array.from(byMask.scores), Array.from(Float32Array.of(0.9, 0.7)));
  });

  it('maskNms suppresses by mask IoU (90/100 > 0.5) and keeps disjoint masks', () => {
    const pooled = poolDetections([a, b]);
    assert.deepEqual(Array.from(maskNms(pooled.masks!, pooled.scores, 0.5)), [0, 3]);
    assert.deepEqual(Array.from(maskNms(pooled.masks!, pooled.scores, 0.95)), [0, 2, 3, 1]);
  });

  it('maskNms equals a naive greedy NMS on decoded masks (many overlapping masks, ties, negative thresholds)', () => {
    const n = 300;
    const blob = fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: 40 })).map(([p, len]) => {
      const m = new Uint8Array(n);
      m.fill(1, p, Math.min(n, p + len));
      return m;
    });
    const problem = fc.array(fc.tuple(blob, fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(problem, fc.constantFrom(-0.1, 0, 0.3, 0.5, 0.9), (items, threshold) => {
        const masks = items.map(([m]) => m);
        const scores = Float32Array.from(items, ([, s]) => s / 5);
        const iou = (a: Uint8Array, b: Uint8Array) => {
          let inter = 0;
          let union = 0;
          for (let p = 0; p < n; p++) {
            inter += a[p] & b[p];
            union += a[p] | b[p];
          }
          return union > 0 ? inter / union : 0;
        };
        const order = [...scores.keys()].sort((i, j) => scores[j] - scores[i] || i - j);
        const suppressed = new Set<number>();
        const expected: number[] = [];
        order.forEach((i, p) => {
          if (suppressed.has(i)) return;
          expected.push(i);
          for (const j of order.slice(p + 1)) if (iou(masks[i], masks[j]) > threshold) suppressed.add(j);
        });
        assert.deepEqual(Array.from(maskNms(masks.map(encodeCounts), scores, threshold)), expected);
      }),
      { numRuns: 150 },
    );
  });

  it('ensembleWbf fuses boxes and carries the top member mask', () => {
    const fused = ensembleWbf([a, b]);
    assert.equal(fused.scores.length, 3);
    assert.deepEqual(fused.masks![0], a.masks![0]);
  });

  it('refuses images of different sizes', () => {
    assert.throws(() => poolDetections([a, rectDetections(10, 20, [], [], [])]), /poolDetections: perModel\[1\] is 10 x 20, perModel\[0\] is 20 x 20/);
  });
});
