// evaluatePredictions on cases a person can check: the truth predicted exactly scores 1, nothing
// predicted scores 0, and one of two cells found scores as the competition's formula says.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Detections } from '../../src/ensemble/detections.js';
import { encodeCounts } from '../../src/rle/index.js';
import { cropToPlane } from '../../src/train/data/crops.js';
import type { CroppedMask } from '../../src/train/data/cropped-mask.js';
import { type EvaluationImage, evaluatePredictions } from '../../src/train/evaluate.js';

const [H, W] = [12, 16];
/** A filled w x h rectangle at (x, y). */
const rect = (x: number, y: number, w: number, h: number): CroppedMask => ({ x, y, width: w, height: h, data: new Uint8Array(w * h).fill(1) });
const cells = [rect(1, 1, 4, 3), rect(8, 5, 5, 6)];
const image: EvaluationImage = { id: 'a', height: H, width: W, gtClasses: Int32Array.of(0, 2), gtMasks: cells, cellType: 'shsy5y' };

/** Detections of `masks`, scores descending, boxes from the rectangles. */
function detections(masks: readonly CroppedMask[], classes: readonly number[]): Detections {
  return {
    height: H,
    width: W,
    boxes: Float32Array.from(masks.flatMap((m) => [m.x, m.y, m.x + m.width, m.y + m.height])),
    scores: Float32Array.from(masks, (_, i) => 0.9 - 0.1 * i),
    classes: Int32Array.from(classes),
    masks: masks.map((m) => encodeCounts(cropToPlane(m, H, W))),
  };
}

describe('evaluatePredictions', () => {
  it('scores the truth itself 1 on every metric', () => {
    const r = evaluatePredictions([image], [detections(cells, [0, 2])], 3);
    assert.equal(r.map_iou, 1);
    assert.ok(Math.abs(r.segm_AP - 1) < 1e-12 && Math.abs(r.bbox_AP - 1) < 1e-12, `${r.segm_AP} ${r.bbox_AP}`);
    assert.deepEqual(r.map_iou_per_cell_type, { shsy5y: 1 });
  });

  it('scores no detection 0', () => {
    const r = evaluatePredictions([image], [detections([], [])], 3);
    assert.equal(r.map_iou, 0);
    assert.equal(r.segm_AP, 0);
  });

  it('scores one of two cells found as TP / (TP + FP + FN) = 1 / 2 at every threshold', () => {
    const r = evaluatePredictions([image], [detections([cells[0]], [0])], 3);
    assert.equal(r.map_iou, 0.5);
  });

  it('refuses predictions of another size', () => {
    assert.throws(() => evaluatePredictions([image], [{ ...detections(cells, [0, 2]), height: H + 1 }], 3), /predictions\[0\] is 13x16, image "a" is 12x16/);
  });
});
