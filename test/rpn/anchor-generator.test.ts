import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AnchorGenerator, broadcastPerLevel, cellAnchors, gridAnchors } from '../../src/rpn/index.js';
import { f32, fixture, maxAbsDiff } from './fixture.js';

const SOLUTION = { sizes: [[4], [8], [16], [64], [256]], aspectRatios: [[0.2, 0.5, 1, 2, 5]], strides: [4, 8, 16, 32, 64] };

describe('cellAnchors', () => {
  it('Detectron2: for size, for ratio; w = sqrt(size^2 / ratio), h = ratio * w, not rounded', () => {
    const a = cellAnchors([4, 8], [1, 4]);
    assert.deepEqual(Array.from(a), [
      -2, -2, 2, 2, // size 4, ratio 1
      -1, -4, 1, 4, // size 4, ratio 4: w = sqrt(16 / 4) = 2, h = 8
      -4, -4, 4, 4, // size 8, ratio 1
      -2, -8, 2, 8, // size 8, ratio 4
    ]);
    const [x1, y1] = cellAnchors([4], [0.2]);
    assert.equal(x1, Math.fround(-Math.sqrt(80) / 2)); // -4.472...
    assert.equal(y1, Math.fround((-0.2 * Math.sqrt(80)) / 2)); // -0.894...
  });

  it('torchvision: for ratio, for size, half-sides rounded half to even', () => {
    assert.deepEqual(Array.from(cellAnchors([4, 8], [1, 4], 'torchvision')), [
      -2, -2, 2, 2, // ratio 1, size 4
      -4, -4, 4, 4, // ratio 1, size 8
      -1, -4, 1, 4, // ratio 4, size 4
      -2, -8, 2, 8, // ratio 4, size 8
    ]);
    // ratio 0.2, size 4: w = 8.944, h = 1.789 -> half-sides 4.472 -> 4 and 0.894 -> 1.
    assert.deepEqual(Array.from(cellAnchors([4], [0.2], 'torchvision')), [-4, -1, 4, 1]);
    // size 1, ratio 1: half-sides 0.5 round to even 0 (torch.round), so the anchor is empty.
    assert.deepEqual(Array.from(cellAnchors([1], [1], 'torchvision')), [-0, -0, 0, 0]);
    // size 3: 1.5 -> 2.
    assert.deepEqual(Array.from(cellAnchors([3], [1], 'torchvision')), [-2, -2, 2, 2]);
  });

  it('rejects empty or non-positive lists and unknown styles', () => {
    assert.throws(() => cellAnchors([], [1]), /cellAnchors: sizes must be a non-empty list/);
    assert.throws(() => cellAnchors([4], [0]), /cellAnchors: aspectRatios must be a non-empty list of positive numbers, got an array of length 1/);
    assert.throws(() => cellAnchors([4], [1], 'mmdet' as never), /cellAnchors: style must be/);
  });
});

describe('gridAnchors', () => {
  it('shifts cell anchors y-major, then x, then anchor', () => {
    const cell = cellAnchors([16], [1, 4]);
    const a = gridAnchors(cell, [2, 3], 16);
    assert.equal(a.length, 2 * 3 * 2 * 4);
    // (y 0, x 1, a 0): centre (16, 0) -> [-8 + 16, -8, 8 + 16, 8]
    assert.deepEqual(Array.from(a.subarray(8, 12)), [8, -8, 24, 8]);
    // (y 1, x 2, a 1): centre (32, 16); ratio 4: w = 8, h = 32
    assert.deepEqual(Array.from(a.subarray(44, 48)), [28, 0, 36, 32]);
    // offset 0.5 moves every centre by half a stride.
    assert.deepEqual(Array.from(gridAnchors(cell, [1, 1], 16, 0.5).subarray(0, 4)), [0, 0, 16, 16]);
    // per-axis strides [y, x]
    assert.deepEqual(Array.from(gridAnchors(cell, [2, 2], [10, 20]).subarray(24, 28)), [12, 2, 28, 18]);
  });

  it('rejects bad grids, strides and offsets', () => {
    const cell = cellAnchors([16], [1]);
    assert.throws(() => gridAnchors(cell, [2, 0], 16), /gridAnchors: grid must be \[height, width\] with positive integers/);
    assert.throws(() => gridAnchors(cell, [2, 2], 0), /gridAnchors: stride must be positive, got 0/);
    assert.throws(() => gridAnchors(cell, [2, 2], 4, 1), /gridAnchors: offset must be in \[0, 1\), got 1/);
    assert.throws(() => gridAnchors(new Float32Array(3), [2, 2], 4), /gridAnchors: cell must be a flat \[A, 4\] Float32Array, got Float32Array of length 3/);
  });
});

