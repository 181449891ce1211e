import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { getPreset, setConfigValue } from '../../src/config/index.js';
import {
  type StoredTensor,
  checkpointToWeights,
  expectedWeightNames,
  expectedWeightShapes,
  getWeight,
  loadWeights,
  parseSafetensors,
  readSafetensors,
  saveWeights,
  torchvisionToDetectron2Name,
} from '../../src/weights/index.js';
import { BACKENDS, useBackend, withoutLeaks } from '../tf/backends.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');
const torchvisionKeys: { keys: { name: string; shape: number[]; dtype: string }[] } = JSON.parse(
  readFileSync(join(fixtures, 'weights-torchvision-keys.json'), 'utf8'),
);
/** torchvision's maskrcnn_resnet50_fpn(num_classes=4) in cellmask's config: 3 foreground classes. */
const torchvisionConfig = setConfigValue(getPreset('torchvision_maskrcnn_resnet50_fpn'), 'MODEL.ROI_HEADS.NUM_CLASSES', '3');

function disposeAll(weights: ReadonlyMap<string, tf.Tensor>): void {
  for (const t of weights.values()) t.dispose();
}

describe('torchvision names', () => {
  it('maps every key of maskrcnn_resnet50_fpn (torchvision 0.14) and produces exactly the expected Detectron2 names', () => {
    const mapped = new Set<string>();
    for (const { name } of torchvisionKeys.keys) {
      if (name.endsWith('num_batches_tracked')) continue;
      const target = torchvisionToDetectron2Name(name);
      assert.ok(target !== undefined, `${name} maps to nothing`);
      assert.ok(!mapped.has(target), `${target} is produced twice`);
      mapped.add(target);
    }
    assert.deepEqual([...mapped].sort(), expectedWeightNames(torchvisionConfig).sort());
  });

  it('spells the index shifts out: layer1 is res2, inner_blocks.0 is fpn_lateral2, mask_head.0 is mask_fcn1', () => {
    const cases: [string, string][] = [
      ['backbone.body.conv1.weight', 'backbone.bottom_up.stem.conv1.weight'],
      ['backbone.body.bn1.running_var', 'backbone.bottom_up.stem.conv1.norm.running_var'],
      ['backbone.body.layer1.0.downsample.0.weight', 'backbone.bottom_up.res2.0.shortcut.weight'],
      ['backbone.body.layer4.2.bn3.bias', 'backbone.bottom_up.res5.2.conv3.norm.bias'],
      ['backbone.fpn.inner_blocks.0.0.weight', 'backbone.fpn_lateral2.weight'],
      ['backbone.fpn.layer_blocks.3.weight', 'backbone.fpn_output5.weight'], // torchvision < 0.13
      ['rpn.head.conv.weight', 'proposal_generator.rpn_head.conv.weight'], // torchvision < 0.13
      ['roi_heads.box_head.fc6.weight', 'roi_heads.box_head.fc1.weight'],
      ['roi_heads.mask_head.0.0.bias', 'roi_heads.mask_head.mask_fcn1.bias'],
      ['roi_heads.mask_head.mask_fcn4.weight', 'roi_heads.mask_head.mask_fcn4.weight'], // torchvision < 0.13
      ['roi_heads.mask_predictor.conv5_mask.weight', 'roi_heads.mask_head.deconv.weight'],
    ];
    for (const [from, to] of cases) assert.equal(torchvisionToDetectron2Name(from), to, from);
    assert.equal(torchvisionToDetectron2Name('roi_heads.keypoint_head.0.weight'), undefined);
  });

  it('converts a full checkpoint to the expected tfjs shapes and reports what maps to nothing', async () => {
    await useBackend('cpu');
    const tensors = new Map<string, StoredTensor>();
    for (const { name, shape, dtype } of torchvisionKeys.keys) {
      const count = shape.reduce((a, d) => a * d, 1);
      tensors.set(name, dtype === 'int64' ? { dtype: 'I64', shape, data: new Int32Array(count) } : { dtype: 'F32', shape, data: new Float32Array(count) });
    }
    tensors.set('roi_heads.keypoint_predictor.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    await withoutLeaks(() => {
      const { weights, unused, skipped, format } = checkpointToWeights(tensors, { poolerResolution: 7 });
      assert.equal(format, 'torchvision');
      assert.deepEqual(unused, ['roi_heads.keypoint_predictor.weight']);
      assert.equal(skipped.length, torchvisionKeys.keys.filter((k) => k.name.endsWith('num_batches_tracked')).length);
      const expected = expectedWeightShapes(torchvisionConfig);
      assert.equal(weights.size, expected.size);
      for (const [name, shape] of expected) getWeight(weights, name, shape);
      assert.deepEqual(weights.get('roi_heads.box_head.fc1.weight')!.shape, [7 * 7 * 256, 1024]);
      assert.deepEqual(weights.get('roi_heads.box_predictor.cls_score.weight')!.shape, [1024, 4]); // 3 classes + background
      assert.deepEqual(weights.get('roi_heads.box_predictor.bbox_pred.weight')!.shape, [1024, 12]); // 4 x 3 classes
      assert.deepEqual(weights.get('roi_heads.mask_head.predictor.weight')!.shape, [1, 1, 256, 3]);
      disposeAll(weights);
    });
  });

  it('lists the Detectron2 names of the solution\'s config, with 5 anchors per location', () => {
    const shapes = expectedWeightShapes(getPreset('sartorius_finetune'));
    assert.deepEqual(shapes.get('proposal_generator.rpn_head.objectness_logits.weight'), [1, 1, 256, 5]);
    assert.deepEqual(shapes.get('proposal_generator.rpn_head.anchor_deltas.weight'), [1, 1, 256, 20]);
    assert.deepEqual(shapes.get('backbone.bottom_up.res4.5.conv2.weight'), [3, 3, 256, 256]);
    assert.equal(shapes.has('backbone.bottom_up.res4.6.conv1.weight'), false, 'ResNet-50 has 6 res4 blocks');
    assert.deepEqual(shapes.get('backbone.bottom_up.res3.0.shortcut.norm.running_mean'), [512]);
    assert.equal(shapes.has('backbone.bottom_up.res2.0.conv1.bias'), false, 'convs with a norm have no bias');
    assert.deepEqual(shapes.get('roi_heads.mask_head.deconv.weight'), [2, 2, 256, 256]);
  });
});

