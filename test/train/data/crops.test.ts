import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cocoRleEncode, kaggleRleEncode, kaggleRleRuns } from '../../../src/rle/index.js';
import { BitMasks } from '../../../src/structures/index.js';
import {
  cropFromColumnCounts,
  cropFromRowRuns,
  cropToPlane,
  flipCropHorizontal,
  flipCropVertical,
  packCrops,
  resizeCropNearest,
  tightenCrop,
} from '../../../src/train/data/crops.js';
import { pilNearestIndex, pilResizeNearest } from '../../../src/train/data/pil-resize.js';

/** A random H x W 0/1 mask, H and W in 1..9. */
const maskArbitrary = fc
  .record({ height: fc.integer({ min: 1, max: 9 }), width: fc.integer({ min: 1, max: 9 }) })
  .chain(({ height, width }) =>
    fc.record({
      height: fc.constant(height),
      width: fc.constant(width),
      data: fc.uint8Array({ minLength: height * width, maxLength: height * width, min: 0, max: 1 }),
    }),
  );

function isEmpty(data: Uint8Array | Uint8ClampedArray): boolean {
  return data.every((v) => v === 0);
}

describe('cropFromRowRuns / cropFromColumnCounts', () => {
  it('crop a small mask by hand: bounds are one past the last pixel', () => {
    // 3 x 4 image, pixels (y, x) = (1, 1), (1, 2), (2, 2).
    const mask = Uint8Array.of(0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0);
    const expected = { x: 1, y: 1, width: 2, height: 2, data: Uint8Array.of(1, 1, 0, 1) };
    assert.deepEqual(cropFromRowRuns(kaggleRleRuns(kaggleRleEncode(mask, 3, 4), 3, 4), 4), expected);
    assert.deepEqual(cropFromColumnCounts(cocoRleEncode(mask, 3, 4).counts, 3), expected);
  });

  it('follow a run across the end of a row', () => {
    // "4 3" on a 2 x 4 image: pixels 3..5 (0-based) = (0, 3), (1, 0), (1, 1).
    assert.deepEqual(cropFromRowRuns(kaggleRleRuns('4 3', 2, 4), 4), { x: 0, y: 0, width: 4, height: 2, data: Uint8Array.of(0, 0, 0, 1, 1, 1, 0, 0) });
  });

  it('give the mask back when drawn into the image, with its tight box, for random masks', () => {
    fc.assert(
      fc.property(maskArbitrary, ({ height, width, data }) => {
        const fromRuns = cropFromRowRuns(kaggleRleRuns(kaggleRleEncode(data, height, width), height, width), width);
        const fromCounts = cropFromColumnCounts(cocoRleEncode(data, height, width).counts, height);
        if (isEmpty(data)) {
          assert.equal(fromRuns, null);
          assert.equal(fromCounts, null);
          return;
        }
        assert.deepEqual(fromCounts, fromRuns);
        assert.deepEqual(cropToPlane(fromRuns!, height, width), data);
        const { x, y, width: w, height: h } = fromRuns!;
        assert.deepEqual([x, y, x + w, y + h], Array.from(new BitMasks(data, height, width).boundingBoxes()));
      }),
    );
  });
});

describe('resizeCropNearest', () => {
  it("gives the crop of Pillow's whole-image NEAREST resize, for random masks and sizes", () => {
    fc.assert(
      fc.property(maskArbitrary, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), ({ height, width, data }, h, w) => {
        const crop = cropFromRowRuns(kaggleRleRuns(kaggleRleEncode(data, height, width), height, width), width);
        fc.pre(crop !== null);
        const expected = pilResizeNearest({ data, height, width, channels: 1 }, h, w).data;
        const resized = resizeCropNearest(crop!, pilNearestIndex(width, w), pilNearestIndex(height, h));
        if (isEmpty(expected)) assert.equal(resized, null);
        else assert.deepEqual(cropToPlane(resized!, h, w), expected);
        if (resized !== null) assert.equal(tightenCrop(resized), resized);
      }),
    );
  });
});

describe('flips', () => {
  // 2 x 3 crop at (x, y) = (1, 2) in a 5-wide, 6-high image.
  const crop = { x: 1, y: 2, width: 3, height: 2, data: Uint8Array.of(1, 1, 0, 0, 0, 1) };

  it('mirror a crop left-right: x -> W - x - w, rows reversed', () => {
    assert.deepEqual(flipCropHorizontal(crop, 5), { x: 1, y: 2, width: 3, height: 2, data: Uint8Array.of(0, 1, 1, 1, 0, 0) });
    assert.deepEqual(flipCropHorizontal({ ...crop, x: 0 }, 5).x, 2); // columns 0..2 -> 2..4
  });

  it('mirror a crop top-bottom: y -> H - y - h, row order reversed', () => {
    assert.deepEqual(flipCropVertical(crop, 6), { x: 1, y: 2, width: 3, height: 2, data: Uint8Array.of(0, 0, 1, 1, 1, 0) });
    assert.deepEqual(flipCropVertical({ ...crop, y: 0 }, 6).y, 4); // rows 0..1 -> 4..5
  });

  it('match flipping the whole plane', () => {
    const plane = cropToPlane(crop, 6, 5);
    const flippedLr = Uint8Array.from(plane, (_, p) => plane[Math.floor(p / 5) * 5 + 4 - (p % 5)]);
    const flippedUd = Uint8Array.from(plane, (_, p) => plane[(5 - Math.floor(p / 5)) * 5 + (p % 5)]);
    assert.deepEqual(cropToPlane(flipCropHorizontal(crop, 5), 6, 5), flippedLr);
    assert.deepEqual(cropToPlane(flipCropVertical(crop, 6), 6, 5), flippedUd);
  });
});

describe('tightenCrop / packCrops', () => {
  it('drops empty border rows and columns, moving the origin', () => {
    const loose = { x: 4, y: 7, width: 3, height: 3, data: Uint8Array.of(0, 0, 0, 0, 1, 1, 0, 0, 0) };
    assert.deepEqual(tightenCrop(loose), { x: 5, y: 8, width: 2, height: 1, data: Uint8Array.of(1, 1) });
    assert.equal(tightenCrop({ ...loose, data: new Uint8Array(9) }), null);
  });

  it('packs crops into views of one buffer', () => {
    const a = { x: 0, y: 0, width: 1, height: 2, data: Uint8Array.of(1, 1) };
    const b = { x: 3, y: 1, width: 2, height: 1, data: Uint8Array.of(1, 0) };
    const packed = packCrops([a, b]);
    assert.deepEqual(packed, [a, b]);
    assert.equal(packed[0].data.buffer, packed[1].data.buffer);
    assert.equal(packed[0].data.buffer.byteLength, 4);
  });
});