describe('AnchorGenerator', () => {
  for (const c of fixture.anchors) {
    it(`${c.style} "${c.name}": equals ${c.style === 'torchvision' ? "torchvision's AnchorGenerator" : 'the numpy port of Detectron2'}`, () => {
      const gen = new AnchorGenerator({ sizes: c.sizes, aspectRatios: c.aspectRatios, strides: c.strides, offset: c.offset, style: c.style });
      const anchors = gen.generate(c.grids, c.imageSize);
      assert.equal(anchors.length, c.anchors.length);
      anchors.forEach((a, l) => assert.ok(maxAbsDiff(a, f32(c.anchors[l])) <= 1e-6, `level ${l}`));
      // The float32 arithmetic is reproduced bit for bit.
      anchors.forEach((a, l) => assert.deepEqual(a, f32(c.anchors[l])));
    });
  }

  it("torchvision strides are floor(padded size / grid): 48 across P6's 2-cell row of a 96-wide batch", () => {
    const gen = new AnchorGenerator({ ...SOLUTION, style: 'torchvision' });
    const p6 = gen.generate([[16, 24], [8, 12], [4, 6], [2, 3], [1, 2]], [64, 96])[4];
    // ratio 1, size 256 is the 3rd cell anchor: [-128, -128, 128, 128]; cell x 1 is shifted by 48, not 64.
    assert.deepEqual(Array.from(p6.subarray(5 * 4 + 8, 5 * 4 + 12)), [-80, -128, 176, 128]);
    assert.throws(() => gen.generate([[16, 24], [8, 12], [4, 6], [2, 3], [1, 2]]), /torchvision style needs imageSize/);
  });

  it('broadcasts one list to every level, counts anchors, caches per grid', () => {
    const gen = new AnchorGenerator(SOLUTION);
    assert.deepEqual(gen.numAnchors, [5, 5, 5, 5, 5]);
    const grids = [[4, 6], [2, 3], [1, 2], [1, 1], [1, 1]] as const;
    const first = gen.generate(grids);
    assert.equal(gen.generate(grids), first);
    assert.deepEqual(broadcastPerLevel([1, 2], 3, 'f', 'x'), [[1, 2], [1, 2], [1, 2]]);
    assert.deepEqual(broadcastPerLevel([[1], [2]], 2, 'f', 'x'), [[1], [2]]);
    assert.throws(() => broadcastPerLevel([[1], [2]], 3, 'f', 'x'), /f: x has 2 lists, expected 1 or 3/);
    assert.throws(() => new AnchorGenerator({ ...SOLUTION, style: 'torchvision', offset: 0.5 }), /torchvision anchors have no offset/);
    assert.throws(() => gen.generate(grids.slice(0, 4)), /grids must list 5 grid sizes/);
  });

  it('the solution at its test scale (928 x 1256 padded to 928 x 1280): 364k P2 anchors quickly', () => {
    const gen = new AnchorGenerator(SOLUTION);
    const grids = [[232, 320], [116, 160], [58, 80], [29, 40], [15, 20]] as const;
    const t0 = performance.now();
    const anchors = gen.generate(grids);
    const ms = performance.now() - t0;
    assert.equal(anchors[0].length, 232 * 320 * 5 * 4);
    // Last P2 anchor: cell (231, 319), ratio 5 of size 4: centre (1276, 924), w = sqrt(16 / 5), h = 5w.
    const w = Math.sqrt(16 / 5);
    const last = Array.from(anchors[0].subarray(anchors[0].length - 4));
    assert.deepEqual(last, [1276 - w / 2, 924 - (5 * w) / 2, 1276 + w / 2, 924 + (5 * w) / 2].map(Math.fround));
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
});
