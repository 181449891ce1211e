import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import { countsOutline, maskOutline } from '../../src/report/index.js';
import { encodeCounts } from '../../src/rle/index.js';

/** A row-major H x W 0/1 mask from rows of '#' (inside) and '.' (outside). */
function picture(rows: string[]): Uint8Array {
  return Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0));
}

describe('maskOutline', () => {
  it('keeps the ring of a 3 x 3 square inside a 5 x 5 image and drops its centre', () => {
    const square = picture(['.....', '.###.', '.###.', '.###.', '.....']);
    assert.deepEqual(maskOutline(square, 5, 5), picture(['.....', '.###.', '.#.#.', '.###.', '.....']));
  });

  it('closes a mask along the image edge', () => {
    // The whole 3 x 3 image: every pixel but the centre touches the edge.
    assert.deepEqual(maskOutline(new Uint8Array(9).fill(1), 3, 3), picture(['###', '#.#', '###']));
  });

  it('counts only 4-neighbours: a diagonal gap does not make a pixel an outline pixel', () => {
    const plus = picture(['.....', '..#..', '.###.', '..#..', '.....']);
    // The centre has all four neighbours inside, though its diagonal neighbours are outside.
    assert.deepEqual(maskOutline(plus, 5, 5), picture(['.....', '..#..', '.#.#.', '..#..', '.....']));
  });

  it('names the expected size when the mask has another', () => {
    assert.throws(() => maskOutline(new Uint8Array(8), 3, 3), /maskOutline: mask must hold 3 x 3 = 9 pixels/);
    assert.throws(() => maskOutline(new Uint8Array(9), 0, 9), /maskOutline: height and width must be positive integers, got 0 x 9/);
  });
});

describe('countsOutline', () => {
  it('lists the ring of a 3 x 3 square in a 5 x 5 image by row-major index', () => {
    const counts = encodeCounts(picture(['.....', '.###.', '.###.', '.###.', '.....']));
    // Rows 1-3, columns 1-3 except the centre (2, 2) = 12.
    assert.deepEqual([...countsOutline(counts, 5, 5)], [6, 7, 8, 11, 13, 16, 17, 18]);
  });

  it('does not join a run that wraps from the end of one row to the start of the next', () => {
    // Pixels 3..5 of a 3-wide image: row 1 whole; row 0 and row 2 outside, so all three are outline.
    const counts = Uint32Array.from([3, 3, 3]);
    assert.deepEqual([...countsOutline(counts, 3, 3)], [3, 4, 5]);
    // Pixels 2..3 of a 3-wide image: (0, 2) and (1, 0) are not 4-neighbours; both are outline.
    assert.deepEqual([...countsOutline(Uint32Array.from([2, 2, 5]), 3, 3)], [2, 3]);
  });

  it('is empty for an empty mask', () => {
    assert.equal(countsOutline(Uint32Array.from([12]), 3, 4).length, 0);
  });

  it('agrees with maskOutline on random masks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.boolean(), { minLength: 81, maxLength: 81 }),
        (height, width, bits) => {
          const mask = Uint8Array.from(bits.slice(0, height * width), Number);
          const expected = [...maskOutline(mask, height, width)].flatMap((on, i) => (on === 1 ? [i] : []));
          assert.deepEqual([...countsOutline(encodeCounts(mask), height, width)], expected);
        },
      ),
    );
  });

  it('names the sizes when the runs do not cover the image', () => {
    assert.throws(() => countsOutline(Uint32Array.from([2, 3]), 2, 3), /countsOutline: counts cover 5 pixels, the image 2 x 3 has 6/);
    assert.throws(() => countsOutline([1, 2] as unknown as Uint32Array, 1, 3), /countsOutline: counts must be a Uint32Array/);
  });
});
