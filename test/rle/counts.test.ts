import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
  countsToIntervals,
  decodeCounts,
  encodeCounts,
  rleArea,
  rleMerge,
  rleTotal,
} from '../../src/rle/index.js';

/** Random flat 0/1 masks of 0..300 pixels, with blocky runs so that long runs occur. */
const maskArb = fc
  .array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40 })), { maxLength: 20 })
  .map((blocks) => Uint8Array.from(blocks.flatMap(([on, n]) => Array<number>(n).fill(on ? 1 : 0))));

describe('encodeCounts / decodeCounts', () => {
  it('encodes by hand like pycocotools rleEncode', () => {
    assert.deepEqual([...encodeCounts([0, 0, 1, 1, 1, 0, 1])], [2, 3, 1, 1]);
    assert.deepEqual([...encodeCounts([1, 1, 0])], [0, 2, 1]); // leading empty background run
    assert.deepEqual([...encodeCounts([0, 0, 0])], [3]);
    assert.deepEqual([...encodeCounts([1, 1, 1])], [0, 3]);
    assert.deepEqual([...encodeCounts([])], [0]);
    assert.deepEqual([...encodeCounts([0, 255, 7, 0])], [1, 2, 1]); // nonzero = foreground
  });

  it('takes the word-at-a-time path for unaligned Uint8Array views', () => {
    const buffer = new Uint8Array(64);
    buffer.fill(1, 9, 30);
    buffer[40] = 1;
    const view = buffer.subarray(3, 61); // byteOffset 3: head bytes, 13 words, 2 tail bytes
    assert.deepEqual([...encodeCounts(view)], [6, 21, 10, 1, 20]);
  });

  it('round-trips random masks and agrees with a per-pixel scan', () => {
    fc.assert(
      fc.property(maskArb, fc.integer({ min: 0, max: 3 }), (mask, offset) => {
        const shifted = new Uint8Array(mask.length + offset).subarray(offset);
        shifted.set(mask);
        const counts = encodeCounts(shifted);
        assert.deepEqual(encodeCounts(Array.from(mask)), counts);
        assert.deepEqual(decodeCounts(counts, mask.length), mask);
        assert.equal(rleTotal(counts), mask.length);
        assert.equal(rleArea(counts), mask.reduce((s, v) => s + v, 0));
      }),
    );
  });

  it('treats any nonzero byte as foreground on the word-at-a-time path', () => {
    const bytes = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 255 })), { minLength: 16, maxLength: 200 });
    fc.assert(
      fc.property(bytes, (values) => {
        assert.deepEqual(encodeCounts(Uint8Array.from(values)), encodeCounts(values.map((v) => (v === 0 ? 0 : 1))));
      }),
    );
  });

  it('rejects counts that do not cover the length, and non-Uint32Array counts', () => {
    assert.throws(() => decodeCounts(Uint32Array.of(2, 3), 6), /decodeCounts: counts cover 5 pixels but length is 6/);
    assert.throws(() => rleArea([1, 2] as unknown as Uint32Array), /rleArea: counts must be a Uint32Array of run lengths, got an array of length 2/);
    assert.throws(() => encodeCounts(null as unknown as number[]), /encodeCounts: mask must be an array-like/);
  });

  it('lists foreground intervals, joining runs split by an empty background run', () => {
    // fg 2..4, empty bg, fg 5..6, bg 7..10, empty fg, bg 11 -> one interval [2, 7).
    assert.deepEqual([...countsToIntervals(Uint32Array.of(2, 3, 0, 2, 4, 0, 1))], [2, 7]);
    assert.deepEqual([...countsToIntervals(Uint32Array.of(0, 2, 1, 1))], [0, 2, 3, 4]);
  });
});

describe('rleMerge', () => {
  it('merges by hand', () => {
    const a = Uint32Array.of(1, 3, 4); // pixels 1..3
    const b = Uint32Array.of(3, 3, 2); // pixels 3..5
    assert.deepEqual([...rleMerge([a, b])], [1, 5, 2]);
    assert.deepEqual([...rleMerge([a, b], true)], [3, 1, 4]);
    assert.deepEqual([...rleMerge([Uint32Array.of(0, 2, 6), Uint32Array.of(6, 2)], true)], [8]);
    assert.deepEqual([...rleMerge([Uint32Array.of(0, 2, 6), Uint32Array.of(6, 2)])], [0, 2, 4, 2]);
    assert.deepEqual([...rleMerge([])], []);
    assert.deepEqual([...rleMerge([a])], [...a]);
  });

  it('equals pixelwise OR / AND of the decoded masks', () => {
    const sameLength = fc.integer({ min: 0, max: 120 }).chain((n) =>
      fc.array(fc.uint8Array({ minLength: n, maxLength: n, min: 0, max: 1 }), { minLength: 1, maxLength: 4 }),
    );
    fc.assert(
      fc.property(sameLength, fc.boolean(), (masks, intersect) => {
        const n = masks[0].length;
        const expected = new Uint8Array(n);
        for (let p = 0; p < n; p++) {
          expected[p] = intersect ? (masks.every((m) => m[p] === 1) ? 1 : 0) : masks.some((m) => m[p] === 1) ? 1 : 0;
        }
        assert.deepEqual(rleMerge(masks.map(encodeCounts), intersect), encodeCounts(expected));
      }),
    );
  });

  it('rejects masks of different sizes', () => {
    assert.throws(() => rleMerge([Uint32Array.of(3), Uint32Array.of(2, 2)]), /rleMerge: rles\[1\] covers 4 pixels but rles\[0\] covers 3/);
  });
});
