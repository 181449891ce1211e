/**
 * `predictImages` on a narrow R-50-FPN with fresh weights and tiny images: the workers do not
 * change what is written, shards split a batch exactly, an interrupted batch continues, and a
 * bad image stops the batch without hanging or losing what was written.
 */
import '@tensorflow/tfjs-backend-cpu';

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';
import ndarray from 'ndarray';

import { type CellmaskConfig, getPreset, setConfigValues } from '../../src/config/index.js';
import { writePng } from '../../src/data/image.js';
import { readSubmissionCsv } from '../../src/data/submission.js';
import {
  DEFAULT_WASM_THREADS_PER_WORKER,
  type ImageProgress,
  type PredictImagesOptions,
  type PredictImagesResult,
  parseShard,
  predictImages,
  shardImages,
  sortByFileName,
  workerLayout,
} from '../../src/pipeline/index.js';
import { Random } from '../../src/utils/random.js';
import { initWeights, saveWeights } from '../../src/weights/index.js';
import { SMALL_NETWORK } from '../model/small-network.js';

const H = 60;
const W = 80;
/** Seven images, so that three shards get 3, 2 and 2; listed out of name order on purpose. */
const NAMES = ['p07', 'p01', 'p05', 'p03', 'p02', 'p06', 'p04'];
const SORTED = [...NAMES].sort();

/** Dark discs on grey, shifted by `phase` so that every image has other detections. */
function cells(phase: number): ndarray.NdArray<Uint8Array> {
  const data = new Uint8Array(H * W).fill(128);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) if (((x + 5 * phase) % 24) ** 2 + ((y + 3 * phase) % 20) ** 2 < 40) data[y * W + x] = 60;
  }
  return ndarray(data, [H, W]);
}

/** Threads of this process (Linux), to see that no worker outlives a batch; undefined elsewhere. */
function osThreads(): number | undefined {
  return existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined;
}

/**
 * The OS threads once they are back to `expected`, or after `ms` (an exited worker's thread is
 * joined by the runtime shortly after its promise settles, so the count is polled, not read once).
 */
