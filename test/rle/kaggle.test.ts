import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
  RleParseError,
  type RleParseReason,
  countsToKaggleRle,
  encodeCounts,
  kaggleRleDecode,
  kaggleRleEncode,
  kaggleRleRuns,
  kaggleRleToCounts,
} from '../../src/rle/index.js';

/** Asserts that `fn` throws an `RleParseError` for `reason` at `position`. */
function throwsParse(fn: () => unknown, reason: RleParseReason, position?: number): RleParseError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RleParseError, `expected RleParseError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    if (position !== undefined) assert.equal(error.position, position, error.message);
    return error;
  }
  assert.fail(`expected an RleParseError (${reason})`);
}

/** Random [H, W] masks with a few horizontal strokes, as flat row-major arrays. */
const imageArb = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }))
  .chain(([h, w]) =>
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: h * w - 1 }), fc.integer({ min: 1, max: 2 * w })), { maxLength: 6 })
      .map((strokes) => {
        const mask = new Uint8Array(h * w);
        for (const [p, n] of strokes) mask.fill(1, p, Math.min(h * w, p + n));
        return { h, w, mask };
      }),
  );

describe('kaggleRleEncode / kaggleRleDecode', () => {
  it('encodes a 3 x 4 mask by hand (row-major, 1-indexed)', () => {
    // Row 0: . X X .   pixels 2, 3 (1-indexed) -> "2 2"
    // Row 1: . . . X   pixel 8, joined with row 2's pixels 9, 10 -> "8 3"
    // Row 2: X X . .
    const mask = [0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0];
    assert.equal(kaggleRleEncode(mask, 3, 4), '2 2 8 3');
    assert.deepEqual([...kaggleRleDecode('2 2 8 3', 3, 4)], mask);
    assert.deepEqual([...kaggleRleRuns('2 2 8 3', 3, 4)], [1, 2, 7, 3]);
    assert.deepEqual([...kaggleRleToCounts('2 2 8 3', 3, 4)], [1, 2, 4, 3, 2]);
    assert.equal(kaggleRleEncode(new Uint8Array(12), 3, 4), '');
    assert.equal(kaggleRleEncode(new Uint8Array(12).fill(9), 3, 4), '1 12');
  });

  it('accepts surrounding and repeated whitespace, touching runs, and "" as empty', () => {
    assert.deepEqual([...kaggleRleDecode('  2  2\t\n8 3 \r\n', 3, 4)], [...kaggleRleDecode('2 2 8 3', 3, 4)]);
    assert.deepEqual([...kaggleRleDecode('', 3, 4)], Array(12).fill(0));
    assert.deepEqual([...kaggleRleDecode('   ', 3, 4)], Array(12).fill(0));
    assert.deepEqual([...kaggleRleDecode('1 2 3 1', 1, 4)], [1, 1, 1, 0]);
    assert.equal(countsToKaggleRle(kaggleRleToCounts('1 2 3 1', 1, 4)), '1 3');
    assert.deepEqual([...kaggleRleDecode('007 1', 1, 8)], [0, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('round-trips random masks, and its counts equal encodeCounts of the mask', () => {
    fc.assert(
      fc.property(imageArb, ({ h, w, mask }) => {
        const text = kaggleRleEncode(mask, h, w);
        assert.deepEqual(kaggleRleDecode(text, h, w), mask);
        const counts = kaggleRleToCounts(text, h, w);
        assert.deepEqual(counts, encodeCounts(mask));
        assert.equal(countsToKaggleRle(counts), text);
        assert.match(text, /^(\d+ \d+( \d+ \d+)*)?$/);
      }),
    );
  });

  it('round-trips a 520 x 704 competition-sized mask', () => {
    const h = 520;
    const w = 704;
    const mask = new Uint8Array(h * w);
    for (let y = 100; y < 140; y++) mask.fill(1, y * w + 300 + (y % 7), y * w + 330 + (y % 5));
    mask[h * w - 1] = 1;
    const text = kaggleRleEncode(mask, h, w);
    assert.ok(text.startsWith(`${100 * w + 300 + (100 % 7) + 1} `), text.slice(0, 20));
    assert.ok(text.endsWith(` ${h * w} 1`));
    assert.deepEqual(kaggleRleDecode(text, h, w), mask);
  });

  it('decodes into a reused buffer, clearing what was there', () => {
    const out = new Uint8Array(12).fill(1);
    assert.equal(kaggleRleDecode('2 2 8 3', 3, 4, out), out);
    assert.deepEqual([...out], [0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0]);
    assert.throws(() => kaggleRleDecode('1 1', 3, 4, new Uint8Array(11)), /kaggleRleDecode: out must be a Uint8Array of 3 x 4 = 12 pixels, got Uint8Array of length 11/);
  });

  it('checks the mask against the size', () => {
    assert.throws(() => kaggleRleEncode(new Uint8Array(5), 2, 3), /kaggleRleEncode: mask has 5 pixels but height x width is 2 x 3 = 6/);
    assert.throws(() => kaggleRleDecode('1 1', -1, 3), /kaggleRleDecode: height and width must be non-negative integers, got -1 x 3/);
    assert.throws(() => kaggleRleDecode(5 as unknown as string, 1, 3), /kaggleRleDecode: text must be a string, got number/);
  });
});

describe('malformed Kaggle text', () => {
  it('names the problem, the token and its position', () => {
    let e = throwsParse(() => kaggleRleDecode('1 2 5', 3, 4), 'odd-count', 4);
    assert.match(e.message, /kaggleRleDecode: odd number of values \(3\); start "5" at position 4 has no length/);
    for (const bad of ['1.5', '-3', '0x10', '1e3', 'NaN', '+4', '３']) {
      e = throwsParse(() => kaggleRleDecode(`1 2 ${bad} 1`, 3, 4), 'not-a-number', 4);
      assert.equal(e.token, bad);
    }
    e = throwsParse(() => kaggleRleRuns('0 2', 3, 4), 'start-below-1', 0);
    assert.match(e.message, /kaggleRleRuns: start "0" at position 0 is below 1/);
    throwsParse(() => kaggleRleDecode('1 0', 3, 4), 'length-below-1', 2);
    e = throwsParse(() => kaggleRleDecode('5 2 1 2', 3, 4), 'unsorted', 4);
    assert.equal(e.token, '1');
    e = throwsParse(() => kaggleRleDecode('1 3 3 2', 3, 4), 'overlap', 4);
    assert.match(e.message, /run 2 starting at 3 \(position 4\) overlaps the previous run, which covers pixels 1\.\.3/);
    throwsParse(() => kaggleRleDecode('1 3 1 3', 3, 4), 'overlap', 4);
    e = throwsParse(() => kaggleRleDecode('11 3', 3, 4), 'past-end', 0);
    assert.match(e.message, /ends at pixel 13, past the last pixel 12 of a 3 x 4 image/);
    throwsParse(() => kaggleRleDecode('99999999999999999999999 1', 3, 4), 'past-end', 0);
    throwsParse(() => kaggleRleToCounts('13 1', 3, 4), 'past-end', 0);
  });

  /** Valid run lists for a 10 x 10 image: sorted, disjoint, non-touching, as 1-indexed pairs. */
  const runsArb = fc
    .uniqueArray(fc.integer({ min: 0, max: 99 }), { minLength: 2, maxLength: 20 })
    .map((edges) => edges.sort((a, b) => a - b))
    .map((edges) => {
      const pairs: [number, number][] = [];
      for (let k = 0; k + 1 < edges.length; k += 2) pairs.push([edges[k] + 1, edges[k + 1] - edges[k]]);
      return pairs;
    });
  const text = (pairs: readonly (readonly (number | string)[])[]) => pairs.map((p) => p.join(' ')).join(' ');

  it('accepts every generated valid run list', () => {
    fc.assert(
      fc.property(runsArb, (pairs) => {
        const mask = kaggleRleDecode(text(pairs), 10, 10);
        assert.equal(kaggleRleEncode(mask, 10, 10), text(pairs));
        assert.equal(mask.reduce((s, v) => s + v, 0), pairs.reduce((s, [, n]) => s + n, 0));
      }),
    );
  });

  it('rejects corrupted run lists with the right reason', () => {
    const corruption = fc.constantFrom('odd', 'swap', 'overlap', 'zero-length', 'zero-start', 'past-end', 'junk');
    fc.assert(
      fc.property(runsArb.filter((p) => p.length >= 1), corruption, fc.nat(), fc.constantFrom('1.5', '-3', 'x', '1e3', '0x10', 'NaN'), (pairs, kind, pick, junk) => {
        const k = pick % pairs.length;
        const bad: (number | string)[][] = pairs.map((p) => [...p]);
        let reason: RleParseReason;
        switch (kind) {
          case 'odd':
            bad.push([Number(bad[bad.length - 1][0]) + 1000]);
            reason = 'odd-count';
            break;
          case 'swap':
            if (pairs.length < 2) return;
            [bad[0], bad[bad.length - 1]] = [bad[bad.length - 1], bad[0]];
            reason = 'unsorted';
            break;
          case 'overlap':
            bad.splice(k + 1, 0, [pairs[k][0] + pairs[k][1] - 1, 1]);
            reason = 'overlap';
            break;
          case 'zero-length':
            bad[k][1] = 0;
            reason = 'length-below-1';
            break;
          case 'zero-start':
            bad[0][0] = 0;
            reason = 'start-below-1';
            break;
          case 'past-end':
            bad[bad.length - 1][1] = 101 - pairs[pairs.length - 1][0] + 1;
            reason = 'past-end';
            break;
          default:
            bad[k][pick % 2] = junk;
            reason = 'not-a-number';
        }
        throwsParse(() => kaggleRleDecode(text(bad), 10, 10), reason);
      }),
    );
  });
});
