/**
 * Two runtimes' `<id>.json` (as `predictionJson` writes it) compared with the tolerances float
 * rounding allows: the same detections in the same order and classes, boxes within 0.01 px
 * (the file rounds them to 0.01, so a difference below that can round one step apart), scores
 * within 1e-3, masks identical or with IoU >= 0.99.
 */
import assert from 'node:assert/strict';

import { kaggleRleDecode } from '../../src/rle/index.js';

/** What `predictionJson` writes. */
export interface PredictionJson {
  readonly boxes: number[][];
  readonly scores: number[];
  readonly classes: number[];
  readonly masks: string[];
  readonly height: number;
  readonly width: number;
}

function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union === 0 ? 1 : inter / union;
}

/** Asserts that `actual` holds `expected`'s detections up to float rounding (see the module comment). */
export function assertSameDetections(actual: PredictionJson, expected: PredictionJson, label: string): void {
  assert.deepEqual([actual.height, actual.width], [expected.height, expected.width], `${label}: size`);
  assert.equal(actual.scores.length, expected.scores.length, `${label}: detections`);
  assert.deepEqual(actual.classes, expected.classes, `${label}: classes`);
  for (let i = 0; i < expected.scores.length; i++) {
    assert.ok(Math.abs(actual.scores[i] - expected.scores[i]) <= 1e-3, `${label} detection ${i}: score ${actual.scores[i]} vs ${expected.scores[i]}`);
    for (let k = 0; k < 4; k++) {
      const [a, e] = [actual.boxes[i][k], expected.boxes[i][k]];
      assert.ok(Math.abs(a - e) <= 0.01 + 1e-9, `${label} detection ${i}: box [${actual.boxes[i]}] vs [${expected.boxes[i]}]`);
    }
    if (actual.masks[i] !== expected.masks[i]) {
      const iou = maskIou(kaggleRleDecode(actual.masks[i], actual.height, actual.width), kaggleRleDecode(expected.masks[i], expected.height, expected.width));
      assert.ok(iou >= 0.99, `${label} detection ${i}: mask IoU ${iou}`);
    }
  }
}
