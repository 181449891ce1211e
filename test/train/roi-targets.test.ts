import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { matchBoxes } from '../../src/train/matcher.js';
import { gatherBoxes } from '../../src/structures/boxes.js';
import { type RoiTargetOptions, sampleProposals } from '../../src/train/roi-targets.js';
import { Random } from '../../src/utils/random.js';
import { f32, maxAbsDiff } from '../tf/compare.js';

interface RoiFixture {
  roi: {
    numClasses: number;
    cases: {
      proposals: string;
      gt: string;
      gtLabels: number[];
      positive: number[];
      negative: number[];
      sampled: number[];
      boxes: string;
      labels: number[];
      matchedIdxs: number[];
      regressionTargets: string;
    }[];
  };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/train_targets.json', import.meta.url), 'utf8')) as RoiFixture;

/** Detectron2's MODEL.ROI_HEADS defaults, 3 classes, a batch of 64 as in the fixture. */
const D2: RoiTargetOptions = {
  thresholds: [0.5],
  labels: [0, 1],
  batchSizePerImage: 64,
  positiveFraction: 0.25,
  numClasses: 3,
  boxWeights: [10, 10, 5, 5],
  style: 'detectron2',
};
const TV: RoiTargetOptions = { ...D2, style: 'torchvision' };

describe('sampleProposals', () => {
  it('by hand: the appended gt box is a foreground RoI of its class with zero deltas', () => {
    const gt = Float32Array.of(10, 10, 30, 40);
    // Proposal 0: IoU 0.25 -> background; proposal 1: IoU 0.9 (18 x 30 inside) -> foreground.
    const proposals = Float32Array.of(20, 10, 40, 30, 12, 10, 30, 40);
    const t = sampleProposals(proposals, gt, Int32Array.of(2), D2, new Random(0));
    assert.equal(t.numForeground, 2);
    assert.deepEqual([...t.boxes], [12, 10, 30, 40, 10, 10, 30, 40, 20, 10, 40, 30]); // fg: proposal 1, gt (index 2); bg: proposal 0
    assert.deepEqual([...t.classes], [2, 2, 3]); // background = numClasses
    assert.deepEqual([...t.matchedGt], [0, 0, 0]);
    // Proposal 1: w 18, centre x 21 -> dx = 10 * (20 - 21) / 18, dw = 5 * log(20 / 18).
    assert.ok(maxAbsDiff(t.deltas, [-10 / 18, 0, 5 * Math.log(20 / 18), 0, 0, 0, 0, 0, 0, 0, 0, 0]) < 1e-5);
    const tv = sampleProposals(proposals, gt, Int32Array.of(3), TV, new Random(0));
    assert.deepEqual([...tv.classes], [3, 3, 0]); // torchvision: classes 1..K, background 0
  });

  it('with no gt: every RoI is background (class K, matched gt 0, zero deltas)', () => {
    const proposals = Float32Array.from({ length: 40 }, (_, i) => (i % 4 < 2 ? i : i + 10));
    const t = sampleProposals(proposals, new Float32Array(0), new Int32Array(0), D2, new Random(0));
    assert.equal(t.numForeground, 0);
    assert.deepEqual([...t.classes], new Array(10).fill(3));
    assert.deepEqual([...t.matchedGt], new Array(10).fill(0));
    assert.ok(t.deltas.every((v) => v === 0));
    assert.deepEqual([...sampleProposals(proposals, new Float32Array(0), new Int32Array(0), TV, new Random(0)).classes], new Array(10).fill(0));
  });

  for (const [n, c] of fixture.roi.cases.entries()) {
    const proposals = f32(c.proposals);
    const gt = f32(c.gt);
    const sampled = { positive: Int32Array.from(c.positive), negative: Int32Array.from(c.negative) };
    // Ours: foreground then background, each ascending; torchvision: all sampled indices ascending.
    const order = [...c.positive, ...c.negative].map((i) => c.sampled.indexOf(i));

    it(`torchvision style, its draws injected: equals select_training_samples (case ${n}: ${c.positive.length} fg + ${c.negative.length} bg)`, () => {
      const t = sampleProposals(proposals, gt, Int32Array.from(c.gtLabels), TV, new Random(0), sampled);
      assert.equal(t.numForeground, c.positive.length);
      assert.deepEqual(t.boxes, gatherBoxes(f32(c.boxes), order));
      assert.deepEqual([...t.classes], order.map((k) => c.labels[k]));
      assert.deepEqual([...t.matchedGt], order.map((k) => c.matchedIdxs[k]));
      const fg = 4 * t.numForeground;
      const expected = gatherBoxes(f32(c.regressionTargets), order).subarray(0, fg);
      assert.ok(maxAbsDiff(t.deltas.subarray(0, fg), expected) <= 1e-5, `max error ${maxAbsDiff(t.deltas.subarray(0, fg), expected)}`);
      assert.ok(t.deltas.subarray(fg).every((v) => v === 0));
    });

    it(`detectron2 style on the same draws: classes 0..K-1 with background K, background RoIs keep their argmax gt (case ${n})`, () => {
      const t = sampleProposals(proposals, gt, Int32Array.from(c.gtLabels, (l) => l - 1), D2, new Random(0), sampled);
      const tv = sampleProposals(proposals, gt, Int32Array.from(c.gtLabels), TV, new Random(0), sampled);
      assert.deepEqual(t.boxes, tv.boxes);
      assert.deepEqual(t.deltas, tv.deltas);
      assert.deepEqual([...t.classes], [...tv.classes].map((l) => (l === 0 ? D2.numClasses : l - 1)));
      const all = new Float32Array([...proposals, ...gt]);
      const argmax = matchBoxes(gt, all, { thresholds: [0.5], labels: [0, 1], allowLowQualityMatches: false }).matches;
      assert.deepEqual([...t.matchedGt], [...c.positive, ...c.negative].map((i) => argmax[i]));
    });
  }

  it('draws its own sample: at most batch * fraction foreground, the rest background, reproducibly', () => {
    const [c] = fixture.roi.cases;
    const proposals = f32(c.proposals);
    const gt = f32(c.gt);
    const classes = Int32Array.from(c.gtLabels, (l) => l - 1);
    const t = sampleProposals(proposals, gt, classes, D2, new Random(5));
    const matched = matchBoxes(gt, new Float32Array([...proposals, ...gt]), { thresholds: [0.5], labels: [0, 1], allowLowQualityMatches: false });
    assert.ok(matched.labels.filter((l) => l === 1).length > 16);
    assert.equal(t.numForeground, 16); // floor(64 * 0.25)
    assert.equal(t.classes.length, 64);
    assert.ok(t.classes.subarray(0, 16).every((k) => k >= 0 && k < 3));
    assert.ok(t.classes.subarray(16).every((k) => k === 3));
    assert.deepEqual(sampleProposals(proposals, gt, classes, D2, new Random(5)), t);
  });

  it('rejects bad input and injected draws that contradict the matching, naming the function and the argument', () => {
    const gt = Float32Array.of(10, 10, 30, 40);
    const proposals = Float32Array.of(20, 10, 40, 30, 12, 10, 30, 40);
    const rng = new Random(0);
    const one = Int32Array.of(1);
    assert.throws(() => sampleProposals(proposals, gt, Int32Array.of(1, 2), D2, rng), /sampleProposals: gtClasses must be an Int32Array of length 1 \(one per gt box\), got Int32Array of length 2/);
    assert.throws(() => sampleProposals(proposals, gt, Int32Array.of(3), D2, rng), /sampleProposals: gtClasses\[0\] is 3, outside \[0, 2\] \(detectron2 style\)/);
    assert.throws(() => sampleProposals(proposals, gt, Int32Array.of(0), TV, rng), /sampleProposals: gtClasses\[0\] is 0, outside \[1, 3\] \(torchvision style\)/);
    assert.throws(() => sampleProposals(proposals, gt, one, { ...D2, style: 'mmdet' as 'detectron2' }, rng), /sampleProposals: options.style must be 'detectron2' or 'torchvision', got string "mmdet"/);
    assert.throws(() => sampleProposals(proposals, gt, one, { ...D2, numClasses: 0 }, rng), /sampleProposals: options.numClasses must be a positive integer, got number 0/);
    assert.throws(() => sampleProposals(proposals.subarray(2), gt, one, D2, rng), /sampleProposals: proposals: expected a flat \[N, 4\] array, got length 6/);
    assert.throws(() => sampleProposals(Float32Array.of(0, 0, Infinity, 1), gt, one, D2, rng), /sampleProposals: proposals must hold finite coordinates, got Infinity in box 0 \(coordinate 2\)/);
    assert.throws(() => sampleProposals(proposals, gt, one, { ...D2, labels: [0, 1, 1] }, rng), /sampleProposals: options.labels must hold 2 labels/);
    assert.throws(() => sampleProposals(proposals, gt, one, { ...D2, batchSizePerImage: -3 }, rng), /sampleProposals: options.batchSizePerImage must be a non-negative integer/);
    const inject = (positive: number[], negative: number[]) => ({ positive: Int32Array.from(positive), negative: Int32Array.from(negative) });
    assert.throws(() => sampleProposals(proposals, gt, one, D2, rng, inject([0], [])), /sampleProposals: sampled.positive holds index 0, which does not have a foreground match/);
    assert.throws(() => sampleProposals(proposals, gt, one, D2, rng, inject([], [2])), /sampleProposals: sampled.negative holds index 2, which does not have a background match/);
  });
});
