/**
 * `predictImages` with `runtime: 'onnx'` on the narrow R-50-FPN with fresh weights: the same
 * detections as TensorFlow.js, from an exported model or from the weights exported in memory;
 * the same bytes with 1 and 2 workers; the config of an export, what a run may change in it;
 * how a broken export fails; and no TensorFlow.js in an onnx worker.
 */
import '@tensorflow/tfjs-backend-cpu';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import ndarray from 'ndarray';

import { type CellmaskConfig, getPreset, setConfigValues } from '../../src/config/index.js';
import { writePng } from '../../src/data/image.js';
import { exportOnnxFiles, onnxPaths } from '../../src/onnx/index.js';
import { ONNX_INFERENCE_KEYS, type PredictImagesOptions, fixedKeysChanged, predictImages, workerLayout } from '../../src/pipeline/index.js';
import { Random } from '../../src/utils/random.js';
import { initWeights, saveWeights } from '../../src/weights/index.js';
import { SMALL_NETWORK } from '../model/small-network.js';
import { assertSameDetections } from './same-detections.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const H = 60;
const W = 80;
const NAMES = ['q3', 'q1', 'q2', 'q4'];
/**
 * The disc pattern's shift for each image. Fresh weights give many nearly equal scores, so float
 * rounding can flip an NMS decision between the runtimes (shift 2 of this pattern keeps a
 * 0.3 px wide box on TensorFlow.js only); these shifts have no such near tie on either runtime.
 */
const PHASES = [0, 1, 3, 4];

/** Dark discs on grey, shifted by `phase`. */
function cells(phase: number): ndarray.NdArray<Uint8Array> {
  const data = new Uint8Array(H * W).fill(128);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) if (((x + 5 * phase) % 24) ** 2 + ((y + 3 * phase) % 20) ** 2 < 40) data[y * W + x] = 60;
  }
  return ndarray(data, [H, W]);
}

