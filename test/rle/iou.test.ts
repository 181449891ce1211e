import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { encodeCounts, rleIntersectionArea, rleIou, rleIouPairs } from '../../src/rle/index.js';

/** Slow, obviously-correct oracle: pycocotools' IoU on decoded flat masks. */
function pixelIou(d: Uint8Array, g: Uint8Array, crowd: boolean): number {
  let inter = 0;
  let union = 0;
  let areaD = 0;
  for (let p = 0; p < d.length; p++) {
    if (d[p] && g[p]) inter++;
    if (d[p] || g[p]) union++;
    if (d[p]) areaD++;
  }
  if (inter === 0) return 0;
  return inter / (crowd ? areaD : union);
}

describe('rleIou', () => {
  it('scores hand-made masks, [D, G] row-major', () => {
    const d0 = encodeCounts([1, 1, 1, 1, 0, 0, 0, 0]); // pixels 0..3
    const d1 = encodeCounts([0, 0, 0, 0, 0, 0, 0, 0]); // empty
    const g0 = encodeCounts([0, 0, 1, 1, 1, 1, 0, 0]); // pixels 2..5: inter 2, union 6 with d0
    const g1 = encodeCounts([0, 0, 0, 0, 0, 0, 1, 1]); // disjoint from d0
    assert.deepEqual([...rleIou([d0, d1], [g0, g1])], [2 / 6, 0, 0, 0]);
    // A crowd ground truth divides by the detection's area: 2 / 4.
    assert.deepEqual([...rleIou([d0], [g0, g1], [1, 0])], [0.5, 0]);
    assert.deepEqual([...rleIou([d0], [g0], [true])], [0.5]);
    assert.equal(rleIntersectionArea(d0, g0), 2);
    assert.equal(rleIou([], [g0]).length, 0);
  });

  it('equals the IoU of the decoded masks (incl. crowd)', () => {
    const problem = fc.integer({ min: 1, max: 150 }).chain((n) => {
      const mask = fc.uint8Array({ minLength: n, maxLength: n, min: 0, max: 1 });
      const sparse = fc.array(fc.integer({ min: 0, max: n - 1 }), { maxLength: 6 }).map((ps) => {
        const m = new Uint8Array(n);
        for (const p of ps) m.fill(1, p, Math.min(n, p + 7));
        return m;
      });
      const anyMask = fc.oneof(mask, sparse);
      return fc.tuple(fc.array(anyMask, { maxLength: 4 }), fc.array(fc.tuple(anyMask, fc.boolean()), { maxLength: 4 }));
    });
    fc.assert(
      fc.property(problem, ([dts, gts]) => {
        const iou = rleIou(dts.map(encodeCounts), gts.map(([m]) => encodeCounts(m)), gts.map(([, c]) => c));
        assert.equal(iou.length, dts.length * gts.length);
        dts.forEach((d, i) =>
          gts.forEach(([g, crowd], j) => {
            const expected = pixelIou(d, g, crowd);
            assert.ok(Math.abs(iou[i * gts.length + j] - expected) < 1e-12, `dt ${i} gt ${j}: ${iou[i * gts.length + j]} vs ${expected}`);
            assert.equal(rleIntersectionArea(encodeCounts(d), encodeCounts(g)), d.reduce((s, v, p) => s + (v & g[p]), 0));
          }),
        );
      }),
    );
  });

  it('takes the label-image path for many masks, whichever side is disjoint, and falls back on overlap', () => {
    // Masks cut from a label image are disjoint; random blobs overlap. D * G >= 64 takes the label path.
    const n = 400;
    const disjoint = fc.uint8Array({ minLength: n, maxLength: n, min: 0, max: 12 }).map((label) =>
      Array.from({ length: 12 }, (_, k) => label.map((v) => (v === k + 1 ? 1 : 0))),
    );
    const blob = fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: 60 })).map(([p, len]) => {
      const m = new Uint8Array(n);
      m.fill(1, p, Math.min(n, p + len));
      return m;
    });
    const overlapping = fc.array(blob, { minLength: 8, maxLength: 12 });
    const side = fc.oneof(disjoint, overlapping);
    fc.assert(
      fc.property(side, side, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (dts, gts, crowd) => {
        const iscrowd = crowd.slice(0, gts.length);
        const iou = rleIou(dts.map(encodeCounts), gts.map(encodeCounts), iscrowd);
        // The sparse form lists exactly the non-zero entries, in (dt, gt) order.
        const pairs = rleIouPairs(dts.map(encodeCounts), gts.map(encodeCounts), iscrowd);
        const nonzero = [...iou.keys()].filter((k) => iou[k] > 0);
        assert.deepEqual([...pairs.dt], nonzero.map((k) => Math.floor(k / gts.length)));
        assert.deepEqual([...pairs.gt], nonzero.map((k) => k % gts.length));
        assert.deepEqual([...pairs.iou], nonzero.map((k) => iou[k]));
        dts.forEach((d, i) =>
          gts.forEach((g, j) => {
            const expected = pixelIou(d, g, iscrowd[j]);
            assert.ok(Math.abs(iou[i * gts.length + j] - expected) < 1e-12, `dt ${i} gt ${j}: ${iou[i * gts.length + j]} vs ${expected}`);
          }),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('rejects masks of different sizes and a mis-sized iscrowd', () => {
    assert.throws(() => rleIou([Uint32Array.of(4)], [Uint32Array.of(5)]), /rleIou: gt\[0\] covers 5 pixels but dt\[0\] covers 4/);
    assert.throws(() => rleIou([Uint32Array.of(4)], [Uint32Array.of(4)], [0, 1]), /rleIou: iscrowd has length 2 but there are 1 ground truths/);
    assert.throws(() => rleIou([[1] as unknown as Uint32Array], []), /rleIou: dt\[0\] must be a Uint32Array/);
    assert.throws(() => rleIntersectionArea(Uint32Array.of(1), Uint32Array.of(2)), /rleIntersectionArea: a covers 1 pixels but b covers 2/);
  });
});
