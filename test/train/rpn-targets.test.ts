import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import type { BoxWeights } from '../../src/rpn/box-coder.js';
import { gatherBoxes } from '../../src/structures/boxes.js';
import { encodeBoxesArray } from '../../src/train/box-targets.js';
import { matchBoxes } from '../../src/train/matcher.js';
import { type RpnTargetOptions, rpnTargets } from '../../src/train/rpn-targets.js';
import { Random } from '../../src/utils/random.js';
import { f32, maxAbsDiff } from '../tf/compare.js';

interface RpnFixture {
  anchors: { imageSize: [number, number]; anchors: string; gt: string };
  boxCoder: { weights: BoxWeights; src: string; target: string; deltas: string }[];
  rpn: { gtCount: number; positive: number[]; negative: number[]; positiveMatchedGtBoxes: string; positiveDeltas: string }[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/train_targets.json', import.meta.url), 'utf8')) as RpnFixture;

/** Detectron2's MODEL.RPN defaults. */
const OPTIONS: RpnTargetOptions = { thresholds: [0.3, 0.7], labels: [0, -1, 1], batchSizePerImage: 256, positiveFraction: 0.5, boxWeights: [1, 1, 1, 1] };

const anchors = f32(fixture.anchors.anchors);
const anchorGt = f32(fixture.anchors.gt);

describe('encodeBoxesArray', () => {
  it('encodes by hand: centre shift over the width, log of the size ratio, times the weights', () => {
    // src [0, 0, 10, 20]: w 10, h 20, centre (5, 10); target [1, -10, 21, 30]: w 20, h 40, centre (11, 10).
    const d = encodeBoxesArray(Float32Array.of(0, 0, 10, 20), Float32Array.of(1, -10, 21, 30), [10, 10, 5, 5]);
    assert.ok(maxAbsDiff(d, [(10 * 6) / 10, 0, 5 * Math.log(2), 5 * Math.log(2)]) < 1e-6);
  });

  for (const c of fixture.boxCoder) {
    it(`equals torchvision's BoxCoder.encode_single (weights ${c.weights})`, () => {
      const d = encodeBoxesArray(f32(c.src), f32(c.target), c.weights);
      assert.ok(maxAbsDiff(d, f32(c.deltas)) <= 1e-5, `max error ${maxAbsDiff(d, f32(c.deltas))}`);
    });
  }

  it('rejects bad input, naming the function and the argument', () => {
    const box = Float32Array.of(0, 0, 1, 1);
    assert.throws(() => encodeBoxesArray(new Float32Array(3), box, [1, 1, 1, 1]), /encodeBoxesArray: src must be a flat \[R, 4\] Float32Array, got Float32Array of length 3/);
    assert.throws(() => encodeBoxesArray(box, new Float32Array(8), [1, 1, 1, 1]), /encodeBoxesArray: target must be a flat \[1, 4\] Float32Array \(one per src box\)/);
    assert.throws(() => encodeBoxesArray(box, box, [1, 1, 0, 1]), /encodeBoxesArray: boxWeights must be 4 positive numbers/);
    assert.throws(() => encodeBoxesArray(Float32Array.of(0, 0, 0, 1), box, [1, 1, 1, 1]), /encodeBoxesArray: src box 0 \[0, 0, 0, 1\] must have positive width and height/);
  });
});

describe('rpnTargets', () => {
  it('by hand: an anchor equal to the gt is a positive with zero deltas; a half-shifted one is ignored; a far one negative', () => {
    const gt = Float32Array.of(10, 10, 30, 30);
    const a = Float32Array.from([10, 10, 30, 30, 20, 10, 40, 30, 100, 100, 120, 120, 12, 10, 32, 30]);
    // IoU with gt: 1, 200/600 = 1/3 (ignored), 0 (negative), 360/440 = 0.82 (positive, dx = 2/20).
    const t = rpnTargets(a, gt, OPTIONS, new Random(0));
    assert.deepEqual([...t.labels], [1, -1, 0, 1]);
    assert.deepEqual([...t.matchedGtBoxes], [...gt, ...gt, ...gt, ...gt]);
    assert.ok(maxAbsDiff(t.deltas, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.1, 0, 0, 0]) < 1e-7);
  });

  for (const c of fixture.rpn) {
    it(`with torchvision's draws injected, equals its labels, matched boxes and deltas (${c.gtCount} gt, ${c.positive.length} + ${c.negative.length} sampled)`, () => {
      const gt = anchorGt.subarray(0, 4 * c.gtCount);
      const sampled = { positive: Int32Array.from(c.positive), negative: Int32Array.from(c.negative) };
      const t = rpnTargets(anchors, gt, OPTIONS, new Random(0), sampled);
      const expected = new Int8Array(anchors.length / 4).fill(-1);
      for (const i of c.positive) expected[i] = 1;
      for (const i of c.negative) expected[i] = 0;
      assert.deepEqual(t.labels, expected);
      assert.deepEqual(gatherBoxes(t.matchedGtBoxes, c.positive), f32(c.positiveMatchedGtBoxes));
      const d = gatherBoxes(t.deltas, c.positive);
      assert.ok(maxAbsDiff(d, f32(c.positiveDeltas)) <= 1e-5, `max error ${maxAbsDiff(d, f32(c.positiveDeltas))}`);
      // Every other row of the deltas is zero.
      assert.equal(t.deltas.filter((v) => v !== 0).length, d.filter((v) => v !== 0).length);
    });
  }

  it('samples 256 anchors, at most half positive, only among matched labels, reproducibly from the seed', () => {
    const match = matchBoxes(anchorGt, anchors, { ...OPTIONS, allowLowQualityMatches: true });
    const numMatched = match.labels.filter((l) => l === 1).length;
    const a = rpnTargets(anchors, anchorGt, OPTIONS, new Random(7));
    assert.equal(a.labels.filter((l) => l === 1).length, Math.min(numMatched, 128));
    assert.equal(a.labels.filter((l) => l !== -1).length, 256);
    a.labels.forEach((l, i) => {
      if (l !== -1) assert.equal(l, match.labels[i]);
    });
    assert.deepEqual(rpnTargets(anchors, anchorGt, OPTIONS, new Random(7)), a);
    const b = rpnTargets(anchors, anchorGt, { ...OPTIONS, batchSizePerImage: 16, positiveFraction: 0.25 }, new Random(7));
    assert.equal(b.labels.filter((l) => l === 1).length, 4);
    assert.equal(b.labels.filter((l) => l === 0).length, 12);
  });

  it('with no gt: every sampled anchor is background, matched boxes and deltas are zeros', () => {
    const t = rpnTargets(anchors, new Float32Array(0), OPTIONS, new Random(1));
    assert.equal(t.labels.filter((l) => l === 0).length, 256);
    assert.equal(t.labels.filter((l) => l === 1).length, 0);
    assert.ok(t.matchedGtBoxes.every((v) => v === 0) && t.deltas.every((v) => v === 0));
  });

  it('rejects bad input and injected draws that contradict the matching, naming the function and the argument', () => {
    const gt = Float32Array.of(10, 10, 30, 30);
    const a = Float32Array.from([10, 10, 30, 30, 20, 10, 40, 30, 100, 100, 120, 120]);
    const rng = new Random(0);
    const inject = (positive: number[], negative: number[]) => ({ positive: Int32Array.from(positive), negative: Int32Array.from(negative) });
    assert.throws(() => rpnTargets(a, gt, OPTIONS, rng, inject([1], [2])), /rpnTargets: sampled.positive holds index 1, which does not have match label 1/);
    assert.throws(() => rpnTargets(a, gt, OPTIONS, rng, inject([0], [0])), /rpnTargets: sampled index 0 appears more than once/);
    assert.throws(() => rpnTargets(a, gt, OPTIONS, rng, inject([0], [1])), /rpnTargets: sampled.negative holds index 1, which does not have match label 0/);
    assert.throws(() => rpnTargets(a, gt, OPTIONS, rng, inject([0], [3])), /rpnTargets: sampled.negative holds index 3, outside \[0, 3\)/);
    assert.throws(() => rpnTargets(a.subarray(1), gt, OPTIONS, rng), /rpnTargets: anchors: expected a flat \[N, 4\] array, got length 11/);
    assert.throws(() => rpnTargets(a, Float32Array.of(0, 0, NaN, 1), OPTIONS, rng), /rpnTargets: gtBoxes must hold finite coordinates, got NaN in box 0/);
    assert.throws(() => rpnTargets(a, gt, { ...OPTIONS, thresholds: [0.7, 0.3] }, rng), /rpnTargets: options.thresholds must be ascending/);
    assert.throws(() => rpnTargets(a, gt, { ...OPTIONS, positiveFraction: 2 }, rng), /rpnTargets: options.positiveFraction must be a number in \[0, 1\]/);
    assert.throws(() => rpnTargets(a, gt, { ...OPTIONS, boxWeights: [1, 1, 1] as unknown as BoxWeights }, rng), /rpnTargets: boxWeights must be 4 positive numbers/);
  });
});
