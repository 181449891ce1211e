// examples/reproduce-toy.ts with the toy plan shrunk to a tiny network and a few tiny images:
// the run makes its own data, trains, ensembles, scores and writes the report; the table shows
// each fold model and the ensemble with the numbers of scores.json.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { reproduceToy, scoreTable } from '../../examples/reproduce-toy.js';
import { initWasmBackendNode } from '../../src/backend/index.js';
import { setConfigValues } from '../../src/config/index.js';
import { type ReproducePlan, reproducePlan } from '../../src/pipeline/index.js';
import { TINY_TRAINING } from '../train/tiny-training.js';

const toy = reproducePlan('toy');
const TINY_PLAN: ReproducePlan = {
  ...toy,
  folds: 2,
  pretrain: setConfigValues(toy.pretrain, TINY_TRAINING),
  finetune: setConfigValues(toy.finetune, [...TINY_TRAINING, 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.0']),
  ensemble: { ...toy.ensemble, classThresholds: [0, 0, 0], minPixels: [1, 1, 1] },
  toyData: { ...toy.toyData!, trainImages: 6, testImages: 2, livecellImages: 4, height: 48, width: 64 },
};

describe('examples/reproduce-toy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellmask-reproduce-toy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reproduces on data it makes itself and tabulates the scores', async () => {
    const out = join(dir, 'toy');
    await initWasmBackendNode();
    const tensors = tf.memory().numTensors;
    const result = await reproduceToy({ out, plan: TINY_PLAN, log: () => {} });
    assert.equal(tf.memory().numTensors, tensors, 'training and evaluation free their tensors');
    for (const path of ['data/competition/train.csv', 'data/livecell/annotations.json', 'submission.csv', 'report/index.html']) {
      assert.ok(existsSync(join(out, path)), path);
    }
    const scores = JSON.parse(readFileSync(join(out, 'scores.json'), 'utf8'));
    assert.deepEqual(result.scores, scores);
    const table = scoreTable(result).trim().split('\n');
    assert.equal(table.length, 1 + 2 + 1);
    assert.match(table[1], new RegExp(`^fold 0 alone .* ${scores.folds[0].testMapIou.toFixed(4)}$`));
    assert.match(table[3], new RegExp(`^ensemble of 2 .* ${scores.ensemble.mapIou.toFixed(4)}$`));
  });
});
