/**
 * The composed model on a small network with fresh weights: what it returns, for every preset's
 * conventions, and that repeated predictions leave no tensor behind.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { type CellmaskConfig, getPreset, setConfigValues } from '../../src/config/index.js';
import { MaskRcnn, resizedSize } from '../../src/model/index.js';
import { rleArea, rleTotal } from '../../src/rle/index.js';
import { Random } from '../../src/utils/random.js';
import { initWeights } from '../../src/weights/index.js';
import { BACKENDS, useBackend } from '../tf/backends.js';
import { SMALL_NETWORK } from './small-network.js';

/** The small network of `SMALL_NETWORK`, every detection kept, at most 20. */
function smallConfig(preset: 'sartorius_finetune' | 'torchvision_maskrcnn_resnet50_fpn'): CellmaskConfig {
  return setConfigValues(getPreset(preset), [
    ...SMALL_NETWORK,
    'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.0',
    'TEST.DETECTIONS_PER_IMAGE=20', // keeps the mask head (and the 50-prediction leak check) small
  ]);
}

/** A grey test picture of dark discs. */
function picture(height: number, width: number): { data: Uint8Array; height: number; width: number; channels: number } {
  const data = new Uint8Array(height * width).fill(128);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if ((x % 24) ** 2 + (y % 20) ** 2 < 40) data[y * width + x] = 60;
  }
  return { data, height, width, channels: 1 };
}

describe('resizedSize', () => {
  it('follows each library: Detectron2 rounds, torchvision floors, both cap the long side', () => {
    assert.deepEqual(resizedSize([520, 704], 928, 1333, 'detectron2'), [928, 1256]); // 704 * 928 / 520 = 1256.4
    assert.deepEqual(resizedSize([520, 704], 800, 1333, 'torchvision'), [800, 1083]); // 1083.07
    assert.deepEqual(resizedSize([100, 1000], 800, 1333, 'detectron2'), [133, 1333]); // capped: 133.3
    assert.deepEqual(resizedSize([100, 1000], 800, 1333, 'torchvision'), [133, 1333]);
  });
});

for (const backend of BACKENDS) {
  describe(`MaskRcnn on a small network (${backend})`, () => {
    before(() => useBackend(backend));

    for (const preset of ['sartorius_finetune', 'torchvision_maskrcnn_resnet50_fpn'] as const) {
      it(`${preset}: returns detections at the picture's size, best first, with masks inside their boxes`, async () => {
        const cfg = smallConfig(preset);
        const model = new MaskRcnn(initWeights(cfg, new Random(1)), cfg);
        const dets = await model.predict(picture(70, 90));
        model.dispose();
        const n = dets.scores.length;
        assert.equal(dets.height, 70);
        assert.equal(dets.width, 90);
        assert.ok(n > 0 && n <= cfg.TEST.DETECTIONS_PER_IMAGE, `${n} detections`);
        assert.equal(dets.boxes.length, 4 * n);
        assert.equal(dets.masks!.length, n);
        for (let i = 1; i < n; i++) assert.ok(dets.scores[i] <= dets.scores[i - 1], 'scores descend');
        for (let i = 0; i < n; i++) {
          assert.ok(dets.classes[i] >= 0 && dets.classes[i] < cfg.MODEL.ROI_HEADS.NUM_CLASSES);
          assert.equal(rleTotal(dets.masks![i]), 70 * 90);
          assert.ok(rleArea(dets.masks![i]) <= 70 * 90);
        }
      });
    }

    it('leaves no tensor behind over 50 predictions', async () => {
      const cfg = smallConfig('sartorius_finetune');
      const model = new MaskRcnn(initWeights(cfg, new Random(2)), cfg);
      const input = picture(64, 80);
      await model.predict(input);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 50; i++) await model.predict(input);
      assert.equal(tf.memory().numTensors, before);
      model.dispose();
    });
  });
}
