import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { cocoBboxToRle, cocoPolygonToRle, cocoPolygonsToRle, cocoRleArea, cocoRleDecode, cocoRleEncode } from '../../src/rle/index.js';

/** Row-major [H, W] mask of the pixels x in [x0, x1), y in [y0, y1). */
function boxMask(h: number, w: number, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const mask = new Uint8Array(h * w);
  const [from, to] = [Math.max(0, x0), Math.min(w, x1)];
  if (from >= to) return mask;
  for (let y = Math.max(0, y0); y < Math.min(h, y1); y++) mask.fill(1, y * w + from, y * w + to);
  return mask;
}

describe('cocoPolygonToRle', () => {
  it('fills an integer rectangle with exactly its w x h pixels', () => {
    // Corners (3, 4) and (12, 10): columns 3..11 and rows 4..9, 9 x 6 = 54 pixels.
    const rle = cocoPolygonToRle([3, 4, 12, 4, 12, 10, 3, 10], 24, 31);
    assert.equal(cocoRleArea(rle), 54);
    assert.deepEqual(cocoRleDecode(rle), boxMask(24, 31, 3, 4, 12, 10));
    assert.deepEqual(cocoBboxToRle([3, 4, 9, 6], 24, 31), rle);
  });

  it('fills integer boxes exactly, clipped to the image', () => {
    const box = fc.tuple(fc.integer({ min: -5, max: 20 }), fc.integer({ min: -5, max: 20 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }));
    fc.assert(
      fc.property(box, ([x, y, bw, bh]) => {
        assert.deepEqual(cocoRleDecode(cocoBboxToRle([x, y, bw, bh], 13, 17)), boxMask(13, 17, x, y, x + bw, y + bh));
      }),
    );
  });

  it('gives the same pixels whichever vertex comes first and whichever way the outline runs', () => {
    const polygon = fc.array(fc.tuple(fc.double({ min: -3, max: 25, noNaN: true }), fc.double({ min: -3, max: 20, noNaN: true })), { minLength: 3, maxLength: 8 });
    fc.assert(
      fc.property(polygon, fc.nat(), (points, shift) => {
        const flat = (pts: [number, number][]) => pts.flat();
        const rle = cocoPolygonToRle(flat(points), 18, 22);
        const k = shift % points.length;
        const rotated = [...points.slice(k), ...points.slice(0, k)];
        assert.deepEqual(cocoPolygonToRle(flat(rotated), 18, 22), rle);
        assert.deepEqual(cocoPolygonToRle(flat([...points].reverse()), 18, 22), rle);
      }),
    );
  });

  it('gives an empty mask for a polygon outside the image', () => {
    const rle = cocoPolygonToRle([40, 40, 50, 40, 45, 50], 10, 10);
    assert.deepEqual([...rle.counts], [100]);
  });

  it('unites several polygons', () => {
    const rle = cocoPolygonsToRle([[0, 0, 2, 0, 2, 2, 0, 2], [3, 1, 5, 1, 5, 3, 3, 3]], 4, 6);
    const expected = boxMask(4, 6, 0, 0, 2, 2).map((v, p) => v | boxMask(4, 6, 3, 1, 5, 3)[p]);
    assert.deepEqual(rle, cocoRleEncode(expected, 4, 6));
  });

  it('rejects malformed polygons and sizes', () => {
    assert.throws(() => cocoPolygonToRle([1, 2, 3, 4], 5, 5), /cocoPolygonToRle: polygon must hold an even number \(at least 6\) of coordinates, got 4/);
    assert.throws(() => cocoPolygonToRle([1, 2, 3, 4, 5], 5, 5), /got 5/);
    assert.throws(() => cocoPolygonToRle([1, 2, 3, NaN, 5, 6], 5, 5), /cocoPolygonToRle: polygon\[3\] must be a finite coordinate/);
    assert.throws(() => cocoPolygonToRle([1, 2, 3, 4, 5, 6], 0, 5), /cocoPolygonToRle: image must be at least 1 x 1, got 0 x 5/);
    assert.throws(() => cocoPolygonsToRle([[1, 2, 3, 4, 5, 6], [1]], 5, 5), /cocoPolygonsToRle: polygons\[1\] must hold an even number/);
    assert.throws(() => cocoPolygonsToRle([], 5, 5), /cocoPolygonsToRle: polygons must be a non-empty array/);
  });
});
