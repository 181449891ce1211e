import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { subsampleLabels } from '../../src/train/sampler.js';
import { Random } from '../../src/utils/random.js';

const isAscendingAndDistinct = (a: Int32Array): boolean => a.every((v, i) => i === 0 || v > a[i - 1]);

describe('subsampleLabels', () => {
  it('draws floor(batch * fraction) positives and fills the batch with negatives (counts by hand)', () => {
    // 10 positives (label 1), 20 negatives (0), 5 ignored (-1).
    const labels = Int8Array.from([...Array(10).fill(1), ...Array(20).fill(0), ...Array(5).fill(-1)]);
    const { positive, negative } = subsampleLabels(labels, 16, 0.25, 0, new Random(1));
    assert.equal(positive.length, 4); // floor(16 * 0.25)
    assert.equal(negative.length, 12); // 16 - 4
    assert.ok(positive.every((i) => labels[i] === 1));
    assert.ok(negative.every((i) => labels[i] === 0));
    // 0.29 * 100 = 28.999999999999996 in floating point: Python's int() gives 28, so do we.
    assert.equal(subsampleLabels(new Int8Array(100).fill(1), 100, 0.29, 0, new Random(1)).positive.length, 28);
  });

  it('returns every element when there are too few, positives then negatives making up the shortfall', () => {
    const labels = Int32Array.from([3, 7, -1, 7, 0, 7, -1, 7, 7]); // ROI style: classes, background 7
    const all = subsampleLabels(labels, 512, 0.25, 7, new Random(5));
    assert.deepEqual([...all.positive], [0, 4]); // classes 3 and 0
    assert.deepEqual([...all.negative], [1, 3, 5, 7, 8]);
    // Few positives: the negatives take their place (batch 4, fraction 0.5 -> 1 positive available, 3 negatives).
    const few = subsampleLabels(Int8Array.from([0, 0, 1, 0, 0, 0]), 4, 0.5, 0, new Random(5));
    assert.deepEqual([...few.positive], [2]);
    assert.equal(few.negative.length, 3);
    assert.deepEqual(subsampleLabels(new Int8Array(0), 256, 0.5, 0, new Random(5)), { positive: new Int32Array(0), negative: new Int32Array(0) });
  });

  it('is deterministic from the seed and depends on it', () => {
    const labels = Int8Array.from({ length: 2000 }, (_, i) => (i % 7 === 0 ? 1 : i % 3 === 0 ? -1 : 0));
    const a = subsampleLabels(labels, 256, 0.5, 0, new Random(42));
    const b = subsampleLabels(labels, 256, 0.5, 0, new Random(42));
    const c = subsampleLabels(labels, 256, 0.5, 0, new Random(43));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.negative, c.negative);
    // Resuming from a saved state gives the same draw as going on.
    const rng = new Random(9);
    subsampleLabels(labels, 64, 0.5, 0, rng);
    const resumed = Random.fromState(rng.state());
    assert.deepEqual(subsampleLabels(labels, 64, 0.5, 0, rng), subsampleLabels(labels, 64, 0.5, 0, resumed));
  });

  it('draws uniformly: each of 20 positives is picked about 5/20 of the time', () => {
    const labels = Int8Array.from({ length: 40 }, (_, i) => (i < 20 ? 1 : 0));
    const counts = new Array<number>(20).fill(0);
    const rng = new Random(3);
    const runs = 4000;
    for (let r = 0; r < runs; r++) for (const i of subsampleLabels(labels, 10, 0.5, 0, rng).positive) counts[i]++;
    // Expected 1000 each; binomial sd about 27.
    assert.ok(counts.every((n) => Math.abs(n - 1000) < 120), `counts ${counts}`);
  });

  it('satisfies the count rules, no duplicates, labels of the right kind (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(-1, 0, 1, 2, 5), { maxLength: 300 }),
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(0, 5),
        fc.integer(),
        (values, batch, fraction, background, seed) => {
          const labels = Int32Array.from(values);
          const { positive, negative } = subsampleLabels(labels, batch, fraction, background, new Random(seed));
          const numPositives = values.filter((v) => v !== -1 && v !== background).length;
          const numNegatives = values.filter((v) => v === background).length;
          const p = Math.min(Math.trunc(batch * fraction), numPositives);
          assert.equal(positive.length, p);
          assert.equal(negative.length, Math.min(batch - p, numNegatives));
          assert.ok(isAscendingAndDistinct(positive) && isAscendingAndDistinct(negative));
          assert.ok(positive.every((i) => labels[i] !== -1 && labels[i] !== background));
          assert.ok(negative.every((i) => labels[i] === background));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects bad input, naming the function and the argument', () => {
    const labels = new Int8Array(4);
    const rng = new Random(1);
    assert.throws(() => subsampleLabels([0, 1] as unknown as Int8Array, 4, 0.5, 0, rng), /subsampleLabels: labels must be an Int32Array or Int8Array, got an array of length 2/);
    assert.throws(() => subsampleLabels(labels, -1, 0.5, 0, rng), /subsampleLabels: batchSizePerImage must be a non-negative integer, got number -1/);
    assert.throws(() => subsampleLabels(labels, 2.5, 0.5, 0, rng), /batchSizePerImage must be a non-negative integer/);
    assert.throws(() => subsampleLabels(labels, 4, 1.5, 0, rng), /subsampleLabels: positiveFraction must be a number in \[0, 1\], got number 1.5/);
    assert.throws(() => subsampleLabels(labels, 4, NaN, 0, rng), /positiveFraction must be a number in \[0, 1\], got number NaN/);
    assert.throws(() => subsampleLabels(labels, 4, 0.5, -1, rng), /subsampleLabels: backgroundLabel must be an integer other than -1/);
    assert.throws(() => subsampleLabels(labels, 4, 0.5, 0, Math as unknown as Random), /subsampleLabels: rng must be a Random/);
  });
});
