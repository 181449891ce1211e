/**
 * The typed-array preprocessing of the ONNX runtime against the TensorFlow.js one (cpu backend):
 * the same values, NCHW instead of NHWC, in both conventions, resized up, down and not at all.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { type PreprocessOptions, preprocessImage } from '../../src/model/index.js';
import { preprocessPicture } from '../../src/onnx/index.js';
import { Random } from '../../src/utils/random.js';
import { useBackend, withoutLeaks } from '../tf/backends.js';

function noise(height: number, width: number, channels: number, seed: number) {
  const rng = new Random(seed);
  return { data: Uint8Array.from({ length: height * width * channels }, () => Math.floor(rng.next() * 256)), height, width, channels };
}

const base: PreprocessOptions = { minSize: 0, maxSize: 1333, pixelMean: [103.53, 116.28, 123.675], pixelStd: [57.375, 57.12, 58.395], format: 'BGR', sizeDivisibility: 32, style: 'detectron2' };

describe('preprocessPicture', () => {
  before(() => useBackend('cpu'));

  const cases: [string, ReturnType<typeof noise>, Partial<PreprocessOptions>][] = [
    ['detectron2, upscaled, RGB', noise(37, 53, 3, 1), { minSize: 64 }],
    ['detectron2, downscaled, grey', noise(90, 70, 1, 2), { minSize: 40 }],
    ['detectron2, own size, RGBA, RGB order', noise(33, 31, 4, 3), { format: 'RGB' }],
    ['torchvision, upscaled, RGB', noise(37, 53, 3, 4), { minSize: 64, style: 'torchvision', pixelMean: [123.675, 116.28, 103.53], format: 'RGB' }],
    ['torchvision, downscaled, long side capped', noise(30, 200, 3, 5), { minSize: 60, maxSize: 100, style: 'torchvision' }],
  ];
  for (const [name, picture, options] of cases) {
    it(`${name}: TensorFlow.js's values, NCHW`, async () => {
      const opts = { ...base, ...options };
      const ours = preprocessPicture(picture, opts);
      const theirs = await withoutLeaks(async () => {
        const t = preprocessImage(picture, opts);
        const data = (await t.images.data()) as Float32Array;
        t.images.dispose();
        return { ...t, data, shape: t.images.shape };
      });
      assert.deepEqual(ours.resizedSize, theirs.resizedSize);
      assert.deepEqual(ours.originalSize, theirs.originalSize);
      const [, hp, wp] = theirs.shape;
      assert.deepEqual(ours.paddedSize, [hp, wp]);
      assert.equal(ours.data.length, 3 * hp * wp);
      let differ = 0;
      let worst = 0;
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < hp * wp; p++) {
          const d = Math.abs(ours.data[c * hp * wp + p] - theirs.data[3 * p + c]);
          if (d > 0) differ++;
          worst = Math.max(worst, d);
        }
      }
      // detectron2 rounds the resized 8-bit values: a sum landing within float noise of .5 may
      // round the other way (one grey level, 1/std after normalising); torchvision does not round.
      const limit = opts.style === 'detectron2' ? 1 / 57 + 1e-6 : 1e-5;
      assert.ok(worst <= limit, `largest difference ${worst}`);
      assert.ok(differ <= 0.001 * ours.data.length, `${differ} of ${ours.data.length} values differ`);
    });
  }

  it('names what is wrong with a picture', () => {
    assert.throws(() => preprocessPicture({ data: new Uint8Array(5), height: 0, width: 5, channels: 1 }, base), /preprocessPicture: picture size must be positive integers, got 0 x 5/);
  });
});
