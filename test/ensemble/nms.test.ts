import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { batchedNms, nms } from '../../src/ensemble/index.js';
import { pairwiseIou } from '../../src/structures/index.js';
import { Random } from '../../src/utils/random.js';
import { fixture } from './fixture.js';

/** The obviously-correct oracle: torchvision's loop over all later boxes, float32 IoU. */
function referenceNms(boxes: Float32Array, scores: Float32Array, t: number): number[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const f = Math.fround;
  const area = (i: number) => f(f(boxes[4 * i + 2] - boxes[4 * i]) * f(boxes[4 * i + 3] - boxes[4 * i + 1]));
  const suppressed = new Set<number>();
  const keep: number[] = [];
  for (const i of order) {
    if (suppressed.has(i)) continue;
    keep.push(i);
    for (const j of order) {
      if (j === i || suppressed.has(j) || keep.includes(j)) continue;
      const w = Math.max(0, f(Math.min(boxes[4 * i + 2], boxes[4 * j + 2]) - Math.max(boxes[4 * i], boxes[4 * j])));
      const h = Math.max(0, f(Math.min(boxes[4 * i + 3], boxes[4 * j + 3]) - Math.max(boxes[4 * i + 1], boxes[4 * j + 1])));
      const inter = f(w * h);
      if (f(inter / f(f(area(i) + area(j)) - inter)) > t) suppressed.add(j);
    }
  }
  return keep;
}

/** Boxes of mixed sizes (sub-pixel to image-sized), some degenerate, some with equal scores. */
function mixedBoxes(rng: Random, n: number): { boxes: Float32Array; scores: Float32Array } {
  const boxes = new Float32Array(4 * n);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const side = 2 ** rng.uniform(-3, 9);
    const x = rng.uniform(0, 300);
    const y = rng.uniform(0, 200);
    const kind = rng.next();
    const w = kind < 0.05 ? 0 : kind < 0.08 ? -side : side * rng.uniform(0.3, 1);
    boxes.set([x, y, x + w, y + side * rng.uniform(0.3, 1)], 4 * i);
    scores[i] = rng.int(0, 50) / 50;
  }
  return { boxes, scores };
}

describe('nms', () => {
  for (const c of fixture.nms) {
    for (const { iou, keep } of c.keeps) {
      it(`equals torchvision.ops.nms on ${c.name} boxes at IoU ${iou}`, () => {
        assert.deepEqual(Array.from(nms(Float32Array.from(c.boxes), Float32Array.from(c.scores), iou)), keep);
      });
    }
  }

  it('equals the quadratic reference on mixed sizes, degenerate boxes and tied scores', () => {
    const rng = new Random(7);
    for (let trial = 0; trial < 30; trial++) {
      const { boxes, scores } = mixedBoxes(rng, rng.int(1, 300));
      const t = rng.pick([-0.1, 0, 0.1, 0.3, 0.5, 0.9, 1]);
      assert.deepEqual(Array.from(nms(boxes, scores, t)), referenceNms(boxes, scores, t), `trial ${trial}, t ${t}`);
    }
  });

  it('keeps one of two identical boxes and both of two disjoint ones', () => {
    const boxes = Float32Array.of(0, 0, 10, 10, 0, 0, 10, 10, 20, 20, 30, 30);
    assert.deepEqual(Array.from(nms(boxes, Float32Array.of(0.5, 0.9, 0.1), 0.5)), [1, 2]);
  });

  it('suppresses only above the threshold: IoU exactly 0.5 survives at 0.5', () => {
    // [0,0,10,10] and [0,0,10,5]: inter 50, union 100.
    const boxes = Float32Array.of(0, 0, 10, 10, 0, 0, 10, 5);
    assert.deepEqual(Array.from(nms(boxes, Float32Array.of(0.9, 0.8), 0.5)), [0, 1]);
    assert.deepEqual(Array.from(nms(boxes, Float32Array.of(0.9, 0.8), 0.49)), [0]);
  });

  it('rejects malformed input naming the argument', () => {
    assert.throws(() => nms(new Float32Array(6), new Float32Array(1), 0.5), /nms: boxes .*length 6/);
    assert.throws(() => nms(new Float32Array(4), new Float32Array(2), 0.5), /nms: scores has length 2, expected 1/);
    assert.throws(() => nms(Float32Array.of(0, 0, NaN, 1), new Float32Array(1), 0.5), /nms: boxes\[0\] has coordinate 2 = NaN/);
    assert.throws(() => nms(new Float32Array(4), Float32Array.of(NaN), 0.5), /nms: scores\[0\] is NaN/);
    assert.throws(() => nms(new Float32Array(4), new Float32Array(1), NaN), /nms: iouThreshold/);
  });
});

describe('batchedNms', () => {
  for (const c of fixture.batchedNms) {
    it(`equals torchvision.ops.batched_nms at IoU ${c.iou}`, () => {
      const keep = batchedNms(Float32Array.from(c.boxes), Float32Array.from(c.scores), Int32Array.from(c.classes), c.iou);
      assert.deepEqual(Array.from(keep), c.keep);
    });
  }

  it('lets boxes of different classes coexist and sorts the result by score', () => {
    const boxes = Float32Array.of(0, 0, 10, 10, 0, 0, 10, 10, 1, 1, 10, 10);
    const keep = batchedNms(boxes, Float32Array.of(0.2, 0.9, 0.5), Int32Array.of(0, 1, 0), 0.5);
    assert.deepEqual(Array.from(keep), [1, 2]);
  });
});

describe('pairwiseIou (src/structures) against torchvision.ops.box_iou', () => {
  it('agrees to float32 precision, including empty boxes', () => {
    const { a, b, iou } = fixture.boxIou;
    const ours = pairwiseIou(Float32Array.from(a), Float32Array.from(b));
    assert.equal(ours.length, iou.length);
    ours.forEach((v, k) => assert.ok(Math.abs(v - iou[k]) <= 1e-6, `element ${k}: ${v} vs ${iou[k]}`));
  });
});
