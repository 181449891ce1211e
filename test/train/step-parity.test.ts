/**
 * One training step against torchvision's: the same weights, image, ground truth, proposals and
 * sampled anchors and RoIs (scripts/fixtures/train_step.py records torchvision's draws), then
 * every loss term and the gradient of every trainable parameter compared to 1e-3 relative.
 * The fixture (~350 MB) is made when /usr/bin/python3 (or $CELLMASK_PYTHON) has torch and
 * torchvision, cached under node_modules/.cache/cellmask/, and the test is skipped with a message
 * when it has not.
 */
import '@tensorflow/tfjs';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';

import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/backend/index.js';
import { getPreset, setConfigValues } from '../../src/config/index.js';
import { anchorGeneratorFromConfig } from '../../src/model/index.js';
import { croppedMaskFromBitMask } from '../../src/train/mask-targets.js';
import { trainingOptionsFromConfig } from '../../src/train/options.js';
import { makeTrainable, trainableParameterNames } from '../../src/train/parameters.js';
import { type TrainingImage, trainingStep } from '../../src/train/step.js';
import { Random } from '../../src/utils/random.js';
import { type StoredTensor, checkpointToWeights, loadWeights, readSafetensors, torchvisionToDetectron2Name } from '../../src/weights/index.js';
import { useBackend } from '../tf/backends.js';
import { relativeError, relativeL2 } from '../tf/compare.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scripts = ['train_step.py', 'model_parity.py'].map((s) => join(root, 'scripts', 'fixtures', s));
const python = process.env.CELLMASK_PYTHON ?? '/usr/bin/python3';