/** `dir`'s files -> their contents. */
function contents(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

describe('predictImages on onnxruntime', { timeout: 180_000 }, () => {
  let dir: string;
  let cfg: CellmaskConfig;
  let weights: string;
  let model: string;
  let images: string[];
  /** TensorFlow.js's outputs (cpu backend), the reference. */
  let reference: Map<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-onnx-batch-'));
    await tf.setBackend('cpu');
    cfg = setConfigValues(getPreset('sartorius_finetune'), [...SMALL_NETWORK, 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.0', 'TEST.DETECTIONS_PER_IMAGE=12']);
    const map = initWeights(cfg, new Random(3));
    weights = join(dir, 'small.safetensors');
    await saveWeights(weights, map, { poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
    map.forEach((t) => t.dispose());
    mkdirSync(join(dir, 'images'));
    images = NAMES.map((name) => join(dir, 'images', `${name}.png`));
    for (const [k, path] of images.entries()) await writePng(path, cells(PHASES[k]));
    model = join(dir, 'export', 'model.onnx');
    mkdirSync(join(dir, 'export'));
    await exportOnnxFiles(weights, cfg, model);
    const tensors = tf.memory().numTensors;
    await predictImages({ weights, config: cfg, images, out: join(dir, 'tfjs'), backend: 'cpu' });
    assert.equal(tf.memory().numTensors, tensors, 'the TensorFlow.js run leaves no tensor in this thread');
    reference = contents(join(dir, 'tfjs'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const base = (): Omit<PredictImagesOptions, 'out'> => ({ images, runtime: 'onnx', threadsPerWorker: 1 });

  it('gives the detections of TensorFlow.js, from an exported model and from the weights', async () => {
    const fromModel = await predictImages({ ...base(), onnxModel: model, out: join(dir, 'onnx-model'), workers: 1 });
    const fromWeights = await predictImages({ ...base(), weights, config: cfg, out: join(dir, 'onnx-weights'), workers: 1 });
    for (const [label, result, out] of [['model', fromModel, 'onnx-model'], ['weights', fromWeights, 'onnx-weights']] as const) {
      assert.equal(result.runtime, 'onnx');
      assert.match(result.backend ?? '', /^onnxruntime-node \d+\.\d+\.\d+ \(cpu, 1 thread\)$/);
      assert.deepEqual(result.passedOver, []);
      const written = contents(join(dir, out));
      assert.deepEqual([...written.keys()], [...reference.keys()], label);
      for (const [name, text] of written) assertSameDetections(JSON.parse(text), JSON.parse(reference.get(name)!), `${label} ${name}`);
    }
    assert.ok([...reference.values()].every((text) => JSON.parse(text).scores.length > 0), 'every image has detections to compare');
    assert.deepEqual(contents(join(dir, 'onnx-model')), contents(join(dir, 'onnx-weights')), 'the same graphs either way');
  });

  it('writes the same bytes with 1 and 2 workers, reports no TensorFlow.js tensors, and leaks none here', async () => {
    const tensors = tf.memory().numTensors;
    const progress: (number | undefined)[] = [];
    const one = await predictImages({ ...base(), onnxModel: model, out: join(dir, 'w1'), workers: 1 });
    const two = await predictImages({ ...base(), onnxModel: model, out: join(dir, 'w2'), workers: 2, onProgress: (p) => progress.push(p.workerTensors) });
    assert.equal(tf.memory().numTensors, tensors);
    assert.deepEqual([one.workers, two.workers], [1, 2]);
    assert.deepEqual(contents(join(dir, 'w2')), contents(join(dir, 'w1')));
    assert.equal(one.detections, two.detections);
    assert.deepEqual(progress, NAMES.map(() => undefined), 'an onnx worker holds no TensorFlow.js');
  });

  it('runs one worker with every core as onnxruntime threads unless asked otherwise, the bytes of one thread', async () => {
    const result = await predictImages({ images, runtime: 'onnx', onnxModel: model, out: join(dir, 'default') });
    const cores = availableParallelism();
    assert.deepEqual({ workers: result.workers, threads: result.threadsPerWorker }, { workers: 1, threads: cores });
    assert.match(result.backend ?? '', new RegExp(`\\(cpu, ${cores} threads?\\)$`));
    await predictImages({ ...base(), onnxModel: model, out: join(dir, 'one-thread'), workers: 1 });
    assert.deepEqual(contents(join(dir, 'default')), contents(join(dir, 'one-thread')));
    assert.deepEqual(workerLayout('onnx', 8), { workers: 1, threadsPerWorker: 8 });
    assert.deepEqual(workerLayout('onnx', 8, { workers: 2 }), { workers: 2, threadsPerWorker: 4 });
    assert.deepEqual(workerLayout('onnx', 8, { threadsPerWorker: 2 }), { workers: 4, threadsPerWorker: 2 });
    assert.deepEqual(workerLayout('onnx', 8, { workers: 4 }, 2), { workers: 2, threadsPerWorker: 4 }, 'idle cores become threads');
    assert.deepEqual(workerLayout('onnx', 8, { workers: 3, threadsPerWorker: 1 }), { workers: 3, threadsPerWorker: 1 });
  });

  it('takes the config from the export; a given one may change the inference keys only', async () => {
    const strict = setConfigValues(cfg, ['MODEL.ROI_HEADS.SCORE_THRESH_TEST=1.0']);
    const none = await predictImages({ ...base(), onnxModel: model, config: strict, out: join(dir, 'strict'), workers: 1 });
    assert.equal(none.detections, 0, 'no score is above 1');
    const fewer = setConfigValues(cfg, ['TEST.DETECTIONS_PER_IMAGE=2']);
    const two = await predictImages({ ...base(), onnxModel: model, config: fewer, out: join(dir, 'fewer'), workers: 1 });
    // The 2 best before boxes left empty at the picture's size are dropped (Detectron2's order): at most 2.
    for (const [name, text] of contents(join(dir, 'fewer'))) assert.ok(JSON.parse(text).scores.length <= 2, name);
    assert.ok(two.detections > 0);

    const wider = setConfigValues(cfg, ['MODEL.FPN.OUT_CHANNELS=32', 'MODEL.PIXEL_MEAN=[0.0, 0.0, 0.0]']);
    assert.deepEqual(fixedKeysChanged(cfg, wider), ['MODEL.PIXEL_MEAN', 'MODEL.FPN.OUT_CHANNELS']);
    assert.deepEqual(fixedKeysChanged(cfg, setConfigValues(cfg, ONNX_INFERENCE_KEYS.map((key) => `${key}=7`))), []);
    const out = join(dir, 'wider');
    await assert.rejects(
      predictImages({ ...base(), onnxModel: model, config: wider, out }),
      /config differs from the one .*model\.onnx was exported with in MODEL\.PIXEL_MEAN, MODEL\.FPN\.OUT_CHANNELS, which the exported graphs fix; only INPUT\.MIN_SIZE_TEST, .*TEST\.DETECTIONS_PER_IMAGE may differ/,
    );
    assert.equal(existsSync(out), false, 'refused before anything is written');
  });

  it('names a missing sibling file, and a file that is not an export', async () => {
    const copy = join(dir, 'incomplete');
    mkdirSync(copy);
    const paths = onnxPaths(model);
    copyFileSync(paths.features, join(copy, 'model.onnx'));
    copyFileSync(paths.mask_head, join(copy, 'model.mask_head.onnx'));
    const out = join(dir, 'broken');
    await assert.rejects(
      predictImages({ ...base(), onnxModel: join(copy, 'model.onnx'), out }),
      /cannot read .*incomplete\/model\.box_head\.onnx \(.*model\.onnx was exported with it beside it; copy the three files together\): ENOENT/,
    );
    const text = join(dir, 'notes.onnx');
    writeFileSync(text, 'not a model\n');
    await assert.rejects(predictImages({ ...base(), onnxModel: text, out }), /notes\.onnx is not an ONNX model/);
    await assert.rejects(predictImages({ ...base(), onnxModel: weights.replace(/\.safetensors$/, '.onnx'), out }), /cannot read .*small\.onnx: ENOENT/);
    assert.equal(existsSync(out), false, 'nothing written');
  });

  it('refuses options that do not go with the runtime, before any worker starts', async () => {
    const out = join(dir, 'bad');
    const fails = (options: Partial<PredictImagesOptions>, message: RegExp) => assert.rejects(predictImages({ images, out, ...options }), message);
    await fails({ runtime: 'onnx', onnxModel: model, backend: 'cpu' }, /backend "cpu" is a TensorFlow\.js backend; runtime onnx runs on onnxruntime-node \(cpu\) and takes none/);
    await fails({ onnxModel: model }, /onnxModel .*model\.onnx is an exported ONNX model; it needs runtime onnx/);
    await fails({ runtime: 'onnx', onnxModel: model, weights }, /give weights or onnxModel, not both/);
    await fails({ runtime: 'onnx' }, /weights \(a safetensors checkpoint\) or onnxModel is required/);
    await fails({ runtime: 'onnx', weights }, /config is required with weights/);
    await fails({ runtime: 'tensorflow' as 'tfjs', weights, config: cfg }, /runtime must be tfjs or onnx, got "tensorflow"/);
    assert.equal(existsSync(out), false, 'nothing created');
  });

  it('names the weights that do not fit the config', async () => {
    const other = setConfigValues(cfg, ['MODEL.ROI_HEADS.NUM_CLASSES=4']);
    await assert.rejects(
      predictImages({ ...base(), weights, config: other, out: join(dir, 'misfit'), workers: 1 }),
      /small\.safetensors does not fit --config: 6 have other shapes: roi_heads\.box_predictor\.cls_score\.weight \[32, 4\], expected \[32, 5\]/,
    );
  });

  it('loads no TensorFlow.js in an onnx worker: not in the modules it imports, not at run time', async () => {
    // What an onnx worker imports besides node's built-ins (predict-worker.ts's onnx branch).
    const entry = join(dir, 'onnx-worker-imports.ts');
    const modules = ['src/pipeline/predict-onnx.ts', 'src/data/image.ts', 'src/data/prediction-files.ts'];
    writeFileSync(entry, modules.map((m) => `export * from ${JSON.stringify(join(root, m))};\n`).join(''));
    const result = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'silent' });
    const imported = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    assert.ok(Object.keys(result.metafile.inputs).some((path) => path.endsWith('src/onnx/runtime.ts')), 'the bundle holds the onnx runtime');
    assert.deepEqual(imported.filter((path) => path.includes('@tensorflow')), []);

    // At run time: TensorFlow.js's engine is a global once tfjs-core is loaded (the control line).
    const script = `
      const { loadOnnxModel } = await import(${JSON.stringify(join(root, 'src/pipeline/predict-onnx.ts'))});
      const { pictureFromPng, readPng } = await import(${JSON.stringify(join(root, 'src/data/image.ts'))});
      const { readOnnxFiles } = await import(${JSON.stringify(join(root, 'src/onnx/files.ts'))});
      const model = await loadOnnxModel({ onnxModel: ${JSON.stringify(model)} }, (await readOnnxFiles(${JSON.stringify(model)})).config, 1);
      const detections = await model.predict(pictureFromPng(await readPng(${JSON.stringify(images[0])}), 'q3'));
      console.log(JSON.stringify({ detections: detections.scores.length, tfjs: '_tfengine' in globalThis }));
      await import('@tensorflow/tfjs-core');
      console.log(JSON.stringify({ tfjs: '_tfengine' in globalThis }));
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const [run, control] = child.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(run, { detections: JSON.parse(reference.get('q3.json')!).scores.length, tfjs: false });
    assert.deepEqual(control, { tfjs: true }, 'the check sees TensorFlow.js when it is loaded');
  });
});
