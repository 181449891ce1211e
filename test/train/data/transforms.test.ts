import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Picture } from '../../../src/model/preprocess.js';
import { cropToPlane } from '../../../src/train/data/crops.js';
import { pilResizeBilinear, pilResizeNearest } from '../../../src/train/data/pil-resize.js';
import type { TrainingRecord } from '../../../src/train/data/records.js';
import {
  applyAugmentation,
  augmentRecord,
  checkAugmentationOptions,
  drawAugmentation,
  flipPictureHorizontal,
  flipPictureVertical,
  transformBoxes,
  type AugmentationOptions,
} from '../../../src/train/data/transforms.js';
import { Random } from '../../../src/utils/random.js';

const options: AugmentationOptions = { minSizes: [480, 520, 928], sampling: 'choice', maxSize: 1333, flip: 'horizontal' };

describe('drawAugmentation', () => {
  it("'choice' draws only listed sizes, each of them; flips about half the time", () => {
    const random = new Random(1);
    const draws = Array.from({ length: 600 }, () => drawAugmentation(random, options));
    assert.deepEqual([...new Set(draws.map((d) => d.shortEdge))].sort(), [480, 520, 928]);
    const flips = draws.filter((d) => d.flip === 'horizontal').length;
    assert.ok(flips > 240 && flips < 360, `${flips} flips in 600`);
    assert.ok(draws.every((d) => d.flip === 'horizontal' || d.flip === 'none'));
  });

  it("'range' draws integers in [min, max], both ends included", () => {
    const random = new Random(2);
    const sizes = new Set(Array.from({ length: 400 }, () => drawAugmentation(random, { ...options, minSizes: [10, 13], sampling: 'range' }).shortEdge));
    assert.deepEqual([...sizes].sort(), [10, 11, 12, 13]);
  });

  it("RANDOM_FLIP 'none' never flips and draws nothing for it; 'vertical' flips vertically", () => {
    const a = new Random(3);
    const b = new Random(3);
    assert.equal(drawAugmentation(a, { ...options, flip: 'none' }).flip, 'none');
    b.next();
    assert.deepEqual(a.state(), b.state());
    const flips = new Set(Array.from({ length: 50 }, () => drawAugmentation(a, { ...options, flip: 'vertical' }).flip));
    assert.deepEqual([...flips].sort(), ['none', 'vertical']);
  });

  it('checks its options, naming the config key', () => {
    assert.throws(() => checkAugmentationOptions({ ...options, sampling: 'range' }), /MIN_SIZE_TRAIN must be \[min, max\] with min <= max for 'range' sampling, got \[480, 520, 928\]/);
    assert.throws(() => checkAugmentationOptions({ ...options, flip: 'diagonal' as 'none' }), /RANDOM_FLIP must be 'horizontal', 'vertical' or 'none', got "diagonal"/);
    assert.throws(() => checkAugmentationOptions({ ...options, sampling: 'pick' as 'choice' }), /MIN_SIZE_TRAIN_SAMPLING must be 'choice' or 'range'/);
  });
});

describe('transformBoxes', () => {
  const box = Float32Array.of(10, 20, 30, 40);
  // 100 x 200 (H x W) -> 50 x 100: every coordinate halves.
  it('scales each axis by new size / old size', () => {
    assert.deepEqual(transformBoxes(box, [100, 200], [50, 100], 'none'), Float32Array.of(5, 10, 15, 20));
  });

  it('flips: horizontal x -> w - x (x1, x2 swap), vertical y -> h - y', () => {
    assert.deepEqual(transformBoxes(box, [100, 200], [50, 100], 'horizontal'), Float32Array.of(100 - 15, 10, 100 - 5, 20));
    assert.deepEqual(transformBoxes(box, [100, 200], [50, 100], 'vertical'), Float32Array.of(5, 50 - 20, 15, 50 - 10));
  });

  it('clips to the resized image and stays fractional', () => {
    assert.deepEqual(transformBoxes(Float32Array.of(-3, 5, 250, 120), [100, 200], [50, 100], 'none'), Float32Array.of(0, 2.5, 100, 50));
    // 3 x 3 -> 4 x 4: 1 * 4/3.
    assert.deepEqual(transformBoxes(Float32Array.of(1, 1, 2, 2), [3, 3], [4, 4], 'none'), Float32Array.of(4 / 3, 4 / 3, 8 / 3, 8 / 3));
  });
});

