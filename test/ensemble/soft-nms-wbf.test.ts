import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { softNms, weightedBoxesFusion } from '../../src/ensemble/index.js';
import { fixture } from './fixture.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - b[k]) <= tol, `${what}[${k}]: ${a[k]} vs ${b[k]}`);
};

describe('softNms', () => {
  const boxes = Float32Array.from(fixture.softNms.boxes);
  const scores = Float32Array.from(fixture.softNms.scores);
  for (const c of fixture.softNms.cases) {
    it(`matches the numpy reference: ${c.method}, sigma ${c.sigma}, Nt ${c.iouThreshold}, thresh ${c.scoreThreshold}`, () => {
      const out = softNms(boxes, scores, c);
      assert.deepEqual(Array.from(out.keep), c.keep);
      close(out.scores, c.scores, 1e-6, 'scores');
    });
  }

  it('decays a half-covered box linearly by 1 - IoU', () => {
    // IoU of [0,0,10,10] and [0,0,10,5] is 0.5: 0.8 * (1 - 0.5) = 0.4.
    const out = softNms(Float32Array.of(0, 0, 10, 10, 0, 0, 10, 5), Float32Array.of(0.9, 0.8), { method: 'linear' });
    assert.deepEqual(Array.from(out.keep), [0, 1]);
    close(out.scores, [0.9, 0.4], 1e-6, 'scores');
  });

  it('names a bad method', () => {
    assert.throws(() => softNms(new Float32Array(4), new Float32Array(1), { method: 'hard' as 'linear' }), /softNms: options.method .*"hard"/);
  });
});

describe('weightedBoxesFusion', () => {
  const { height, width, models } = fixture.wbf;
  const inputs = models.map((m) => ({ boxes: Float32Array.from(m.boxes), scores: Float32Array.from(m.scores), labels: Int32Array.from(m.labels) }));
  for (const c of fixture.wbf.cases) {
    it(`matches the numpy port of ensemble_boxes: ${c.confType}, weights ${c.weights}, IoU ${c.iouThreshold}`, () => {
      const out = weightedBoxesFusion(inputs, { ...c, imageSize: [height, width] });
      assert.deepEqual(Array.from(out.labels), c.labels);
      assert.deepEqual(Array.from(out.sourceModel), c.sourceModel);
      assert.deepEqual(Array.from(out.sourceIndex), c.sourceIndex);
      close(out.scores, c.scores, 1e-6, 'scores');
      close(out.boxes, c.boxes, 1e-3, 'boxes');
    });
  }

  it('averages two matching boxes by score: (0.75*[0,0,10,10] + 0.25*[1,1,11,11]) / 1', () => {
    const out = weightedBoxesFusion([
      { boxes: Float32Array.of(0, 0, 10, 10), scores: Float32Array.of(0.75), labels: Int32Array.of(0) },
      { boxes: Float32Array.of(1, 1, 11, 11), scores: Float32Array.of(0.25), labels: Int32Array.of(0) },
    ], { iouThreshold: 0.5 });
    close(out.boxes, [0.25, 0.25, 10.25, 10.25], 1e-6, 'boxes'); // IoU 81/119 > 0.5
    close(out.scores, [0.5], 1e-6, 'scores'); // (0.75 + 0.25) / 2 * min(2, 2) / 2
  });

  it('names the model whose labels are malformed', () => {
    assert.throws(
      () => weightedBoxesFusion([{ boxes: new Float32Array(4), scores: new Float32Array(1), labels: new Int32Array(2) }]),
      /weightedBoxesFusion: models\[0\].labels must be an Int32Array of length 1/,
    );
  });
});
