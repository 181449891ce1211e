/**
 * The ONNX runtime against the TensorFlow.js path on the same weights and picture: the issue's
 * tolerances (boxes to 1e-2 px, scores to 1e-3, mask IoU >= 0.99), both conventions, and the
 * edge cases of the stages between the graphs (no detection, masks off, several mask batches).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Detections } from '../../src/ensemble/index.js';
import { MaskRcnn } from '../../src/model/index.js';
import { OnnxMaskRcnn, exportMaskRcnnOnnx } from '../../src/onnx/index.js';
import { rleArea, rleIou } from '../../src/rle/index.js';
import { useBackend, withoutLeaks } from '../tf/backends.js';
import { type SmallPreset, discs, smallConfig, smallWeights } from './small-model.js';

/** Asserts that `b` gives `a`'s detections in the same order within the issue's tolerances. */
function assertSameDetections(a: Detections, b: Detections, what: string): void {
  assert.equal(b.height, a.height);
  assert.equal(b.width, a.width);
  assert.equal(b.scores.length, a.scores.length, `${what}: detection count`);
  assert.deepEqual(Array.from(b.classes), Array.from(a.classes), `${what}: classes`);
  for (let i = 0; i < a.boxes.length; i++) assert.ok(Math.abs(a.boxes[i] - b.boxes[i]) <= 1e-2, `${what}: box value ${i}: ${a.boxes[i]} vs ${b.boxes[i]}`);
  for (let i = 0; i < a.scores.length; i++) assert.ok(Math.abs(a.scores[i] - b.scores[i]) <= 1e-3, `${what}: score ${i}: ${a.scores[i]} vs ${b.scores[i]}`);
  assert.equal(b.masks === undefined, a.masks === undefined, `${what}: masks present in one only`);
  a.masks?.forEach((mask, i) => {
    const other = b.masks![i];
    const iou = rleArea(mask) + rleArea(other) === 0 ? 1 : rleIou([mask], [other])[0];
    assert.ok(iou >= 0.99, `${what}: mask ${i} IoU ${iou}`);
  });
}

/** The TensorFlow.js and ONNX predictions of the small network of `preset` (+ `extra` keys) on `picture`. */
async function bothRuntimes(preset: SmallPreset, extra: readonly string[], picture = discs(70, 90), maskBatchSize?: number): Promise<[Detections, Detections]> {
  const cfg = smallConfig(preset, extra);
  const { weights, tensors } = await smallWeights(cfg);
  const model = new MaskRcnn(weights, cfg);
  try {
    const tfjs = await withoutLeaks(() => model.predict(picture));
    const onnx = await OnnxMaskRcnn.create(exportMaskRcnnOnnx(tensors, cfg), { session: { intraOpNumThreads: 1 }, maskBatchSize });
    try {
      return [tfjs, await onnx.predict(picture)];
    } finally {
      await onnx.release();
    }
  } finally {
    model.dispose();
  }
}

describe('OnnxMaskRcnn against the TensorFlow.js path (small network, cpu backend)', () => {
  before(() => useBackend('cpu'));

  for (const preset of ['sartorius_finetune', 'torchvision_maskrcnn_resnet50_fpn'] as const) {
    it(`${preset}: the same detections, boxes to 1e-2 px, scores to 1e-3, masks IoU >= 0.99`, async () => {
      const [tfjs, onnx] = await bothRuntimes(preset, []);
      assert.ok(tfjs.scores.length > 5, `${tfjs.scores.length} detections: too few to compare`);
      assertSameDetections(tfjs, onnx, preset);
    });
  }

  it('an RGB picture resized up (MIN_SIZE_TEST above its size) and masks from several head batches', async () => {
    const picture = discs(61, 83, 3);
    const [tfjs, onnx] = await bothRuntimes('sartorius_finetune', ['INPUT.MIN_SIZE_TEST=120', 'INPUT.MAX_SIZE_TEST=200', 'TEST.DETECTIONS_PER_IMAGE=30'], picture, 7);
    assert.ok(tfjs.scores.length > 20);
    assertSameDetections(tfjs, onnx, 'resized RGB');
  });

  it('no detection above the threshold: empty arrays and no masks, as TensorFlow.js gives', async () => {
    const [tfjs, onnx] = await bothRuntimes('sartorius_finetune', ['MODEL.ROI_HEADS.SCORE_THRESH_TEST=1.0']);
    assert.equal(onnx.scores.length, 0);
    assert.deepEqual(onnx.masks, []);
    assertSameDetections(tfjs, onnx, 'empty');
  });

  it('MODEL.MASK_ON false: no mask graph is exported and detections come without masks', async () => {
    const cfg = smallConfig('sartorius_finetune', ['MODEL.MASK_ON=False']);
    const { weights, tensors } = await smallWeights(cfg);
    weights.forEach((t) => t.dispose());
    const models = exportMaskRcnnOnnx(tensors, cfg);
    assert.equal(models.maskHead, undefined);
    const onnx = await OnnxMaskRcnn.create(models, { session: { intraOpNumThreads: 1 } });
    const dets = await onnx.predict(discs(70, 90));
    await onnx.release();
    assert.ok(dets.scores.length > 0);
    assert.equal(dets.masks, undefined);
  });
});

describe('OnnxMaskRcnn.predict', () => {
  let onnx: OnnxMaskRcnn;
  before(async () => {
    await useBackend('cpu');
    const cfg = smallConfig('sartorius_finetune');
    const { weights, tensors } = await smallWeights(cfg);
    weights.forEach((t) => t.dispose());
    onnx = await OnnxMaskRcnn.create(exportMaskRcnnOnnx(tensors, cfg), { session: { intraOpNumThreads: 1 } });
  });
  after(() => onnx.release());

  it('refuses a mask batch size that is not a positive integer', async () => {
    const cfg = smallConfig('sartorius_finetune');
    const { weights, tensors } = await smallWeights(cfg);
    weights.forEach((t) => t.dispose());
    await assert.rejects(OnnxMaskRcnn.create(exportMaskRcnnOnnx(tensors, cfg), { maskBatchSize: 0 }), /maskBatchSize must be a positive integer, got 0/);
  });

  it('gives the same bytes on a second call and fills the stage times', async () => {
    const times = { preprocess: 0, backbone: 0, rpn: 0, boxHead: 0, maskHead: 0, paste: 0 };
    const a = await onnx.predict(discs(70, 90), times);
    const b = await onnx.predict(discs(70, 90));
    assert.deepEqual(b, a);
    assert.ok(Object.values(times).every((ms) => ms >= 0) && times.backbone > 0);
  });

  it('refuses a picture whose samples do not fit its size, naming the function', async () => {
    await assert.rejects(onnx.predict({ data: new Uint8Array(10), height: 4, width: 4, channels: 1 }), /preprocessPicture: picture holds 10 samples, expected 4 x 4 x 1 = 16/);
    await assert.rejects(onnx.predict({ data: new Uint8Array(32), height: 4, width: 4, channels: 2 }), /preprocessPicture: picture must have 1, 3 or 4 channels, got 2/);
  });
});
