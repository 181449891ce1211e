import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { pasteMasks, pasteMasksToBitMasks } from '../../src/mask/index.js';
import { decodeCounts, encodeCounts } from '../../src/rle/index.js';
import { HEADS } from '../roi/heads-fixture.js';

const { imageSize, M, boxes, masks } = HEADS.paste;
const [H, W] = imageSize;

function pixelDifferences(a: Uint32Array, b: number[]): number {
  const x = decodeCounts(a, H * W);
  const y = decodeCounts(Uint32Array.from(b), H * W);
  let n = 0;
  for (let p = 0; p < x.length; p++) if (x[p] !== y[p]) n++;
  return n;
}

describe('pasteMasks against torchvision 0.14 paste_masks_in_image and a port of Detectron2 paste_masks_in_image', () => {
  for (const style of ['detectron2', 'torchvision'] as const) {
    it(`${style}: every pixel identical (boxes partly outside, sub-pixel, larger than M, exact 0.5 ties)`, () => {
      const counts = pasteMasks(Float32Array.from(masks), Float32Array.from(boxes), imageSize, { style });
      assert.equal(counts.length, boxes.length / 4);
      counts.forEach((c, i) => assert.equal(pixelDifferences(c, HEADS.paste[style][i]), 0, `mask ${i}`));
      counts.forEach((c, i) => assert.deepEqual(Array.from(c), HEADS.paste[style][i], `counts of mask ${i}`));
    });

    it(`${style}: BitMasks hold the same pixels as the counts`, () => {
      const bits = pasteMasksToBitMasks(Float32Array.from(masks), Float32Array.from(boxes), imageSize, { style });
      assert.equal(bits.length, boxes.length / 4);
      for (let i = 0; i < bits.length; i++) assert.deepEqual(Array.from(encodeCounts(bits.get(i))), HEADS.paste[style][i], `mask ${i}`);
    });
  }

  it('the fixture exercises the ties: torchvision has pixels at exactly 0.5, where > and >= differ', () => {
    assert.ok(HEADS.paste.torchvisionTies > 0);
    const ones = new Float32Array(M * M).fill(1);
    const box = Float32Array.of(12.25, 30.5, 26.75, 44);
    const strict = decodeCounts(pasteMasks(ones, box, imageSize, { style: 'torchvision' })[0], H * W);
    const loose = decodeCounts(pasteMasks(ones, box, imageSize, { style: 'torchvision', threshold: Math.fround(0.5) - 2 ** -25 })[0], H * W);
    assert.ok(loose.reduce((s, v) => s + v, 0) > strict.reduce((s, v) => s + v, 0));
  });

  it('detectron2: a mask of ones fills the pixels whose centres lie inside the box', () => {
    const ones = new Float32Array(M * M).fill(1);
    // Box [2, 1, 5, 3] on a 4 x 6 image: centres x 2.5..4.5, y 1.5..2.5.
    const bits = pasteMasksToBitMasks(ones, Float32Array.of(2, 1, 5, 3), [4, 6]);
    assert.deepEqual(Array.from(bits.get(0)), [
      0, 0, 0, 0, 0, 0,
      0, 0, 1, 1, 1, 0,
      0, 0, 1, 1, 1, 0,
      0, 0, 0, 0, 0, 0,
    ]);
  });

  it('pastes 1000 detections into a 928 x 1256 image quickly', (t) => {
    const n = 1000;
    const probs = new Float32Array(n * M * M);
    for (let i = 0; i < probs.length; i++) probs[i] = (Math.sin(i * 0.37) + 1) / 2;
    const b = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const x = (i * 37) % 1200;
      const y = (i * 53) % 880;
      b.set([x, y, x + 20 + (i % 40), y + 20 + (i % 30)], 4 * i);
    }
    for (const style of ['detectron2', 'torchvision'] as const) {
      const start = performance.now();
      const counts = pasteMasks(probs, b, [928, 1256], { style });
      const ms = performance.now() - start;
      t.diagnostic(`${style}: ${ms.toFixed(0)} ms for ${n} masks`);
      assert.equal(counts.length, n);
      assert.ok(ms < 5000, `${ms} ms`);
    }
  });

  it('checks its inputs, naming the function and what came', () => {
    const m = new Float32Array(2 * M * M);
    assert.throws(() => pasteMasks(m, new Float32Array(6), [10, 10]), /pasteMasks: boxes must be a Float32Array \[D, 4\], got Float32Array of length 6/);
    assert.throws(() => pasteMasks(m.subarray(1), new Float32Array(8), [10, 10]), /pasteMasks: masks must be \[2, M, M\]/);
    assert.throws(() => pasteMasksToBitMasks(m, new Float32Array(8), [10, -1]), /pasteMasksToBitMasks: imageSize must be \[height, width\]/);
    assert.deepEqual(pasteMasks(new Float32Array(0), new Float32Array(0), [3, 3]), []);
  });
});