describe('layout conversions', () => {
  const layouts = parseSafetensors(new Uint8Array(readFileSync(join(fixtures, 'weights-layouts.safetensors'))), 'weights-layouts').tensors;
  const get = (name: string): StoredTensor => layouts.get(name)!;
  const nhwc = (t: StoredTensor): tf.Tensor4D => tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]), [0, 2, 3, 1]);
  const close = async (actual: tf.Tensor, expected: tf.Tensor): Promise<void> => {
    assert.deepEqual(actual.shape, expected.shape);
    const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected))));
    const diff = (await gap.data())[0];
    gap.dispose();
    assert.ok(diff < 1e-4, `max difference ${diff}`);
  };
  /** A Detectron2 checkpoint with the fixture's tensors under the names that select each layout. */
  const checkpoint = new Map<string, StoredTensor>([
    ['roi_heads.mask_head.mask_fcn1.weight', get('conv.weight')],
    ['roi_heads.mask_head.mask_fcn1.bias', get('conv.bias')],
    ['roi_heads.box_head.fc1.weight', get('fc1.weight')],
    ['roi_heads.box_head.fc1.bias', get('fc1.bias')],
    ['roi_heads.mask_head.deconv.weight', get('deconv.weight')],
    ['roi_heads.mask_head.deconv.bias', get('deconv.bias')],
    ['pixel_mean', get('conv.bias')],
  ]);

  for (const backend of BACKENDS) {
    it(`applying converted weights in NHWC reproduces PyTorch's conv, pooled fc1 and deconv (${backend})`, async () => {
      await useBackend(backend);
      await withoutLeaks(async () => {
        const { weights, unused, format } = checkpointToWeights(checkpoint, { format: 'auto', poolerResolution: 3 });
        assert.equal(format, 'detectron2');
        assert.deepEqual(unused, ['pixel_mean']);
        const w = (name: string) => weights.get(name)!;
        const pairs = tf.tidy(() => {
          const conv = tf.add(tf.conv2d(nhwc(get('conv.input_nchw')), w('roi_heads.mask_head.mask_fcn1.weight') as tf.Tensor4D, 1, 'same'), w('roi_heads.mask_head.mask_fcn1.bias'));
          const pooled = tf.reshape(nhwc(get('fc1.input_nchw')), [2, -1]); // NHWC flatten order (y, x, c)
          const fc = tf.add(tf.matMul(pooled as tf.Tensor2D, w('roi_heads.box_head.fc1.weight') as tf.Tensor2D), w('roi_heads.box_head.fc1.bias'));
          const deconv = tf.add(tf.conv2dTranspose(nhwc(get('deconv.input_nchw')), w('roi_heads.mask_head.deconv.weight') as tf.Tensor4D, [1, 6, 10, 3], 2, 'valid'), w('roi_heads.mask_head.deconv.bias'));
          const fcExpected = tf.tensor(get('fc1.output').data as Float32Array, [...get('fc1.output').shape]);
          return [conv, nhwc(get('conv.output_nchw')), fc, fcExpected, deconv, nhwc(get('deconv.output_nchw'))];
        });
        for (let i = 0; i < pairs.length; i += 2) await close(pairs[i], pairs[i + 1]);
        tf.dispose(pairs);
        disposeAll(weights);
      });
    });
  }

  it('puts the background last and drops its box deltas and mask channel (torchvision -> Detectron2)', async () => {
    await useBackend('cpu');
    const tv = new Map<string, StoredTensor>();
    for (const [from, to] of [
      ['cls_score.weight', 'roi_heads.box_predictor.cls_score.weight'],
      ['cls_score.bias', 'roi_heads.box_predictor.cls_score.bias'],
      ['bbox_pred.weight', 'roi_heads.box_predictor.bbox_pred.weight'],
      ['bbox_pred.bias', 'roi_heads.box_predictor.bbox_pred.bias'],
    ]) tv.set(to, get(`tv.${from}`));
    tv.set('roi_heads.mask_predictor.mask_fcn_logits.weight', get('tv.mask_fcn_logits.weight'));
    tv.set('roi_heads.mask_predictor.mask_fcn_logits.bias', get('tv.mask_fcn_logits.bias'));
    await withoutLeaks(async () => {
      const { weights } = checkpointToWeights(tv, { format: 'torchvision', poolerResolution: 7 });
      for (const [name, fixture] of [
        ['roi_heads.box_predictor.cls_score.weight', 'd2.cls_score.weight'],
        ['roi_heads.box_predictor.cls_score.bias', 'd2.cls_score.bias'],
        ['roi_heads.box_predictor.bbox_pred.weight', 'd2.bbox_pred.weight'],
        ['roi_heads.box_predictor.bbox_pred.bias', 'd2.bbox_pred.bias'],
        ['roi_heads.mask_head.predictor.weight', 'd2.predictor.weight'],
        ['roi_heads.mask_head.predictor.bias', 'd2.predictor.bias'],
      ]) {
        const t = weights.get(name)!;
        assert.deepEqual(t.shape, get(fixture).shape, name);
        assert.deepEqual(await t.data(), get(fixture).data, name);
      }
      disposeAll(weights);
    });
  });

  it('saveWeights writes Detectron2 names in PyTorch layouts: the original tensors come back', async () => {
    await useBackend('cpu');
    const dir = await mkdtemp(join(tmpdir(), 'cellmask-weights-'));
    const path = join(dir, 'w.safetensors');
    const source = new Map([...checkpoint].filter(([name]) => name !== 'pixel_mean'));
    await withoutLeaks(async () => {
      const { weights } = checkpointToWeights(source, { poolerResolution: 3 });
      await saveWeights(path, weights, { poolerResolution: 3 });
      disposeAll(weights);
    });
    const { tensors } = await readSafetensors(path);
    assert.deepEqual([...tensors.keys()].sort(), [...source.keys()].sort());
    for (const [name, t] of source) {
      assert.deepEqual(tensors.get(name)!.shape, t.shape, name);
      assert.deepEqual(tensors.get(name)!.data, t.data, name);
    }
    await withoutLeaks(async () => {
      const again = await loadWeights(path, { poolerResolution: 3 });
      assert.equal(again.format, 'detectron2');
      disposeAll(again.weights);
    });
  });

  it('names the tensor and the option when the pooled size does not fit fc1', () => {
    assert.throws(
      () => checkpointToWeights(checkpoint, { poolerResolution: 7 }),
      /roi_heads.box_head.fc1.weight has 36 inputs, not a multiple of poolerResolution\^2 = 7\^2/,
    );
    assert.throws(() => checkpointToWeights(new Map([['model.w', get('conv.bias')]]), { poolerResolution: 7 }), /cannot tell a Detectron2 checkpoint from a torchvision one .*first: model.w/);
  });
});
