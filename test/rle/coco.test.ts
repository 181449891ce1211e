import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
  type CocoRle,
  RleParseError,
  cocoBboxIou,
  cocoRleArea,
  cocoRleDecode,
  cocoRleEncode,
  cocoRleFromJson,
  cocoRleFromString,
  cocoRleIou,
  cocoRleMerge,
  cocoRleToBbox,
  cocoRleToJson,
  cocoRleToString,
  cocoToKaggleRle,
  kaggleRleEncode,
  kaggleRleToCoco,
} from '../../src/rle/index.js';

/** Random row-major [H, W] masks with a few rectangles. */
const imageArb = fc
  .tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }))
  .chain(([h, w]) =>
    fc
      .array(fc.tuple(fc.nat(h - 1), fc.nat(w - 1), fc.integer({ min: 1, max: h }), fc.integer({ min: 1, max: w })), { maxLength: 4 })
      .map((rects) => {
        const mask = new Uint8Array(h * w);
        for (const [y0, x0, rh, rw] of rects) {
          for (let y = y0; y < Math.min(h, y0 + rh); y++) mask.fill(1, y * w + x0, y * w + Math.min(w, x0 + rw));
        }
        return { h, w, mask };
      }),
  );

/** The tight [x, y, w, h] box of a row-major mask, pixel by pixel. */
function pixelBbox(mask: Uint8Array, h: number, w: number): number[] {
  let [x0, y0, x1, y1] = [w, h, -1, -1];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  return x1 < 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

describe('COCO RLE', () => {
  it('encodes column-major, by hand', () => {
    // 2 x 3 mask, row-major:   . X X      column-major pixel order: (0,0) (1,0) (0,1) (1,1) (0,2) (1,2)
    //                          . . X      values:                     0     0     1     0     1     1
    const rle = cocoRleEncode([0, 1, 1, 0, 0, 1], 2, 3);
    assert.deepEqual(rle.size, [2, 3]);
    assert.deepEqual([...rle.counts], [2, 1, 1, 2]);
    assert.deepEqual([...cocoRleDecode(rle)], [0, 1, 1, 0, 0, 1]);
    assert.deepEqual(cocoRleToBbox(rle), [1, 0, 2, 2]);
    assert.equal(cocoRleArea(rle), 3);
    // String: '2', '1', '1', then counts[3] - counts[1] = 2 - 1 = 1 -> '1'.
    assert.deepEqual(cocoRleToJson(rle), { size: [2, 3], counts: '2111' });
  });

  it('writes and reads the compressed strings worked out in scripts/fixtures/rle.py', () => {
    assert.equal(cocoRleToString(Uint32Array.of(2, 3, 40)), '23X1');
    assert.equal(cocoRleToString(Uint32Array.of(0, 10, 2, 3)), '0:2I'); // 3 - 10 = -7 -> 'I'
    assert.deepEqual([...cocoRleFromString('0:2I')], [0, 10, 2, 3]);
    assert.deepEqual([...cocoRleFromString('')], []);
    // 2^32 - 1, the largest count, survives the trip.
    assert.deepEqual([...cocoRleFromString(cocoRleToString(Uint32Array.of(0xffffffff, 1, 7, 0xffffffff)))], [0xffffffff, 1, 7, 0xffffffff]);
  });

  it('round-trips masks through counts, strings and Kaggle text; bbox equals the pixel bbox', () => {
    fc.assert(
      fc.property(imageArb, ({ h, w, mask }) => {
        const rle = cocoRleEncode(mask, h, w);
        assert.deepEqual(cocoRleDecode(rle), mask);
        assert.deepEqual(cocoRleFromString(cocoRleToString(rle.counts)), rle.counts);
        assert.deepEqual(cocoRleFromJson(cocoRleToJson(rle)), rle);
        assert.deepEqual(cocoRleFromJson({ size: [h, w], counts: [...rle.counts] }), rle);
        assert.deepEqual(cocoRleToBbox(rle), pixelBbox(mask, h, w));
        assert.equal(cocoToKaggleRle(rle), kaggleRleEncode(mask, h, w));
        assert.deepEqual(kaggleRleToCoco(kaggleRleEncode(mask, h, w), h, w), rle);
      }),
    );
  });

  it('round-trips arbitrary counts through the string form', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(40), fc.nat(0xffffffff)), { maxLength: 12 }), (values) => {
        const counts = Uint32Array.from(values);
        assert.deepEqual(cocoRleFromString(cocoRleToString(counts)), counts);
      }),
    );
  });

  it('rejects malformed strings with the reason and position', () => {
    const reason = (s: string) => {
      try {
        cocoRleFromString(s);
      } catch (e) {
        assert.ok(e instanceof RleParseError);
        return [e.reason, e.position];
      }
      return ['accepted'];
    };
    assert.deepEqual(reason('23 1'), ['bad-character', 2]);
    assert.deepEqual(reason('23p'), ['bad-character', 2]); // 'p' = 112, past 'o'
    assert.deepEqual(reason('23X'), ['truncated', 2]); // 'X' promises another group
    assert.deepEqual(reason('0:2I0I'), ['negative-run', 5]); // 0 + (-7) at index 5 after counts[3] = 3 -> -4
    assert.deepEqual(reason('ooooooooo1'), ['run-too-large', 0]);
    assert.throws(() => cocoRleFromJson({ size: [2, 3], counts: '23' }), /cocoRleFromJson: json.counts cover 5 pixels but size is 2 x 3 = 6/);
    assert.throws(() => cocoRleFromJson({ size: [2, 3], counts: [3, -3] }), /cocoRleFromJson: counts\[1\] must be a non-negative integer, got -3/);
  });

  it('merges, scores IoU and checks sizes', () => {
    const a = cocoRleEncode([1, 1, 0, 0], 2, 2);
    const b = cocoRleEncode([0, 1, 1, 0], 2, 2);
    assert.deepEqual([...cocoRleDecode(cocoRleMerge([a, b]))], [1, 1, 1, 0]);
    assert.deepEqual([...cocoRleDecode(cocoRleMerge([a, b], true))], [0, 1, 0, 0]);
    assert.deepEqual([...cocoRleIou([a], [b, a], [0, 0])], [1 / 3, 1]);
    const other: CocoRle = { size: [1, 4], counts: Uint32Array.of(4) };
    assert.throws(() => cocoRleIou([a], [other]), /cocoRleIou: gt\[0\] is 1 x 4 but dt\[0\] is 2 x 2/);
    assert.throws(() => cocoRleMerge([a, other]), /cocoRleMerge: rles\[1\] is 1 x 4 but rles\[0\] is 2 x 2/);
    assert.throws(() => cocoRleDecode({ size: [2, 2], counts: Uint32Array.of(3) }), /cocoRleDecode: rle.counts cover 3 pixels but size is 2 x 2 = 4/);
  });

  it('scores boxes like bbIou, by hand', () => {
    const dt = [[0, 0, 10, 10], [5, 5, 10, 10]] as const;
    const gt = [[0, 0, 10, 10], [10, 0, 5, 5], [5, 0, 10, 10]] as const;
    // dt0 vs gt2: x 5..10, y 0..10 -> 50 / (100 + 100 - 50); dt1 vs gt0: 5 x 5 = 25 / 175;
    // dt1 vs gt2: x 5..15, y 5..10 -> 50 / 150; gt1 only touches dt0 and dt1 -> 0.
    assert.deepEqual([...cocoBboxIou(dt, gt)], [1, 0, 50 / 150, 25 / 175, 0, 50 / 150]);
    // Crowd: union = detection area 100.
    assert.deepEqual([...cocoBboxIou(dt, gt, [1, 1, 1])], [1, 0, 0.5, 0.25, 0, 0.5]);
    assert.throws(() => cocoBboxIou([[0, 0, 1]] as never, []), /cocoBboxIou: dt\[0\] must be \[x, y, w, h\]/);
  });
});