/** The fixture folder, made once per version of the scripts when Python has torch; or why not. */
function fixtureDir(): string | { skip: string } {
  const hash = createHash('sha256');
  scripts.forEach((s) => hash.update(readFileSync(s)));
  const dir = join(root, 'node_modules', '.cache', 'cellmask', `train-step-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(join(dir, 'meta.json'))) return dir;
  const probe = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skip: `${python} has no torch/torchvision: training-step parity not checked (apt-get install python3-torchvision)` };
  const made = spawnSync(python, [scripts[0], dir], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`train_step.py failed: ${made.stderr}`);
  return dir;
}

const fixture = fixtureDir();
const skip = typeof fixture === 'string' ? false : fixture.skip;
if (skip) console.log(`# SKIP training-step parity: ${skip}`);

const int32 = (t: StoredTensor) => Int32Array.from(t.data as ArrayLike<number | bigint>, Number);

/** torchvision's loss names -> Detectron2's. */
const LOSS_NAMES = {
  loss_objectness: 'loss_rpn_cls',
  loss_rpn_box_reg: 'loss_rpn_loc',
  loss_classifier: 'loss_cls',
  loss_box_reg: 'loss_box_reg',
  loss_mask: 'loss_mask',
} as const;

describe('one training step against torchvision maskrcnn_resnet50_fpn', { skip }, () => {
  let result: ReturnType<typeof trainingStep>;
  let expectedGrads: ReadonlyMap<string, tf.Tensor>;
  let trainable: string[];
  let meta: { num_classes: number; losses: Record<keyof typeof LOSS_NAMES, number>; float32_vs_float64: Record<string, number>; float32_vs_float64_l2: Record<string, number> };

  before(async () => {
    await useBackend('wasm');
    registerWasmTrainingKernels();
    const dir = fixture as string;
    meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    const data = (await readSafetensors(join(dir, 'data.safetensors'))).tensors;
    const loaded = await loadWeights(join(dir, 'weights.safetensors'), { format: 'torchvision', poolerResolution: 7 });
    const grads = (await readSafetensors(join(dir, 'grads.safetensors'))).tensors;
    expectedGrads = checkpointToWeights(grads, { format: 'torchvision', poolerResolution: 7 }).weights;

    const config = setConfigValues(getPreset('torchvision_maskrcnn_resnet50_fpn'), [`MODEL.ROI_HEADS.NUM_CLASSES=${meta.num_classes - 1}`]);
    trainable = trainableParameterNames(loaded.weights, config.MODEL.BACKBONE.FREEZE_AT);
    const { weights, variables } = makeTrainable(loaded.weights, trainable);

    const image = data.get('image')!;
    const [h, w] = image.shape;
    const masks = data.get('gt_masks')!;
    const g = masks.shape[0];
    const batch: TrainingImage = {
      picture: { data: image.data as Uint8Array, height: h, width: w, channels: 3 },
      gtBoxes: data.get('gt_boxes')!.data as Float32Array,
      gtClasses: Int32Array.from(int32(data.get('gt_labels')!), (c) => c - 1),
      gtMasks: Array.from({ length: g }, (_, i) => croppedMaskFromBitMask((masks.data as Uint8Array).subarray(i * h * w, (i + 1) * h * w), h, w)),
    };
    result = trainingStep(weights, variables, anchorGeneratorFromConfig(config), [batch], trainingOptionsFromConfig(config), new Random(0), {
      rpnSamples: [{ positive: int32(data.get('rpn_pos')!), negative: int32(data.get('rpn_neg')!) }],
      proposals: [data.get('proposals')!.data as Float32Array],
      roiSamples: [{ positive: int32(data.get('roi_pos')!), negative: int32(data.get('roi_neg')!) }],
    });
    weights.forEach((t) => t.dispose());
  });

  after(() => {
    result?.grads.forEach((t) => t.dispose());
    expectedGrads?.forEach((t) => t.dispose());
    unregisterWasmTrainingKernels();
  });

  it('trains the parameters torchvision trains (FREEZE_AT 2 = trainable_backbone_layers 3)', () => {
    assert.deepEqual([...trainable].sort(), [...expectedGrads.keys()].sort());
  });

  it('gives the same five losses to 1e-3 relative', () => {
    for (const [theirs, ours] of Object.entries(LOSS_NAMES)) {
      const expected = meta.losses[theirs as keyof typeof LOSS_NAMES];
      const got = result.losses[ours];
      assert.ok(Math.abs(got - expected) <= 1e-3 * Math.abs(expected), `${ours}: ${got} vs torchvision ${theirs} ${expected}`);
    }
  });

  // A randomly initialised ResNet's gradient is badly conditioned: with the same draws, torch's
  // own float32 gradient is a few percent from its float64 one in res3..res5 (units near a ReLU's
  // kink flip with rounding, and res5's 8 x 10 positions make each flip count), so no float32
  // implementation can match another to 1e-3 there. Every parameter whose float32 gradient torch
  // itself gets to 1e-4 is held to 1e-3 (max relative error); every parameter is held, in
  // Euclidean norm, to 1e-2 or three times torch's own float32-vs-float64 distance. (cellmask's
  // forward pass differs from torch's by more than torch's float64 one does, 1e-4 relative at the
  // FPN, so a few more units flip: res5.2.conv3 is 0.9% off where torch's float32 is 0.1%.)
  it('gives the same gradient for every trainable parameter: 1e-3 relative, or as close as float32 allows', async () => {
    const byOurName = (values: Record<string, number>) => new Map(Object.entries(values).map(([name, e]) => [torchvisionToDetectron2Name(name), e]));
    const conditioning = byOurName(meta.float32_vs_float64);
    const conditioningL2 = byOurName(meta.float32_vs_float64_l2);
    const failed: string[] = [];
    let strict = 0;
    for (const name of trainable) {
      const got = result.grads.get(name);
      assert.ok(got !== undefined, `no gradient for ${name}`);
      const [ours, theirs] = [await got.data(), await expectedGrads.get(name)!.data()];
      const [floor, floorL2] = [conditioning.get(name), conditioningL2.get(name)];
      assert.ok(floor !== undefined && floorL2 !== undefined, `the fixture has no float64 comparison for ${name}`);
      const err = relativeError(ours, theirs);
      const l2 = relativeL2(ours, theirs);
      if (process.env.SHOW_ERRORS) console.log(`ERR ${name} max ${err.toExponential(2)} (torch ${floor.toExponential(2)}) l2 ${l2.toExponential(2)} (torch ${floorL2.toExponential(2)})`);
      if (floor <= 1e-4) {
        strict++;
        if (!(err <= 1e-3)) failed.push(`${name}: max relative error ${err.toExponential(2)} > 1e-3`);
      }
      const tolerance = Math.max(1e-2, 3 * floorL2);
      if (!(l2 <= tolerance)) failed.push(`${name}: relative L2 error ${l2.toExponential(2)} > ${tolerance.toExponential(2)}`);
    }
    assert.deepEqual(failed, []);
    assert.ok(strict >= 10, `only ${strict} parameters are well-conditioned enough to be held to 1e-3`);
  });
});
