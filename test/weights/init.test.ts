import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { getPreset } from '../../src/config/index.js';
import { Random } from '../../src/utils/random.js';
import { expectedWeightShapes, initWeights } from '../../src/weights/index.js';
import { useBackend } from '../tf/backends.js';

describe('initWeights', () => {
  before(() => useBackend('cpu'));
  const cfg = getPreset('sartorius_finetune');

  it('makes every expected parameter with its shape, deterministically for a seed', () => {
    const a = initWeights(cfg, new Random(7));
    const b = initWeights(cfg, new Random(7));
    const shapes = expectedWeightShapes(cfg);
    assert.deepEqual([...a.keys()].sort(), [...shapes.keys()].sort());
    for (const [name, shape] of shapes) assert.deepEqual(a.get(name)!.shape, shape, name);
    const name = 'backbone.bottom_up.res3.0.conv2.weight';
    assert.deepEqual(a.get(name)!.dataSync(), b.get(name)!.dataSync());
    [...a.values(), ...b.values()].forEach((t) => t.dispose());
  });

  it('draws kernels at He scale, predictors at 0.01, identity norms and zero-init residual ends', () => {
    const w = initWeights(cfg, new Random(1));
    const std = (name: string) => {
      const v = w.get(name)!.dataSync() as Float32Array;
      return Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    };
    // res3.0.conv2: 3x3, 128 -> 128: He std sqrt(2 / 1152) = 0.0417.
    assert.ok(Math.abs(std('backbone.bottom_up.res3.0.conv2.weight') / Math.sqrt(2 / 1152) - 1) < 0.02);
    assert.ok(Math.abs(std('roi_heads.box_predictor.cls_score.weight') / 0.01 - 1) < 0.05);
    assert.ok(w.get('backbone.bottom_up.res3.0.conv2.norm.weight')!.dataSync().every((v) => v === 1));
    assert.ok(w.get('backbone.bottom_up.res3.0.conv3.norm.weight')!.dataSync().every((v) => v === 0));
    assert.ok(w.get('backbone.bottom_up.res3.0.conv3.norm.running_var')!.dataSync().every((v) => v === 1));
    assert.ok(w.get('roi_heads.box_head.fc1.bias')!.dataSync().every((v) => v === 0));
    w.forEach((t) => t.dispose());
  });
});
