/**
 * Model-level parity with torchvision's maskrcnn_resnet50_fpn: the same seeded random weights and
 * the same image through both, compared stage by stage. The fixture (~200 MB) is made by
 * scripts/fixtures/model_parity.py when /usr/bin/python3 (or $CELLMASK_PYTHON) has torch and
 * torchvision, cached under node_modules/.cache/cellmask/, and the test is skipped with a
 * message when it has not.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';

import { resnetForward } from '../../src/backbone/index.js';
import { setConfigValues, getPreset } from '../../src/config/index.js';
import { fpnForward } from '../../src/fpn/index.js';
import { MaskRcnn, anchorGeneratorFromConfig, maskRcnnOptionsFromConfig, preprocessImage } from '../../src/model/index.js';
import type { Detections } from '../../src/ensemble/index.js';
import { onnxMaskRcnnFromWeights } from '../../src/onnx/index.js';
import { encodeCounts, rleArea, rleIou } from '../../src/rle/index.js';
import { proposalsFromHead, rpnHead } from '../../src/rpn/index.js';
import { type StoredTensor, loadWeights, readSafetensors } from '../../src/weights/index.js';
import { useBackend, withoutLeaks } from '../tf/backends.js';
import { relativeError } from '../tf/compare.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = join(root, 'scripts', 'fixtures', 'model_parity.py');
const python = process.env.CELLMASK_PYTHON ?? '/usr/bin/python3';

/** The fixture folder, made (once per version of the script) when Python has torch; or why not. */
function fixtureDir(): string | { skip: string } {
  const hash = createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 12);
  const dir = join(root, 'node_modules', '.cache', 'cellmask', `model-parity-${hash}`);
  if (existsSync(join(dir, 'meta.json'))) return dir;
  const probe = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skip: `${python} has no torch/torchvision: model parity not checked (apt-get install python3-torchvision)` };
  const made = spawnSync(python, [script, dir], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`model_parity.py failed: ${made.stderr}`);
  return dir;
}

const fixture = fixtureDir();
const skip = typeof fixture === 'string' ? false : fixture.skip;
if (skip) console.log(`# SKIP model parity: ${skip}`);

/**
 * Pairs of rows (`a` index, `b` index) of two [n, 4] box lists that agree to `tol` times the
 * largest coordinate of `b`, greedily in `b`'s order; `sameGroup` may forbid a pairing.
 * Rankings of scores closer than float32 noise (and the NMS decisions that follow from them)
 * may differ between two correct implementations, so the lists are matched, not zipped.
 */
function matchBoxes(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, sameGroup = (_i: number, _j: number) => true): [number, number][] {
  let scale = 0;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]));
  const used = new Uint8Array(a.length / 4);
  const pairs: [number, number][] = [];
  for (let j = 0; j < b.length / 4; j++) {
    for (let i = 0; i < a.length / 4; i++) {
      if (used[i] || !sameGroup(i, j)) continue;
      let d = 0;
      for (let k = 0; k < 4; k++) d = Math.max(d, Math.abs(a[4 * i + k] - b[4 * j + k]));
      if (d <= tol * scale) {
        used[i] = 1;
        pairs.push([i, j]);
        break;
      }
    }
  }
  return pairs;
}

/** The TensorFlow.js detections of the fixture's picture, kept for the ONNX runtime's comparison. */
let tfjsDetections: Detections | undefined;

/** Pairs of `a`'s and `b`'s detections of one class whose boxes agree to `px` pixels, greedily in `b`'s order. */
function matchDetections(a: Detections, b: Detections, px: number): [number, number][] {
  const pairs: [number, number][] = [];
  const used = new Uint8Array(a.scores.length);
  for (let j = 0; j < b.scores.length; j++) {
    for (let i = 0; i < a.scores.length; i++) {
      if (used[i] || a.classes[i] !== b.classes[j]) continue;
      let d = 0;
      for (let k = 0; k < 4; k++) d = Math.max(d, Math.abs(a.boxes[4 * i + k] - b.boxes[4 * j + k]));
      if (d <= px) {
        used[i] = 1;
        pairs.push([i, j]);
        break;
      }
    }
  }
  return pairs;
}

