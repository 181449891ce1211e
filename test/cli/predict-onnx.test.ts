/**
 * `cellmask predict --runtime onnx` end to end on the narrow R-50-FPN with fresh weights: from a
 * model written by `cellmask export` and from the weights, against `--runtime tfjs`; `--set`
 * with `--model`; a broken export; and the arguments it refuses.
 */
import '@tensorflow/tfjs-backend-cpu';

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { main } from '../../src/cli/main.js';
import { getPreset, setConfigValues } from '../../src/config/index.js';
import { writePng } from '../../src/data/image.js';
import { Random } from '../../src/utils/random.js';
import { initWeights, saveWeights } from '../../src/weights/index.js';
import { assertSameDetections } from '../pipeline/same-detections.js';
import { capture } from './capture.js';
import { SETS, SMALL, cells } from './small-predict.js';

describe('cellmask predict --runtime onnx', { timeout: 180_000 }, () => {
  let dir: string;
  let weights: string;
  let images: string;
  let model: string;
  /** `<id>.json` of `--runtime tfjs`. */
  let reference: Map<string, string>;

  const run = async (args: string[]) => {
    const { io, out, err } = capture();
    const code = await main(['predict', ...args], io);
    return { code, stdout: out.join(''), stderr: err.join('') };
  };
  const outputs = (out: string) => new Map(readdirSync(out).sort().map((name) => [name, readFileSync(join(out, name), 'utf8')]));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-predict-onnx-'));
    await tf.setBackend('cpu');
    const cfg = setConfigValues(getPreset('sartorius_finetune'), SMALL);
    const map = initWeights(cfg, new Random(3));
    weights = join(dir, 'small.safetensors');
    await saveWeights(weights, map, { poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
    map.forEach((t) => t.dispose());
    images = join(dir, 'images');
    mkdirSync(images);
    await writePng(join(images, 'b.png'), cells(1, 0));
    await writePng(join(images, 'a.png'), cells(3, 5 * 4, 3 * 4));

    model = join(dir, 'model', 'small.onnx');
    const exported = capture();
    assert.equal(await main(['export', '--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--out', model], exported.io), 0, exported.err.join(''));
    const tensors = tf.memory().numTensors;
    const tfjs = await run(['--runtime', 'tfjs', '--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--input', images, '--out', join(dir, 'tfjs'), '--backend', 'cpu']);
    assert.equal(tfjs.code, 0, tfjs.stderr);
    assert.equal(tf.memory().numTensors, tensors, 'no TensorFlow.js tensor left in this thread');
    reference = outputs(join(dir, 'tfjs'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--model (from cellmask export) and --weights/--config give the detections of --runtime tfjs', async () => {
    const tensors = tf.memory().numTensors;
    const fromModel = await run(['--runtime', 'onnx', '--model', model, '--input', images, '--out', join(dir, 'model-out'), '--threads', '1']);
    const fromWeights = await run(['--runtime', 'onnx', '--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--input', images, '--out', join(dir, 'weights-out')]);
    assert.equal(tf.memory().numTensors, tensors);
    for (const [label, result, out] of [['--model', fromModel, 'model-out'], ['--weights', fromWeights, 'weights-out']] as const) {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr.split('\n').filter((line) => /^\[\d\/2\] .*\.png: \d+ detections in \d+\.\d\d s$/.test(line)).length, 2, result.stderr);
      assert.match(result.stdout, /^predicted 2 image\(s\) in [\d.]+ s on (\d workers x )?onnxruntime-node \d+\.\d+\.\d+ \(cpu, \d+ threads?\): \d+ detections -> /);
      const written = outputs(join(dir, out));
      assert.deepEqual([...written.keys()], ['a.json', 'b.json'], label);
      for (const [name, text] of written) assertSameDetections(JSON.parse(text), JSON.parse(reference.get(name)!), `${label} ${name}`);
    }
    // --threads alone: as many one-thread workers as fill the cores (at most one per image); without it, one worker with every core.
    const cores = availableParallelism();
    assert.match(fromModel.stdout, new RegExp(` on ${cores > 1 ? '2 workers x ' : ''}onnxruntime-node \\S+ \\(cpu, 1 thread\\): `));
    assert.match(fromWeights.stdout, new RegExp(` on onnxruntime-node \\S+ \\(cpu, ${cores} threads?\\): `));
    assert.ok([...reference.values()].every((text) => JSON.parse(text).scores.length > 0), 'detections to compare');
  });

  it('--set with --model changes the inference keys and refuses the others, naming them', async () => {
    const none = join(dir, 'none');
    const strict = await run(['--runtime', 'onnx', '--model', model, '--set', 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=1.0', '--input', images, '--out', none, '--format', 'csv']);
    assert.equal(strict.code, 0, strict.stderr);
    assert.equal(readFileSync(join(none, 'submission.csv'), 'utf8').replace(/\r/g, ''), 'id,predicted\na,\nb,\n');

    const fixed = await run(['--runtime', 'onnx', '--model', model, '--set', 'MODEL.FPN.OUT_CHANNELS=32', '--set', 'TEST.DETECTIONS_PER_IMAGE=5', '--input', images, '--out', join(dir, 'fixed')]);
    assert.equal(fixed.code, 2);
    assert.match(fixed.stderr, /^cellmask predict: --set MODEL\.FPN\.OUT_CHANNELS: fixed by the graphs of --model .*small\.onnx; with --model only INPUT\.MIN_SIZE_TEST, .*MODEL\.ROI_HEADS\.SCORE_THRESH_TEST, .*TEST\.DETECTIONS_PER_IMAGE may be set/);
    const unknown = await run(['--runtime', 'onnx', '--model', model, '--set', 'MODEL.NO_SUCH_KEY=1', '--input', images, '--out', join(dir, 'fixed')]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--set MODEL\.NO_SUCH_KEY=1: unknown config key/);
    assert.equal(existsSync(join(dir, 'fixed')), false);
  });

  it('names a missing sibling file and a --model that is not an export, exit 1', async () => {
    const copy = join(dir, 'copied');
    mkdirSync(copy);
    for (const name of ['small.onnx', 'small.mask_head.onnx']) copyFileSync(join(dir, 'model', name), join(copy, name));
    const sibling = await run(['--runtime', 'onnx', '--model', join(copy, 'small.onnx'), '--input', images, '--out', join(dir, 'broken')]);
    assert.equal(sibling.code, 1);
    assert.match(sibling.stderr, /^cellmask predict: cannot read .*copied\/small\.box_head\.onnx \(.*copy the three files together\): ENOENT/);

    const notes = join(dir, 'notes.onnx');
    writeFileSync(notes, 'a text file\n');
    const text = await run(['--runtime', 'onnx', '--model', notes, '--input', images, '--out', join(dir, 'broken')]);
    assert.equal(text.code, 1);
    assert.match(text.stderr, /^cellmask predict: .*notes\.onnx is not an ONNX model/);
    assert.equal(existsSync(join(dir, 'broken')), false, 'nothing written');
  });

  it('rejects arguments that do not go with the runtime, exit 2 with the usage', async () => {
    const io = ['--input', images, '--out', join(dir, 'usage')];
    const cases: [string[], RegExp][] = [
      [['--runtime', 'onnx', '--model', model, '--backend', 'cpu', ...io], /--backend cpu chooses a TensorFlow\.js backend; --runtime onnx runs on onnxruntime-node \(cpu\) and takes no --backend/],
      [['--runtime', 'onnx', '--weights', weights, '--config', 'sartorius_finetune', '--backend', 'wasm', ...io], /takes no --backend/],
      [['--model', model, ...io], /--model .*small\.onnx is an exported ONNX model: it runs with --runtime onnx/],
      [['--runtime', 'onnx', '--model', model, '--weights', weights, ...io], /give --model, or --weights and --config, not both/],
      [['--runtime', 'onnx', '--model', model, '--config', 'sartorius_finetune', ...io], /give --model, or --weights and --config, not both/],
      [['--runtime', 'onnx', '--model', weights, ...io], /--model must be the \.onnx file `cellmask export` wrote \(model\.onnx\), got ".*small\.safetensors"/],
      [['--runtime', 'onnx', ...io], /missing required option --weights/],
      [['--runtime', 'onnxruntime', '--model', model, ...io], /--runtime must be tfjs or onnx, got "onnxruntime"/],
      [['--runtime', 'onnx', '--model', model, '--threads', '0', ...io], /--threads must be an integer >= 1, got "0"/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message);
      assert.match(result.stderr, /Usage: cellmask predict/);
    }
    assert.equal(existsSync(join(dir, 'usage')), false);
  });
});
