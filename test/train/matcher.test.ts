import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { pairwiseIou } from '../../src/structures/boxes.js';
import { type MatcherOptions, matchBoxes } from '../../src/train/matcher.js';
import { f32 } from '../tf/compare.js';

interface MatcherFixture {
  anchors: { anchors: string; gt: string };
  matcher: {
    name: string;
    gt?: string;
    pred?: string;
    rpn: { matches: number[]; labels: number[] };
    roi: { matches: number[]; labels: number[] };
  }[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/train_targets.json', import.meta.url), 'utf8')) as MatcherFixture;

const RPN: MatcherOptions = { thresholds: [0.3, 0.7], labels: [0, -1, 1], allowLowQualityMatches: true };
const ROI: MatcherOptions = { thresholds: [0.5], labels: [0, 1], allowLowQualityMatches: false };

/**
 * The plain Detectron2 Matcher on the full [G, N] IoU matrix of `pairwiseIou`: argmax over gt
 * (first of equal ones), interval labels with float32 thresholds, then for each gt every
 * prediction at its highest IoU gets label 1.
 */
function oracleMatch(gt: Float32Array, pred: Float32Array, options: MatcherOptions): { matches: Int32Array; labels: Int8Array } {
  const g = gt.length / 4;
  const n = pred.length / 4;
  const matches = new Int32Array(n);
  const labels = new Int8Array(n);
  if (g === 0 || n === 0) return { matches, labels: labels.fill(options.labels[0]) };
  const iou = pairwiseIou(gt, pred);
  for (let i = 0; i < n; i++) {
    let best = -1;
    for (let j = 0; j < g; j++) {
      if (iou[j * n + i] > best) {
        best = iou[j * n + i];
        matches[i] = j;
      }
    }
    const k = options.thresholds.filter((t) => Math.fround(t) <= best).length;
    labels[i] = options.labels[k];
  }
  if (options.allowLowQualityMatches) {
    for (let j = 0; j < g; j++) {
      const row = iou.subarray(j * n, (j + 1) * n);
      const highest = Math.max(...row);
      row.forEach((v, i) => {
        if (v === highest) labels[i] = 1;
      });
    }
  }
  return { matches, labels };
}

const box = (x: number, y: number, w: number, h: number): number[] => [x, y, x + w, y + h];

describe('matchBoxes', () => {
  it('labels by hand: IoU exactly 0.7 is positive, exactly 0.3 ignored, below 0.3 negative', () => {
    const gt = Float32Array.of(0, 0, 10, 10);
    // IoU with gt: 70/100, 30/100, 29/100, 100/100, 0.
    const pred = Float32Array.from([...box(0, 0, 10, 7), ...box(0, 0, 10, 3), ...box(0, 0, 29, 1), ...box(0, 0, 10, 10), ...box(50, 50, 5, 5)]);
    const rpnNoLowQuality = matchBoxes(gt, pred, { ...RPN, allowLowQualityMatches: false });
    assert.deepEqual([...rpnNoLowQuality.labels], [1, -1, 0, 1, 0]);
    assert.deepEqual([...rpnNoLowQuality.matches], [0, 0, 0, 0, 0]);
    // ROI: [0.5] -> [0, 1].
    assert.deepEqual([...matchBoxes(gt, pred, ROI).labels], [1, 0, 0, 1, 0]);
  });

  it('low-quality matches: every prediction at a gt best IoU (ties included) becomes positive, keeping its own argmax', () => {
    const gt = Float32Array.from([...box(0, 0, 10, 10), ...box(100, 0, 100, 100), ...box(100, 0, 10, 10)]);
    const pred = Float32Array.from([
      ...box(-5, 0, 10, 10), // IoU 50/150 = 1/3 with gt 0: its best, shared with the next
      ...box(5, 0, 10, 10), // 1/3 with gt 0
      ...box(100, 0, 20, 20), // 400/10000 = 0.04 with gt 1 (its best), 100/400 = 0.25 with gt 2 (argmax)
      ...box(50, 50, 5, 5), // overlaps nothing
    ]);
    const { matches, labels } = matchBoxes(gt, pred, RPN);
    assert.deepEqual([...labels], [1, 1, 1, 0]);
    assert.deepEqual([...matches], [0, 0, 2, 0]);
  });

  it('ties between gt go to the first; a prediction overlapping nothing matches gt 0', () => {
    const gt = Float32Array.from([...box(50, 50, 4, 4), ...box(0, 0, 10, 10), ...box(0, 0, 10, 10)]);
    const { matches } = matchBoxes(gt, Float32Array.from([...box(0, 0, 10, 5), ...box(100, 100, 1, 1)]), ROI);
    assert.deepEqual([...matches], [1, 0]);
  });

  it('follows Detectron2 where a gt overlaps no prediction: its best IoU is 0, so every prediction is positive', () => {
    const pred = Float32Array.from([...box(0, 0, 10, 10), ...box(20, 20, 10, 10)]);
    const far = Float32Array.from([...box(0, 0, 10, 10), ...box(500, 500, 10, 10)]);
    assert.deepEqual([...matchBoxes(far, pred, RPN).labels], [1, 1]);
    const empty = Float32Array.from([...box(0, 0, 10, 10), ...box(3, 3, 0, 5)]);
    assert.deepEqual([...matchBoxes(empty, pred, RPN).labels], [1, 1]);
    assert.deepEqual([...matchBoxes(empty, pred, { ...RPN, allowLowQualityMatches: false }).labels], [1, 0]);
  });

  it('with no gt, every label is labels[0] and every match 0 (Detectron2); with no prediction, empty arrays', () => {
    const pred = Float32Array.from([...box(0, 0, 10, 10), ...box(20, 20, 10, 10)]);
    for (const options of [RPN, ROI, { ...ROI, labels: [-1, 1] }]) {
      const { matches, labels } = matchBoxes(new Float32Array(0), pred, options);
      assert.deepEqual([...labels], [options.labels[0], options.labels[0]]);
      assert.deepEqual([...matches], [0, 0]);
    }
    const none = matchBoxes(Float32Array.of(0, 0, 1, 1), new Float32Array(0), RPN);
    assert.equal(none.labels.length, 0);
    assert.equal(none.matches.length, 0);
  });

  for (const c of fixture.matcher) {
    const gt = f32(c.gt ?? fixture.anchors.gt);
    const pred = f32(c.pred ?? fixture.anchors.anchors);
    for (const [style, options] of [['rpn', RPN], ['roi', ROI]] as const) {
      it(`equals torchvision's Matcher: ${c.name}, ${style === 'rpn' ? '(0.7, 0.3, low-quality)' : '(0.5, 0.5)'} (${gt.length / 4} gt x ${pred.length / 4})`, () => {
        const { matches, labels } = matchBoxes(gt, pred, options);
        assert.deepEqual([...labels], c[style].labels);
        assert.deepEqual([...matches], c[style].matches);
      });
    }
  }

  it('the fixture covers the cases it is meant to: ties at the thresholds, a lonely gt, positives among the anchors', () => {
    const [, ties, lonely, anchors] = fixture.matcher;
    assert.deepEqual(ties.rpn.labels.slice(0, 3), [1, -1, -1]); // IoU exactly 0.7, 0.3, 0.5
    assert.deepEqual(ties.roi.labels.slice(0, 3), [1, 0, 1]); // 0.7, 0.3, 0.5 exactly
    assert.ok(lonely.rpn.labels.every((l) => l === 1));
    assert.ok(anchors.rpn.labels.filter((l) => l === 1).length > 10);
  });

  it('equals the plain O(G*N) matcher on random integer boxes (many exact ties)', () => {
    const intBox = fc.tuple(fc.integer({ min: -5, max: 40 }), fc.integer({ min: -5, max: 40 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }));
    const boxes = (max: number) => fc.array(intBox, { maxLength: max }).map((bs) => Float32Array.from(bs.flatMap(([x, y, w, h]) => box(x, y, w, h))));
    const options = fc.constantFrom(RPN, ROI, { ...RPN, allowLowQualityMatches: false }, { thresholds: [0.2, 0.5, 0.5, 0.8], labels: [0, -1, 1, -1, 1], allowLowQualityMatches: true });
    fc.assert(
      fc.property(boxes(12), boxes(60), options, (gt, pred, opts) => {
        const fast = matchBoxes(gt, pred, opts);
        const slow = oracleMatch(gt, pred, opts);
        assert.deepEqual([...fast.labels], [...slow.labels]);
        assert.deepEqual([...fast.matches], [...slow.matches]);
      }),
      { numRuns: 300 },
    );
  });

  it('equals the plain matcher on random float boxes of very different sizes (the grid sees big and tiny boxes)', () => {
    const floatBox = fc.tuple(
      fc.float({ min: -50, max: 300, noNaN: true }),
      fc.float({ min: -50, max: 300, noNaN: true }),
      fc.float({ min: 0, max: 8, noNaN: true }),
      fc.float({ min: 0, max: 8, noNaN: true }),
    );
    const boxes = (min: number, max: number) =>
      fc.array(floatBox, { minLength: min, maxLength: max }).map((bs) => Float32Array.from(bs.flatMap(([x, y, lw, lh]) => box(x, y, Math.exp(lw) - 1, Math.exp(lh) - 1))));
    fc.assert(
      fc.property(boxes(1, 30), boxes(0, 200), fc.constantFrom(RPN, ROI), (gt, pred, opts) => {
        const fast = matchBoxes(gt, pred, opts);
        const slow = oracleMatch(gt, pred, opts);
        assert.deepEqual([...fast.labels], [...slow.labels]);
        assert.deepEqual([...fast.matches], [...slow.matches]);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects bad input, naming the function and the argument', () => {
    const ok = Float32Array.of(0, 0, 1, 1);
    assert.throws(() => matchBoxes(new Float32Array(5), ok, RPN), /matchBoxes: gtBoxes: expected a flat \[N, 4\] array, got length 5/);
    assert.throws(() => matchBoxes(ok, new Float32Array(7), RPN), /matchBoxes: predBoxes: expected a flat \[N, 4\] array, got length 7/);
    assert.throws(() => matchBoxes(ok, Float32Array.of(0, NaN, 1, 1), RPN), /matchBoxes: predBoxes must hold finite coordinates, got NaN in box 0 \(coordinate 1\)/);
    assert.throws(() => matchBoxes([0, 0, 1, 1] as unknown as Float32Array, ok, RPN), /matchBoxes: gtBoxes must be a flat \[N, 4\] Float32Array, got an array of length 4/);
    assert.throws(() => matchBoxes(ok, ok, { ...RPN, thresholds: [0.7, 0.3] }), /matchBoxes: options.thresholds must be ascending and start above 0, got \[0.7, 0.3\]/);
    assert.throws(() => matchBoxes(ok, ok, { ...ROI, thresholds: [0] }), /must be ascending and start above 0, got \[0\]/);
    assert.throws(() => matchBoxes(ok, ok, { ...ROI, thresholds: [NaN] }), /options.thresholds must be a non-empty array of finite numbers/);
    assert.throws(() => matchBoxes(ok, ok, { ...RPN, labels: [0, 1] }), /matchBoxes: options.labels must hold 3 labels in \{-1, 0, 1\} \(one per threshold interval\), got \[0, 1\]/);
    assert.throws(() => matchBoxes(ok, ok, { ...ROI, labels: [0, 2] }), /options.labels must hold 2 labels in \{-1, 0, 1\}/);
  });
});