async function threadsSettled(expected: number | undefined, ms = 5000): Promise<number | undefined> {
  const deadline = Date.now() + ms;
  while (osThreads() !== expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return osThreads();
}

/** `dir`'s files -> their contents. */
function contents(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

describe('predictImages', { timeout: 120_000 }, () => {
  let dir: string;
  let cfg: CellmaskConfig;
  let base: Omit<PredictImagesOptions, 'out'>;
  /** The run the others are compared with: one worker, every image. */
  let reference: Map<string, string>;
  let referenceRun: { result: PredictImagesResult; progress: ImageProgress[]; tensorsBefore: number };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-batch-'));
    await tf.setBackend('cpu');
    cfg = setConfigValues(getPreset('sartorius_finetune'), [...SMALL_NETWORK, 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.0', 'TEST.DETECTIONS_PER_IMAGE=12']);
    const map = initWeights(cfg, new Random(3));
    const weights = join(dir, 'small.safetensors');
    await saveWeights(weights, map, { poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
    map.forEach((t) => t.dispose());
    mkdirSync(join(dir, 'images'));
    const images = NAMES.map((name) => join(dir, 'images', `${name}.png`));
    for (const [k, path] of images.entries()) await writePng(path, cells(k));
    base = { weights, config: cfg, images, threadsPerWorker: 1 };
    const progress: ImageProgress[] = [];
    const tensorsBefore = tf.memory().numTensors;
    const result = await predictImages({ ...base, out: join(dir, 'w1'), workers: 1, onProgress: (p) => progress.push(p) });
    referenceRun = { result, progress, tensorsBefore };
    reference = contents(join(dir, 'w1'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the same bytes with 1 and 2 workers, reports in name order, leaks no tensors and no threads', async () => {
    const { result: one, progress, tensorsBefore } = referenceRun;
    const threads = osThreads();
    const two = await predictImages({ ...base, out: join(dir, 'w2'), workers: 2 });
    assert.equal(await threadsSettled(threads), threads, 'the workers and their wasm threads are gone');
    assert.equal(tf.memory().numTensors, tensorsBefore, 'the main thread holds no new tensors');

    assert.deepEqual([...reference.keys()], SORTED.map((name) => `${name}.json`));
    assert.deepEqual(contents(join(dir, 'w2')), reference);
    assert.equal(new Set(reference.values()).size, NAMES.length, 'every image has its own detections');
    assert.deepEqual(one.images.map((p) => basename(p, '.png')), SORTED);
    assert.equal(one.workers, 1);
    assert.equal(two.workers, 2);
    assert.equal(two.backend, 'wasm (1 thread)');
    assert.equal(one.detections, two.detections);
    assert.equal(one.detections, [...reference.values()].reduce((n, text) => n + JSON.parse(text).scores.length, 0));
    assert.deepEqual({ predicted: one.predicted, skipped: one.skipped }, { predicted: 7, skipped: 0 });

    assert.deepEqual(progress.map((p) => [p.index, p.total, p.id]), SORTED.map((id, i) => [i, 7, id]));
    assert.ok(progress.every((p) => p.workerTensors === progress[0].workerTensors), 'a worker holds as many tensors after every image');
  });

  it('splits a batch into disjoint round-robin shards whose union is the unsharded run', async () => {
    const seen: string[] = [];
    for (let k = 0; k < 3; k++) {
      const shardDir = join(dir, `shard${k}`);
      const result = await predictImages({ ...base, out: shardDir, workers: 1, shard: { index: k, count: 3 } });
      const ids = result.images.map((p) => basename(p, '.png'));
      assert.deepEqual(ids, SORTED.filter((_, i) => i % 3 === k), `shard ${k}/3`);
      assert.deepEqual([...contents(shardDir).keys()], ids.map((id) => `${id}.json`));
      for (const [name, text] of contents(shardDir)) {
        assert.equal(text, reference.get(name), `${name} of shard ${k} as unsharded`);
        seen.push(name);
      }
    }
    assert.deepEqual(seen.sort(), [...reference.keys()], 'disjoint, and together every image');
  });

  it('skipExisting predicts only the missing images and leaves the others untouched', async () => {
    const out = join(dir, 'resume');
    mkdirSync(out);
    // Two finished images, one of them with content that predicting again would overwrite.
    writeFileSync(join(out, 'p02.json'), reference.get('p02.json')!);
    writeFileSync(join(out, 'p05.json'), 'kept as it was\n');
    const mtime = statSync(join(out, 'p05.json')).mtimeMs;
    const ids: string[] = [];
    const result = await predictImages({ ...base, out, workers: 2, skipExisting: true, onProgress: (p) => ids.push(p.id) });
    assert.deepEqual({ predicted: result.predicted, skipped: result.skipped }, { predicted: 5, skipped: 2 });
    assert.deepEqual(ids, ['p01', 'p03', 'p04', 'p06', 'p07']);
    assert.equal(readFileSync(join(out, 'p05.json'), 'utf8'), 'kept as it was\n');
    assert.equal(statSync(join(out, 'p05.json')).mtimeMs, mtime);
    const expected = new Map(reference);
    expected.set('p05.json', 'kept as it was\n');
    assert.deepEqual(contents(out), expected);

    const again = await predictImages({ ...base, out, skipExisting: true });
    assert.deepEqual({ predicted: again.predicted, skipped: again.skipped, workers: again.workers }, { predicted: 0, skipped: 7, workers: 0 });
  });

  it('writes submission.csv rows in name order, as the JSON of each image has them', async () => {
    const result = await predictImages({ ...base, out: join(dir, 'csv'), format: 'csv', workers: 2 });
    assert.equal(result.written, join(dir, 'csv', 'submission.csv'));
    assert.deepEqual(readdirSync(join(dir, 'csv')), ['submission.csv']);
    const rows = (await readSubmissionCsv(result.written)).map(({ id, predicted }) => ({ id, predicted }));
    const expected = SORTED.flatMap((id) => {
      const masks = (JSON.parse(reference.get(`${id}.json`)!).masks as string[]).filter((rle) => rle !== '');
      return masks.length > 0 ? masks.map((predicted) => ({ id, predicted })) : [{ id, predicted: '' }];
    });
    assert.deepEqual(rows, expected);
  });

  it('stops at a corrupt PNG, naming it: the workers end, the JSON written before stays', async () => {
    const images = join(dir, 'with-corrupt');
    mkdirSync(images);
    const paths = SORTED.map((name) => join(images, `${name}.png`));
    for (const [k, path] of paths.entries()) await writePng(path, cells(NAMES.indexOf(SORTED[k])));
    writeFileSync(paths[3], readFileSync(paths[3]).subarray(0, 60)); // p04, in the middle
    const threads = osThreads();
    for (const workers of [1, 2]) {
      const out = join(dir, `corrupt${workers}`);
      const ids: string[] = [];
      await assert.rejects(
        predictImages({ ...base, images: paths, out, workers, onProgress: (p) => ids.push(p.id) }),
        (error: Error) => error.message.includes(`${paths[3]}: corrupt or truncated PNG`),
      );
      assert.equal(await threadsSettled(threads), threads, `${workers} worker(s): no thread left`);
      // Every file there is a whole prediction (no temporary files either), never the bad image's.
      const written = contents(out);
      for (const [name, text] of written) assert.equal(text, reference.get(name), `${workers} worker(s): ${name}`);
      assert.ok(!written.has('p04.json'));
      if (workers === 1) {
        // One worker stops right there, with everything before it written.
        assert.deepEqual([...written.keys()], ['p01.json', 'p02.json', 'p03.json']);
        assert.deepEqual(ids, ['p01', 'p02', 'p03'], 'progress up to the bad image');
      } else {
        // With two, the other worker's image is dropped when it is still running.
        assert.deepEqual(ids, ['p01', 'p02', 'p03'].slice(0, ids.length), 'progress stops before the bad image');
      }
    }
  });

  it('fails before starting a worker for bad options, naming what is wrong', async () => {
    const out = join(dir, 'bad');
    const fails = (options: Partial<PredictImagesOptions>, message: RegExp) => assert.rejects(predictImages({ ...base, out, ...options }), message);
    await fails({ format: 'csv', skipExisting: true }, /skipExisting needs format json/);
    await fails({ images: [] }, /no images given/);
    await fails({ images: [join(dir, 'a', 'x.png'), join(dir, 'b', 'x.png')] }, /a\/x\.png and .*b\/x\.png have the same image id "x"/);
    await fails({ shard: { index: 3, count: 3 } }, /K must be an integer with 0 <= K < N = 3, got 3/);
    await fails({ workers: 0 }, /workers must be an integer >= 1, got 0/);
    await fails({ threadsPerWorker: 1.5 }, /threadsPerWorker must be an integer >= 1, got 1\.5/);
    await fails({ config: setConfigValues(cfg, ['MODEL.MASK_ON=False']) }, /MODEL\.MASK_ON off/);
    assert.equal(existsSync(out), false, 'nothing created');
  });

  it('names the weights file a worker cannot load', async () => {
    const missing = join(dir, 'missing.safetensors');
    await assert.rejects(predictImages({ ...base, weights: missing, out: join(dir, 'no-weights'), workers: 2 }), /missing\.safetensors: ENOENT/);
  });
});

describe('shards', () => {
  it('parses K/N with 0 <= K < N and refuses anything else, quoting it', () => {
    assert.deepEqual(parseShard('0/3'), { index: 0, count: 3 });
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    assert.deepEqual(parseShard('0/1'), { index: 0, count: 1 });
    assert.throws(() => parseShard('3/3'), /^Error: shard "3\/3": K must be an integer with 0 <= K < N = 3, got 3$/);
    assert.throws(() => parseShard('0/0'), /^Error: shard "0\/0": N must be an integer >= 1, got 0$/);
    for (const text of ['a/b', '-1/2', '1', '1/2/3', '1.0/2', '']) assert.throws(() => parseShard(text), new RegExp(`shard "${text}": expected K/N`));
  });

  it('takes every N-th image of the name order, starting at K', () => {
    const sorted = sortByFileName(['/z/c.png', '/a/d.png', '/b/a.png', '/a/b.png', '/c/e.png']);
    assert.deepEqual(sorted, ['/b/a.png', '/a/b.png', '/z/c.png', '/a/d.png', '/c/e.png'], 'by file name, not by path');
    assert.deepEqual(shardImages(sorted, { index: 0, count: 2 }), ['/b/a.png', '/z/c.png', '/c/e.png']);
    assert.deepEqual(shardImages(sorted, { index: 1, count: 2 }), ['/a/b.png', '/a/d.png']);
    assert.deepEqual(shardImages(sorted, { index: 4, count: 6 }), ['/c/e.png']);
    assert.deepEqual(shardImages(sorted, { index: 5, count: 6 }), [], 'more shards than images: some are empty');
    assert.throws(() => shardImages(sorted, { index: -1, count: 2 }), /K must be an integer with 0 <= K < N = 2, got -1/);
  });
});

describe('workerLayout', () => {
  it('fills the cores with what was not asked for, and gives idle cores to the threads when images are few', () => {
    const d = DEFAULT_WASM_THREADS_PER_WORKER;
    assert.deepEqual(workerLayout('wasm', 8), { workers: Math.floor(8 / d), threadsPerWorker: d });
    assert.deepEqual(workerLayout('wasm', 8, {}, 1), { workers: 1, threadsPerWorker: 8 }, 'one image: one worker, every core');
    assert.deepEqual(workerLayout('wasm', 8, { threadsPerWorker: 2 }), { workers: 4, threadsPerWorker: 2 });
    assert.deepEqual(workerLayout('wasm', 8, { threadsPerWorker: 3 }), { workers: 2, threadsPerWorker: 3 });
    assert.deepEqual(workerLayout('wasm', 8, { threadsPerWorker: 2 }, 3), { workers: 3, threadsPerWorker: 2 }, 'threads asked for stay');
    assert.deepEqual(workerLayout('wasm', 8, { workers: 3 }), { workers: 3, threadsPerWorker: 2 });
    assert.deepEqual(workerLayout('wasm', 8, { workers: 4 }, 2), { workers: 2, threadsPerWorker: 4 });
    assert.deepEqual(workerLayout('wasm', 2, { workers: 4 }), { workers: 4, threadsPerWorker: 1 });
    assert.deepEqual(workerLayout('wasm', 2, { workers: 2, threadsPerWorker: 2 }), { workers: 2, threadsPerWorker: 2 });
    assert.deepEqual(workerLayout('wasm', 1), { workers: 1, threadsPerWorker: 1 });
    assert.deepEqual(workerLayout('cpu', 6), { workers: 6, threadsPerWorker: 1 });
    assert.deepEqual(workerLayout('cpu', 6, {}, 2), { workers: 2, threadsPerWorker: 1 });
    assert.throws(() => workerLayout('wasm', 2, { workers: 0 }), /workers must be an integer >= 1, got 0/);
  });
});
