import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { type CroppedMask, type MaskTargetOptions, croppedMaskFromBitMask, maskTargets } from '../../src/train/mask-targets.js';
import { referenceRoiAlign } from '../roi/roi-align-oracle.js';
import { f32, maxAbsDiff } from '../tf/compare.js';

interface MaskFixture {
  masks: {
    imageSize: [number, number];
    masks: string[];
    cases: { size: number; boxes: string; matched: number[]; detectron2: string; torchvision: string }[];
  };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/train_targets.json', import.meta.url), 'utf8')) as MaskFixture;

const bits = (s: string): Uint8Array => Uint8Array.from(s, (ch) => (ch === '1' ? 1 : 0));

/** A full-image mask of `height` x `width` with rectangle [x1, x2) x [y1, y2) set. */
function rectangle(height: number, width: number, x1: number, y1: number, x2: number, y2: number): Uint8Array {
  const m = new Uint8Array(height * width);
  for (let r = y1; r < y2; r++) m.fill(1, r * width + x1, r * width + x2);
  return m;
}

describe('croppedMaskFromBitMask', () => {
  it('crops tightly (by hand) and gives an empty mask a 0 x 0 crop', () => {
    // 4 x 5 image; pixels (row 1, col 2), (row 2, col 1), (row 2, col 3) set; 255 counts as set.
    const full = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(croppedMaskFromBitMask(full, 4, 5), { x: 1, y: 1, width: 3, height: 2, data: Uint8Array.from([0, 1, 0, 1, 0, 1]) });
    assert.deepEqual(croppedMaskFromBitMask(new Uint8Array(6), 2, 3), { x: 0, y: 0, width: 0, height: 0, data: new Uint8Array(0) });
  });

  it('rejects a data length that is not height x width', () => {
    assert.throws(() => croppedMaskFromBitMask(new Uint8Array(5), 2, 3), /croppedMaskFromBitMask: data must be a Uint8Array of length 6 \(height x width\), got Uint8Array of length 5/);
    assert.throws(() => croppedMaskFromBitMask(new Uint8Array(0), -1, 0), /croppedMaskFromBitMask: height and width must be non-negative integers, got -1 x 0/);
  });
});

describe('maskTargets', () => {
  const [height, width] = fixture.masks.imageSize;
  const masks = fixture.masks.masks.map((s) => croppedMaskFromBitMask(bits(s), height, width));

  for (const c of fixture.masks.cases) {
    const boxes = f32(c.boxes);
    const matched = Int32Array.from(c.matched);
    it(`detectron2 style equals roi_align(aligned, sampling 0) >= 0.5 (${c.matched.length} RoIs, ${c.size} x ${c.size})`, () => {
      const t = maskTargets(masks, boxes, matched, { size: c.size, style: 'detectron2', imageSize: [height, width] });
      assert.deepEqual(t, Float32Array.from(bits(c.detectron2)));
    });
    it(`torchvision style equals roi_align(not aligned, sampling -1), soft (${c.matched.length} RoIs, ${c.size} x ${c.size})`, () => {
      const t = maskTargets(masks, boxes, matched, { size: c.size, style: 'torchvision', imageSize: [height, width] });
      assert.ok(maxAbsDiff(t, f32(c.torchvision)) <= 1e-5, `max error ${maxAbsDiff(t, f32(c.torchvision))}`);
    });
  }

  it('by hand: the box of a rectangle mask gives all ones; a box half over it gives the left half; a box off the image zeros', () => {
    const mask = croppedMaskFromBitMask(rectangle(20, 30, 4, 6, 12, 14), 20, 30);
    const boxes = Float32Array.of(4, 6, 12, 14, 0, 6, 16, 14, 40, 40, 50, 50);
    const options: MaskTargetOptions = { size: 4, style: 'detectron2', imageSize: [20, 30] };
    const t = maskTargets([mask], boxes, new Int32Array(3), options);
    assert.deepEqual([...t.subarray(0, 16)], new Array(16).fill(1));
    // Box x from 0 to 16 in 4 bins of 4 px: the mask covers x 4..12, bins 1 and 2.
    assert.deepEqual([...t.subarray(16, 32)], [0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
    assert.deepEqual([...t.subarray(32)], new Array(16).fill(0));
    // Legacy (torchvision) RoIAlign samples pixel centres half a pixel off: the edge bins are soft.
    const soft = maskTargets([mask], boxes.subarray(0, 4), new Int32Array(1), { ...options, style: 'torchvision' });
    assert.deepEqual([...soft.subarray(0, 4)], [1, 1, 1, 0.75]);
  });

  it('equals the plain RoIAlign oracle run on the full-image masks (property, torchvision style and thresholded aligned)', () => {
    const h = 17;
    const w = 23;
    const blob = fc.tuple(fc.integer({ min: 0, max: w - 1 }), fc.integer({ min: 0, max: h - 1 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer());
    const roi = fc.tuple(fc.double({ min: -8, max: 30, noNaN: true }), fc.double({ min: -8, max: 25, noNaN: true }), fc.double({ min: 0, max: 30, noNaN: true }), fc.double({ min: 0, max: 30, noNaN: true }));
    fc.assert(
      fc.property(fc.array(blob, { minLength: 1, maxLength: 4 }), fc.array(roi, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 9 }), fc.integer(), (blobs, rois, size, pick) => {
        // Random speckled rectangles, some running off the image.
        const full = blobs.map(([x, y, bw, bh, seed]) => {
          const m = rectangle(h, w, x, y, Math.min(x + bw, w), Math.min(y + bh, h));
          return m.map((v, i) => (v && ((i * 2654435761 + seed) >>> 0) % 5 !== 0 ? 1 : 0));
        });
        const cropped = full.map((m) => croppedMaskFromBitMask(m, h, w));
        const boxes = Float32Array.from(rois.flatMap(([x, y, bw, bh]) => [x, y, x + bw, y + bh]));
        const matched = Int32Array.from(rois, (_, k) => Math.abs(pick + k) % full.length);
        const features = Float32Array.from(full.flatMap((m) => [...m]));
        for (const [style, aligned, samplingRatio] of [['torchvision', false, -1], ['detectron2', true, 0]] as const) {
          const expected = referenceRoiAlign(features, [full.length, h, w, 1], boxes, matched, { outputSize: [size, size], spatialScale: 1, samplingRatio, aligned });
          const t = maskTargets(cropped, boxes, matched, { size, style, imageSize: [h, w] });
          if (style === 'torchvision') assert.ok(maxAbsDiff(t, expected) < 1e-6);
          // Thresholded: the oracle's values may sit an ulp away from 0.5, where either side is right.
          else t.forEach((v, i) => assert.ok(Math.abs(expected[i] - 0.5) < 1e-6 || v === (expected[i] >= 0.5 ? 1 : 0)));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('rejects bad input, naming the function and the argument', () => {
    const mask: CroppedMask = { x: 2, y: 3, width: 4, height: 2, data: new Uint8Array(8) };
    const box = Float32Array.of(0, 0, 5, 5);
    const options: MaskTargetOptions = { size: 28, style: 'detectron2', imageSize: [10, 10] };
    const one = Int32Array.of(0);
    assert.throws(() => maskTargets([mask], box, Int32Array.of(1), options), /maskTargets: matchedGt\[0\] is 1, outside \[0, 1\) \(gtMasks\)/);
    assert.throws(() => maskTargets([mask], box, Int32Array.of(0, 0), options), /maskTargets: matchedGt must be an Int32Array of length 1 \(one per box\), got Int32Array of length 2/);
    assert.throws(() => maskTargets([mask], Float32Array.of(0, 0, 5), one, options), /maskTargets: boxes: expected a flat \[N, 4\] array, got length 3/);
    assert.throws(() => maskTargets([mask], Float32Array.of(0, NaN, 5, 5), one, options), /maskTargets: boxes must hold finite coordinates, got NaN in box 0/);
    assert.throws(() => maskTargets([{ ...mask, x: 8 }], box, one, options), /maskTargets: gtMasks\[0\]: crop 4 x 2 at \(8, 3\) must have integer sides and offsets inside the 10 x 10 image/);
    assert.throws(() => maskTargets([{ ...mask, data: new Uint8Array(7) }], box, one, options), /maskTargets: gtMasks\[0\]: data must be a Uint8Array of length 8 \(height x width\), got Uint8Array of length 7/);
    assert.throws(() => maskTargets([mask], box, one, { ...options, size: 0 }), /maskTargets: options.size must be a positive integer, got number 0/);
    assert.throws(() => maskTargets([mask], box, one, { ...options, style: 'both' as 'detectron2' }), /maskTargets: options.style must be 'detectron2' or 'torchvision'/);
    assert.throws(() => maskTargets([mask], box, one, { ...options, imageSize: [10] as unknown as [number, number] }), /maskTargets: options.imageSize must be \[height, width\], two positive integers/);
  });
});
