import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { DEFAULT_SCALE_CLAMP, decodeBoxes, decodeBoxesArray, encodeBoxes } from '../../src/rpn/index.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';
import { fixture, maxAbsDiff } from './fixture.js';

/** Absolute error allowed on decoded coordinates (boxes up to a few hundred pixels) and on deltas. */
const BOX_TOL = 1e-4;
const DELTA_TOL = 1e-5;

describe('box coder', () => {
  it('decodes by hand: centre shift, exp scale, clamp at log(1000/16)', () => {
    // box [0, 0, 10, 20]: w 10, h 20, centre (5, 10); dx 0.1 -> cx 6; dw log 2 -> w 20.
    const out = decodeBoxesArray(Float32Array.of(0.1, -0.5, Math.log(2), 0, 0, 0, 10, 10), Float32Array.of(0, 0, 10, 20));
    assert.ok(maxAbsDiff(out.subarray(0, 4), [-4, -10, 16, 10]) < 1e-5);
    // dw = dh = 10 is clamped to log(1000 / 16): the box grows 62.5 times.
    assert.ok(maxAbsDiff(out.subarray(4, 8), [5 - 312.5, 10 - 625, 5 + 312.5, 10 + 625]) < 1e-3);
    assert.equal(DEFAULT_SCALE_CLAMP, Math.log(62.5));
  });

  for (const [i, c] of fixture.boxCoder.entries()) {
    it(`decodeBoxesArray equals torchvision's BoxCoder.decode_single (case ${i}: weights ${c.weights}, ${c.classes} per row)`, () => {
      const out = decodeBoxesArray(Float32Array.from(c.deltas), Float32Array.from(c.boxes), c.weights);
      assert.ok(maxAbsDiff(out, c.decoded) <= BOX_TOL, `max error ${maxAbsDiff(out, c.decoded)}`);
    });
  }

  for (const backend of BACKENDS) {
    for (const [i, c] of fixture.boxCoder.entries()) {
      it(`${backend}: decodeBoxes / encodeBoxes equal torchvision's BoxCoder (case ${i})`, async () => {
        await useBackend(backend);
        const r = c.boxes.length / 4;
        const [decoded, encoded, roundTrip] = await withoutLeaks(() =>
          tf.tidy(() => {
            const boxes = tf.tensor2d(c.boxes, [r, 4]);
            const deltas = tf.tensor2d(c.deltas, [r, 4 * c.classes]);
            const targets = tf.tensor2d(c.targets, [r, 4]);
            const enc = encodeBoxes(boxes, targets, c.weights);
            return [decodeBoxes(deltas, boxes, c.weights), enc, decodeBoxes(enc, boxes, c.weights)].map((t) => t.dataSync());
          }),
        );
        assert.ok(maxAbsDiff(decoded, c.decoded) <= BOX_TOL, `decode max error ${maxAbsDiff(decoded, c.decoded)}`);
        assert.ok(maxAbsDiff(encoded, c.encoded) <= DELTA_TOL, `encode max error ${maxAbsDiff(encoded, c.encoded)}`);
        assert.ok(maxAbsDiff(roundTrip, c.targets) <= BOX_TOL, `round trip max error ${maxAbsDiff(roundTrip, c.targets)}`);
      });
    }
  }

  it('checks shapes up front, naming the function and argument', async () => {
    await useBackend('cpu');
    await withoutLeaks(() =>
      tf.tidy(() => {
        const boxes = tf.zeros([3, 4]) as tf.Tensor2D;
        assert.throws(() => decodeBoxes(tf.zeros([3, 6]) as tf.Tensor2D, boxes), /decodeBoxes: deltas must be a \[3, K\*4\] tensor \(one row per box\), got shape \[3, 6\]/);
        assert.throws(() => decodeBoxes(tf.zeros([2, 4]) as tf.Tensor2D, boxes), /got shape \[2, 4\]/);
        assert.throws(() => decodeBoxes(boxes, tf.zeros([3, 5]) as tf.Tensor2D), /decodeBoxes: boxes must be an \[R, 4\] tensor/);
        assert.throws(() => encodeBoxes(boxes, tf.zeros([2, 4]) as tf.Tensor2D), /encodeBoxes: target has shape \[2, 4\], expected \[3, 4\]/);
        assert.throws(() => encodeBoxes(boxes, boxes, [1, 1, 0, 1]), /encodeBoxes: weights must be 4 positive numbers/);
      }),
    );
    assert.throws(() => decodeBoxesArray(new Float32Array(6), new Float32Array(8)), /decodeBoxesArray: deltas must be a flat \[2, K\*4\] Float32Array/);
  });
});