describe('flipPicture', () => {
  it('mirrors a grey picture left-right and top-bottom', () => {
    const grey: Picture = { data: Uint8Array.of(1, 2, 3, 4, 5, 6), height: 2, width: 3, channels: 1 };
    assert.deepEqual(flipPictureHorizontal(grey).data, Uint8Array.of(3, 2, 1, 6, 5, 4));
    assert.deepEqual(flipPictureVertical(grey).data, Uint8Array.of(4, 5, 6, 1, 2, 3));
  });

  it('keeps each pixel\'s channels together', () => {
    const rgb: Picture = { data: Uint8Array.of(1, 2, 3, 4, 5, 6), height: 1, width: 2, channels: 3 };
    assert.deepEqual(flipPictureHorizontal(rgb).data, Uint8Array.of(4, 5, 6, 1, 2, 3));
  });
});

/** A 12 x 16 record: a 4 x 6 block, and a one-row sliver that a downscale to 6 rows skips. */
function record(): TrainingRecord {
  const H = 12;
  const W = 16;
  const data = Uint8Array.from({ length: H * W }, (_, p) => (p * 37) % 256);
  return {
    id: 'r',
    picture: { data, height: H, width: W, channels: 1 },
    gtBoxes: Float32Array.of(2, 3, 8, 7, 0, 4, 16, 5),
    gtClasses: Int32Array.of(1, 2),
    gtMasks: [
      { x: 2, y: 3, width: 6, height: 4, data: new Uint8Array(24).fill(1) },
      { x: 0, y: 4, width: 16, height: 1, data: new Uint8Array(16).fill(1) },
    ],
    emptyMasksDropped: 1,
  };
}

describe('applyAugmentation', () => {
  it('resizes the picture (Pillow BILINEAR) and the masks (Pillow NEAREST), then flips them and the boxes', () => {
    const r = record();
    // Short side 12 -> 18: 18 x 24.
    const out = applyAugmentation(r, { shortEdge: 18, flip: 'horizontal' }, 1333);
    assert.deepEqual([out.picture.height, out.picture.width], [18, 24]);
    assert.deepEqual(out.picture.data, flipPictureHorizontal(pilResizeBilinear(r.picture, 18, 24)).data);
    assert.equal(out.gtMasks.length, 2);
    r.gtMasks.forEach((m, i) => {
      const resized = pilResizeNearest({ data: cropToPlane(m, 12, 16), height: 12, width: 16, channels: 1 }, 18, 24);
      assert.deepEqual(cropToPlane(out.gtMasks[i], 18, 24), flipPictureHorizontal(resized).data);
    });
    // Box 0: [2, 3, 8, 7] * 1.5 = [3, 4.5, 12, 10.5], flipped in 24: [12, 4.5, 21, 10.5].
    assert.deepEqual(out.gtBoxes.subarray(0, 4), Float32Array.of(12, 4.5, 21, 10.5));
    assert.deepEqual(out.gtClasses, Int32Array.of(1, 2));
    assert.equal(out.emptyMasksDropped, 1);
  });

  it('drops instances whose mask no longer has a pixel, counting them', () => {
    // Short side 12 -> 6: rows sampled at 1, 3, 5, ... skip the sliver on row 4.
    const out = applyAugmentation(record(), { shortEdge: 6, flip: 'none' }, 1333);
    assert.deepEqual([out.picture.height, out.picture.width], [6, 8]);
    assert.equal(out.gtMasks.length, 1);
    assert.deepEqual(out.gtClasses, Int32Array.of(1));
    assert.deepEqual(out.gtBoxes, Float32Array.of(1, 1.5, 4, 3.5));
    assert.equal(out.emptyMasksDropped, 2);
  });

  it('drops instances whose box is empty after clipping', () => {
    const r = { ...record(), gtBoxes: Float32Array.of(2, 3, 8, 7, 16, 4, 20, 5) };
    const out = applyAugmentation(r, { shortEdge: 12, flip: 'vertical' }, 1333);
    assert.equal(out.gtMasks.length, 1);
    assert.deepEqual(out.gtBoxes, Float32Array.of(2, 12 - 7, 8, 12 - 3));
  });

  it('caps the long side at maxSize and keeps the picture when the size is unchanged', () => {
    const r = record();
    assert.deepEqual([applyAugmentation(r, { shortEdge: 24, flip: 'none' }, 20).picture.width], [20]);
    assert.equal(applyAugmentation(r, { shortEdge: 12, flip: 'none' }, 1333).picture, r.picture);
    assert.equal(applyAugmentation(r, { shortEdge: 0, flip: 'none' }, 1333).picture, r.picture);
  });

  it('augmentRecord draws from the generator it is given', () => {
    const a = augmentRecord(record(), { ...options, minSizes: [6, 18, 24] }, new Random(9));
    const b = augmentRecord(record(), { ...options, minSizes: [6, 18, 24] }, new Random(9));
    assert.deepEqual(a, b);
  });
});
