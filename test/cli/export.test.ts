/**
 * `cellmask export` on the narrow R-50-FPN with fresh weights: the three files, read back with
 * the config they were exported with, and how it fails without leaving anything behind.
 */
import '@tensorflow/tfjs-backend-cpu';

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';

import { main } from '../../src/cli/main.js';
import { getPreset, setConfigValues } from '../../src/config/index.js';
import { onnxPaths, readOnnxFiles } from '../../src/onnx/index.js';
import { Random } from '../../src/utils/random.js';
import { initWeights, saveWeights } from '../../src/weights/index.js';
import { SMALL_NETWORK } from '../model/small-network.js';
import { capture } from './capture.js';

const SETS = SMALL_NETWORK.flatMap((kv) => ['--set', kv]);

describe('cellmask export', () => {
  let dir: string;
  let weights: string;
  /** A checkpoint of the small network with 4 classes instead of 3. */
  let fourClasses: string;

  const run = async (args: string[]) => {
    const { io, out, err } = capture();
    const code = await main(['export', ...args], io);
    return { code, stdout: out.join(''), stderr: err.join('') };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-export-'));
    await tf.setBackend('cpu');
    const cfg = setConfigValues(getPreset('sartorius_finetune'), SMALL_NETWORK);
    for (const [name, classes] of [['small', 3], ['four-classes', 4]] as const) {
      const map = initWeights(setConfigValues(cfg, [`MODEL.ROI_HEADS.NUM_CLASSES=${classes}`]), new Random(3));
      await saveWeights(join(dir, `${name}.safetensors`), map, { poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
      map.forEach((t) => t.dispose());
    }
    weights = join(dir, 'small.safetensors');
    fourClasses = join(dir, 'four-classes.safetensors');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the three graphs into a new folder, prints each with its size, and they read back with the config', async () => {
    const out = join(dir, 'models', 'v1', 'small.onnx');
    const result = await run(['--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--set', 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.25', '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const paths = onnxPaths(out);
    assert.deepEqual(readdirSync(join(dir, 'models', 'v1')).sort(), ['small.box_head.onnx', 'small.mask_head.onnx', 'small.onnx'], 'no temporary file left');
    const [head, ...lines] = result.stdout.trimEnd().split('\n');
    assert.match(head, /^exported 3 ONNX graphs \(opset 17\) in \d+\.\d\d s:$/);
    assert.equal(lines.length, 3);
    [paths.features, paths.box_head, paths.mask_head].forEach((path, i) => {
      const [, printed, size, unit] = /^ {2}(\S+) +(\d+\.\d) (KiB|MiB)$/.exec(lines[i]) ?? [];
      assert.equal(printed, path, lines[i]);
      const bytes = statSync(path).size;
      assert.equal(size, (bytes / (unit === 'KiB' ? 1024 : 1024 ** 2)).toFixed(1), `${lines[i]}: ${bytes} bytes`);
    });

    const models = await readOnnxFiles(out);
    const expected = setConfigValues(getPreset('sartorius_finetune'), [...SMALL_NETWORK, 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.25']);
    assert.deepEqual(models.config, expected);
    assert.deepEqual(models.boxHead, new Uint8Array(readFileSync(paths.box_head)));
  });

  it('names the weights of another network, and writes nothing: no file, no folder, an earlier export untouched', async () => {
    const fresh = join(dir, 'new-folder', 'model.onnx');
    const other = await run(['--weights', fourClasses, '--config', 'sartorius_finetune', ...SETS, '--out', fresh]);
    assert.equal(other.code, 1);
    assert.match(
      other.stderr,
      /^cellmask export: --weights .*four-classes\.safetensors does not fit --config: 6 have other shapes: roi_heads\.box_predictor\.cls_score\.weight \[32, 5\], expected \[32, 4\], /,
    );
    assert.equal(existsSync(join(dir, 'new-folder')), false, 'the folder made for it is gone again');

    const deeper = await run(['--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--set', 'MODEL.RESNETS.DEPTH=101', '--out', fresh]);
    assert.equal(deeper.code, 1);
    assert.match(deeper.stderr, /does not fit --config: 255 of the config's \d+ weights are missing: backbone\.bottom_up\.res4\.6\.conv1\.weight, /);

    const kept = join(dir, 'kept');
    mkdirSync(kept);
    const out = join(kept, 'model.onnx');
    assert.equal((await run(['--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--out', out])).code, 0);
    const before = new Map(readdirSync(kept).map((name) => [name, readFileSync(join(kept, name))]));
    assert.equal((await run(['--weights', fourClasses, '--config', 'sartorius_finetune', ...SETS, '--out', out])).code, 1);
    assert.deepEqual(new Map(readdirSync(kept).map((name) => [name, readFileSync(join(kept, name))])), before);
  });

  it('names unreadable weights and a config that is neither a preset nor a file', async () => {
    const out = join(dir, 'unwritten', 'model.onnx');
    const missing = await run(['--weights', join(dir, 'nope.safetensors'), '--config', 'sartorius_finetune', '--out', out]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^cellmask export: readSafetensors: cannot read .*nope\.safetensors: ENOENT/);
    const text = join(dir, 'text.safetensors');
    writeFileSync(text, 'not a checkpoint');
    const garbled = await run(['--weights', text, '--config', 'sartorius_finetune', '--out', out]);
    assert.equal(garbled.code, 1);
    assert.match(garbled.stderr, /^cellmask export: parseSafetensors: .*text\.safetensors: header length \d+ runs past the end of the file/);
    const config = await run(['--weights', weights, '--config', join(dir, 'none.yaml'), '--out', out]);
    assert.equal(config.code, 1);
    assert.match(config.stderr, /none\.yaml: neither a preset \(.*\) nor a readable file/);
    assert.equal(existsSync(join(dir, 'unwritten')), false);
  });

  it('rejects bad arguments with exit 2 and the usage, naming the option', async () => {
    const base = ['--weights', weights, '--config', 'sartorius_finetune'];
    const cases: [string[], RegExp][] = [
      [[...base, '--out', join(dir, 'model.pb')], /--out must end in \.onnx \(.*\), got ".*model\.pb"/],
      [[...base, '--out', join(dir, 'model')], /--out must end in \.onnx/],
      [base, /missing required option --out/],
      [['--config', 'sartorius_finetune', '--out', join(dir, 'm.onnx')], /missing required option --weights/],
      [[...base, '--out', join(dir, 'm.onnx'), '--set', 'MODEL.NO_SUCH_KEY=1'], /--set MODEL\.NO_SUCH_KEY=1: unknown config key/],
      [[...base, '--out', join(dir, 'm.onnx'), '--backend', 'cpu'], /Unknown option '--backend'/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message);
      assert.match(result.stderr, /Usage: cellmask export/);
    }
    assert.ok(!existsSync(join(dir, 'm.onnx')) && !existsSync(join(dir, 'model.pb')));
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--runtime onnx --model FILE\.onnx/);
  });
});