/** The fixture's torchvision config for `meta`. */
function fixtureConfig(meta: { num_classes: number; min_size: number; max_size: number }) {
  return setConfigValues(getPreset('torchvision_maskrcnn_resnet50_fpn'), [
    `MODEL.ROI_HEADS.NUM_CLASSES=${meta.num_classes - 1}`,
    `INPUT.MIN_SIZE_TEST=${meta.min_size}`,
    `INPUT.MAX_SIZE_TEST=${meta.max_size}`,
  ]);
}

describe('model parity with torchvision maskrcnn_resnet50_fpn', { skip }, () => {
  let outputs: Map<string, StoredTensor>;
  let model: MaskRcnn;
  let meta: { num_classes: number; min_size: number; max_size: number; image_size: [number, number]; resized_size: [number, number] };

  before(async () => {
    await useBackend('wasm');
    const dir = fixture as string;
    meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    outputs = (await readSafetensors(join(dir, 'outputs.safetensors'))).tensors;
    const { weights, unused } = await loadWeights(join(dir, 'weights.safetensors'), { format: 'torchvision', poolerResolution: 7 });
    assert.deepEqual(unused, []);
    model = new MaskRcnn(weights, fixtureConfig(meta));
  });

  const picture = () => {
    const image = outputs.get('image')!;
    return { data: image.data as Uint8Array, height: image.shape[0], width: image.shape[1], channels: 3 };
  };

  it('gives the same FPN features (1e-3 relative) and proposals', async () => {
    await withoutLeaks(async () => {
      const input = preprocessImage(picture(), model.options.preprocess);
      assert.deepEqual(input.resizedSize, meta.resized_size);
      const body = resnetForward(model.weights, input.images, { strideInOneByOne: false, outFeatures: ['res2', 'res3', 'res4', 'res5'] });
      const p = fpnForward(model.weights, body);
      Object.values(body).forEach((t) => t.dispose());
      const levels = [p.p2, p.p3, p.p4, p.p5, p.p6];
      for (const [i, level] of levels.entries()) {
        const golden = outputs.get(`p${i + 2}`)!;
        assert.deepEqual(level.shape, golden.shape);
        const err = relativeError(await level.data(), golden.data);
        assert.ok(err < 1e-3, `p${i + 2}: relative error ${err}`);
      }
      const head = rpnHead(levels, model.weights);
      const anchors = anchorGeneratorFromConfig(model.config).generate(
        levels.map((l) => [l.shape[1], l.shape[2]] as const),
        [input.images.shape[1], input.images.shape[2]],
      );
      const [proposals] = await proposalsFromHead(head, anchors, [input.resizedSize], maskRcnnOptionsFromConfig(model.config).proposals);
      head.logits.forEach((t) => t.dispose());
      head.deltas.forEach((t) => t.dispose());
      levels.forEach((t) => t.dispose());
      input.images.dispose();
      const golden = outputs.get('proposals')!.data;
      assert.equal(proposals.boxes.length, golden.length, 'proposal count');
      // The best proposals come in the same order; all but a few (near-ties at the cut-offs
      // and in NMS) are found in the other list to 1e-3.
      assert.ok(relativeError(proposals.boxes.subarray(0, 80), golden.subarray(0, 80)) < 1e-3, 'top 20 proposals');
      const pairs = matchBoxes(proposals.boxes, golden, 1e-3);
      assert.ok(pairs.length >= 0.95 * (golden.length / 4), `${pairs.length} of ${golden.length / 4} proposals matched`);
    });
  });


  it('gives the same detections: boxes and scores to 1e-3, same classes, masks IoU >= 0.99', async () => {
    const detections = await withoutLeaks(() => model.predict(picture()));
    tfjsDetections = detections;
    const boxes = outputs.get('boxes')!.data;
    const scores = outputs.get('scores')!.data;
    // torchvision's label k is cellmask's class k - 1 (background first there, last here).
    const labels = Array.from(outputs.get('labels')!.data, (l) => l - 1);
    assert.equal(detections.scores.length, scores.length, 'detection count');
    const pairs = matchBoxes(detections.boxes, boxes, 1e-3, (i, j) => detections.classes[i] === labels[j]);
    assert.ok(pairs.length >= 0.9 * scores.length, `${pairs.length} of ${scores.length} detections matched`);
    assert.ok(relativeError(detections.scores.subarray(0, 10), scores.subarray(0, 10)) < 1e-3, 'top 10 scores');
    const golden = outputs.get('masks')!;
    const [, h, w] = golden.shape;
    const ious: number[] = [];
    for (const [i, j] of pairs) {
      assert.ok(Math.abs(detections.scores[i] - scores[j]) < 1e-3, `score of detection ${j}: ${detections.scores[i]} vs ${scores[j]}`);
      const truth = encodeCounts((golden.data as Uint8Array).subarray(j * h * w, (j + 1) * h * w));
      if (rleArea(truth) > 0 || rleArea(detections.masks![i]) > 0) ious.push(rleIou([detections.masks![i]], [truth])[0]);
    }
    // torchvision pastes into a box truncated to integers: when a coordinate sits within float
    // noise of an integer, its mask moves by a pixel. All but such cases agree to IoU >= 0.99;
    // small masks may differ by a boundary pixel (1 of 60 pixels is IoU 0.98).
    const good = ious.filter((v) => v >= 0.99).length;
    const mean = ious.reduce((s, v) => s + v, 0) / ious.length;
    assert.ok(good >= 0.9 * ious.length, `${good} of ${ious.length} masks at IoU >= 0.99`);
    assert.ok(mean >= 0.99, `mean mask IoU ${mean}`);
  });

  it('leaves no tensor behind over repeated predictions', async () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await model.predict(picture());
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('ONNX runtime parity on the same fixture (onnxruntime-node)', { skip }, () => {
  it('gives torchvision\'s detections to 1e-3 and the TensorFlow.js path\'s to 1e-2 px, 1e-3 in score, mask IoU >= 0.99', async () => {
    const dir = fixture as string;
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    const outputs = (await readSafetensors(join(dir, 'outputs.safetensors'))).tensors;
    const image = outputs.get('image')!;
    const picture = { data: image.data as Uint8Array, height: image.shape[0], width: image.shape[1], channels: 3 };
    const onnx = await onnxMaskRcnnFromWeights(join(dir, 'weights.safetensors'), fixtureConfig(meta), { session: { intraOpNumThreads: 2 } });
    const detections = await onnx.predict(picture);
    await onnx.release();

    const scores = outputs.get('scores')!.data;
    const labels = Array.from(outputs.get('labels')!.data, (l) => l - 1);
    assert.equal(detections.scores.length, scores.length, 'detection count vs torchvision');
    const vsTorch = matchBoxes(detections.boxes, outputs.get('boxes')!.data, 1e-3, (i, j) => detections.classes[i] === labels[j]);
    assert.ok(vsTorch.length >= 0.9 * scores.length, `${vsTorch.length} of ${scores.length} detections matched torchvision's`);

    if (tfjsDetections === undefined) return; // the TensorFlow.js test above did not run
    const tfjs = tfjsDetections;
    assert.equal(detections.scores.length, tfjs.scores.length, 'detection count vs TensorFlow.js');
    const pairs = matchDetections(detections, tfjs, 1e-2);
    const ious = pairs.map(([i, j]) => {
      assert.ok(Math.abs(detections.scores[i] - tfjs.scores[j]) < 1e-3, `score ${detections.scores[i]} vs ${tfjs.scores[j]}`);
      return rleArea(detections.masks![i]) + rleArea(tfjs.masks![j]) === 0 ? 1 : rleIou([detections.masks![i]], [tfjs.masks![j]])[0];
    });
    // A pixel whose probability sits within float noise of 0.5 may flip: on a 58-pixel mask that
    // is IoU 0.983. So: no mask below 0.98, at least 95% at 0.99 or more, the mean at 0.995 or more.
    const low = ious.filter((v) => v < 0.99);
    const mean = ious.reduce((a, v) => a + v, 0) / ious.length;
    assert.ok(ious.every((v) => v >= 0.98), `masks below IoU 0.98: ${ious.filter((v) => v < 0.98).join(', ')}`);
    assert.ok(low.length <= 0.05 * ious.length, `${low.length} of ${ious.length} masks below IoU 0.99: ${low.join(', ')}`);
    assert.ok(mean >= 0.995, `mean mask IoU ${mean}`);
  });
});
