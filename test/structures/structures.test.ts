import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  BitMasks,
  Boxes,
  Instances,
  boxArea,
  clipBoxes,
  nonemptyBoxes,
  pairwiseIoa,
  pairwiseIou,
} from '../../src/structures/index.js';

const close = (a: ArrayLike<number>, b: readonly number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

describe('boxes', () => {
  const a = Float32Array.of(0, 0, 10, 10, 5, 5, 15, 15);
  const b = Float32Array.of(0, 0, 10, 10, 20, 20, 30, 40, 5, 0, 10, 10);

  it('computes areas without +1', () => {
    close(boxArea(Float32Array.of(0, 0, 10, 10, 2, 3, 4, 8)), [100, 10]);
  });

  it('computes pairwise IoU by hand', () => {
    // a0 vs b0 identical; a0 vs b2: inter 50, union 100; a1 vs b0: inter 25, union 175.
    close(pairwiseIou(a, b), [1, 0, 0.5, 25 / 175, 0, 25 / 125]);
  });

  it('computes IoA over the first argument', () => {
    close(pairwiseIoa(a, b), [1, 0, 0.5, 0.25, 0, 0.25]);
  });

  it('gives IoU 0 between empty boxes rather than NaN', () => {
    close(pairwiseIou(Float32Array.of(1, 1, 1, 1), Float32Array.of(1, 1, 1, 1)), [0]);
  });

  it('clips to [0, W] x [0, H] and flags empty boxes', () => {
    const clipped = clipBoxes(Float32Array.of(-5, -2, 50, 8, 30, 30, 40, 40), [20, 32]);
    close(clipped, [0, 0, 32, 8, 30, 20, 32, 20]);
    assert.deepEqual(Array.from(nonemptyBoxes(clipped)), [1, 0]);
  });

  it('rejects arrays that are not [N, 4]', () => {
    assert.throws(() => pairwiseIou(Float32Array.of(1, 2, 3), a), /multiple of 4/);
    assert.throws(() => new Boxes([1, 2, 3, 4, 5]), /length 5/);
  });
});

describe('BitMasks', () => {
  // 3 x 4 label image with instances 2 and 7.
  const label = [0, 2, 2, 0, 0, 2, 0, 7, 0, 0, 0, 7];
  const { masks, labels } = BitMasks.fromLabelImage(label, 3, 4);

  it('splits a label image into masks in label order', () => {
    assert.deepEqual(labels, [2, 7]);
    assert.equal(masks.length, 2);
    assert.deepEqual(Array.from(masks.get(1)), [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('computes areas and one-past-the-end bounding boxes', () => {
    assert.deepEqual(Array.from(masks.area()), [3, 2]);
    close(masks.boundingBoxes(), [1, 0, 3, 2, 3, 1, 4, 3]);
    close(BitMasks.zeros(1, [3, 4]).boundingBoxes(), [0, 0, 0, 0]);
  });

  it('rejects data that is not [N, H, W]', () => {
    assert.throws(() => new BitMasks(new Uint8Array(13), 3, 4), /not a multiple/);
    assert.throws(() => masks.get(2), /out of range/);
  });
});

describe('Instances', () => {
  const { masks } = BitMasks.fromLabelImage([1, 2, 3, 0], 2, 2);
  const inst = new Instances([2, 2], {
    boxes: new Boxes([0, 0, 1, 1, 1, 0, 2, 1, 0, 1, 1, 2]),
    scores: Float32Array.of(0.9, 0.2, 0.6),
    classes: Int32Array.of(0, 1, 2),
    masks,
  });

  it('keeps every field aligned when indexing and filtering', () => {
    const picked = inst.index([2, 0]);
    close(picked.scores, [0.6, 0.9]);
    assert.deepEqual(Array.from(picked.classes), [2, 0]);
    close(picked.boxes.data, [0, 1, 1, 2, 0, 0, 1, 1]);
    assert.deepEqual(Array.from(picked.masks!.get(0)), [0, 0, 1, 0]);
    const kept = inst.filter(Array.from(inst.scores, (s) => s > 0.5));
    assert.equal(kept.length, 2);
    assert.deepEqual(Array.from(kept.classes), [0, 2]);
  });

  it('concatenates and checks lengths', () => {
    assert.equal(Instances.cat([inst, inst.index([1])]).length, 4);
    assert.throws(
      () => new Instances([2, 2], { boxes: new Boxes([0, 0, 1, 1]), scores: Float32Array.of(1, 2), classes: Int32Array.of(0) }),
      /scores has length 2, boxes has 1/,
    );
    assert.throws(() => inst.index([3]), /out of range/);
    assert.throws(() => Instances.cat([inst, Instances.empty([3, 3])]), /image sizes differ/);
  });
});
