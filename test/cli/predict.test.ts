/**
 * `cellmask predict` end to end on a narrow R-50-FPN with fresh weights saved as safetensors:
 * the files it writes, and how it fails.
 */
import '@tensorflow/tfjs-backend-cpu';

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';
import ndarray from 'ndarray';

import { main } from '../../src/cli/main.js';
import { command } from '../../src/cli/predict.js';
import { withOptionalPeer } from '../../src/backend/optional-peer.js';
import { getPreset, setConfigValues } from '../../src/config/index.js';
import { writePng } from '../../src/data/image.js';
import { readSubmissionCsv } from '../../src/data/submission.js';
import { validateSubmission } from '../../src/ensemble/index.js';
import { kaggleRleDecode } from '../../src/rle/index.js';
import { Random } from '../../src/utils/random.js';
import { readSafetensors, writeSafetensors, initWeights, saveWeights } from '../../src/weights/index.js';
import { capture } from './capture.js';
import { H, SETS, SMALL, W, cells } from './small-predict.js';

describe('cellmask predict', () => {
  let dir: string;
  let weights: string;
  let images: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-predict-'));
    await tf.setBackend('cpu');
    const cfg = setConfigValues(getPreset('sartorius_finetune'), SMALL);
    const map = initWeights(cfg, new Random(3));
    weights = join(dir, 'small.safetensors');
    await saveWeights(weights, map, { poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
    // A checkpoint without the mask predictor's kernel, for the missing-weights error.
    const partial = new Map([...map].filter(([name]) => name !== 'roi_heads.mask_head.predictor.weight'));
    await saveWeights(join(dir, 'partial.safetensors'), partial, { poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
    map.forEach((t) => t.dispose());
    // Detectron2 checkpoints also hold the pixel statistics, which the network does not read.
    const { tensors } = await readSafetensors(weights);
    tensors.set('pixel_mean', { dtype: 'F32', shape: [3, 1, 1], data: Float32Array.of(128, 128, 128) });
    await writeSafetensors(join(dir, 'extra.safetensors'), tensors);

    images = join(dir, 'images');
    mkdirSync(images);
    await writePng(join(images, 'b.png'), cells(1, 0));
    await writePng(join(images, 'a.png'), cells(3, 7));
    writeFileSync(join(images, 'notes.txt'), 'not an image');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one JSON per image: the exact keys, consistent lengths, boxes inside, masks at image size', async () => {
    const out = join(dir, 'json');
    const { io, out: stdout, err } = capture();
    const before = tf.memory().numTensors;
    const code = await command.run(['--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--input', images, '--out', out, '--threads', '1'], io);
    assert.equal(code, 0, err.join(''));
    assert.equal(tf.memory().numTensors, before, 'the model is freed');
    assert.deepEqual(readdirSync(out).sort(), ['a.json', 'b.json']);
    for (const name of ['a.json', 'b.json']) {
      const json = JSON.parse(readFileSync(join(out, name), 'utf8'));
      assert.deepEqual(Object.keys(json), ['boxes', 'scores', 'classes', 'masks', 'height', 'width']);
      assert.equal(json.height, H);
      assert.equal(json.width, W);
      const n = json.scores.length;
      assert.ok(n > 0 && n <= 12, `${name}: ${n} detections`);
      assert.equal(json.boxes.length, n);
      assert.equal(json.classes.length, n);
      assert.equal(json.masks.length, n);
      for (let i = 0; i < n; i++) {
        const [x1, y1, x2, y2] = json.boxes[i];
        assert.ok(0 <= x1 && x1 <= x2 && x2 <= W && 0 <= y1 && y1 <= y2 && y2 <= H, `${name} box ${json.boxes[i]}`);
        for (const v of json.boxes[i]) assert.equal(v, Math.round(v * 100) / 100, 'boxes to 0.01');
        assert.equal(json.scores[i], Number(json.scores[i].toPrecision(5)), 'scores to 5 significant digits');
        if (i > 0) assert.ok(json.scores[i] <= json.scores[i - 1], 'best first');
        assert.ok([0, 1, 2].includes(json.classes[i]));
        assert.equal(kaggleRleDecode(json.masks[i], H, W).length, H * W);
      }
    }
    assert.equal(err.filter((l) => /^\[\d\/2\] .*\.png: \d+ detections in \d+\.\d\d s\n$/.test(l)).length, 2, err.join(''));
    assert.match(err[0], /a\.png/, 'images in name order');
    // --threads 1 without --workers: as many one-thread workers as fill the cores, at most one per image.
    assert.match(stdout.join(''), /^predicted 2 image\(s\) in [\d.]+ s on (2 workers x )?wasm \(1 thread\): \d+ detections -> /);
  });

  it('writes a submission.csv whose run-length texts parse, with one empty row for an image without masks', async () => {
    const out = join(dir, 'csv');
    const { io, err } = capture();
    const code = await command.run(['--weights', join(dir, 'extra.safetensors'), '--config', 'sartorius_finetune', ...SETS, '--input', images, '--out', out, '--format', 'csv', '--backend', 'cpu'], io);
    assert.equal(code, 0, err.join(''));
    assert.match(err.join(''), /warning: .*extra\.safetensors: 1 tensor\(s\) the network does not read: pixel_mean/);
    const rows = await readSubmissionCsv(join(out, 'submission.csv'));
    assert.deepEqual([...new Set(rows.map((r) => r.id))], ['a', 'b']);
    // Random weights leave some masks empty: those detections get no row.
    assert.ok(rows.length > 0 && rows.every((r) => r.predicted !== ''));
    // Mask R-CNN's masks may overlap (removing overlaps is the ensemble's job): only parsing counts here.
    const problems = validateSubmission(rows, { height: H, width: W }).filter((p) => p.otherRow === undefined);
    assert.deepEqual(problems, []);

    const none = join(dir, 'csv-none');
    assert.equal(await command.run(['--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--set', 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=1.0', '--input', join(images, 'b.png'), '--out', none, '--format', 'csv', '--threads', '1'], capture().io), 0);
    assert.equal(readFileSync(join(none, 'submission.csv'), 'utf8').replace(/\r/g, ''), 'id,predicted\nb,\n');
  });

  it('--shard K/N with csv: each shard writes its images; the rows merged and sorted by id are the unsharded file', async () => {
    const plate = join(dir, 'plate');
    mkdirSync(plate);
    for (let k = 0; k < 5; k++) await writePng(join(plate, `w${k}.png`), cells(1, 3 * k));
    const args = ['--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--input', plate, '--format', 'csv', '--threads', '1'];
    const whole = join(dir, 'plate-all');
    assert.equal(await command.run([...args, '--out', whole, '--workers', '1'], capture().io), 0);
    const lines = (file: string) => readFileSync(file, 'utf8').split(/\r?\n/).filter((line) => line !== '');
    const shardLines: string[] = [];
    for (let k = 0; k < 3; k++) {
      const { io, out, err } = capture();
      assert.equal(await command.run([...args, '--out', join(dir, `plate-${k}`), '--shard', `${k}/3`], io), 0, err.join(''));
      assert.match(out.join(''), new RegExp(`^predicted ${k === 2 ? 1 : 2} image\\(s\\) of shard ${k}/3 \\(${k === 2 ? 1 : 2} of 5 images\\) in `));
      const [header, ...rows] = lines(join(dir, `plate-${k}`, 'submission.csv'));
      assert.equal(header, 'id,predicted');
      const ids = [...new Set(rows.map((row) => row.split(',')[0]))];
      assert.deepEqual(ids, ['w0', 'w1', 'w2', 'w3', 'w4'].filter((_, i) => i % 3 === k), `shard ${k}/3: round-robin in name order`);
      shardLines.push(...rows);
    }
    // What docs/batch-inference.md's `tail -n +2 ... | LC_ALL=C sort -s -t, -k1,1` does: a stable sort by id.
    const byId = (a: string, b: string) => {
      const [x, y] = [a.split(',')[0], b.split(',')[0]];
      return x < y ? -1 : x > y ? 1 : 0;
    };
    assert.deepEqual(['id,predicted', ...shardLines.sort(byId)], lines(join(whole, 'submission.csv')));
  });

  it('--shard with json into one directory, then --skip-existing: every image once, nothing predicted twice, ensemble reads it', async () => {
    const out = join(dir, 'shared');
    const args = ['--weights', weights, '--config', 'sartorius_finetune', ...SETS, '--input', images, '--out', out, '--threads', '1'];
    for (const shard of ['0/2', '1/2']) assert.equal(await command.run([...args, '--shard', shard], capture().io), 0);
    assert.deepEqual(readdirSync(out).sort(), ['a.json', 'b.json']);
    const before = readFileSync(join(out, 'a.json'), 'utf8');
    writeFileSync(join(out, 'b.json'), readFileSync(join(out, 'b.json'), 'utf8')); // same bytes, new mtime: untouched from here
    const mtime = statSync(join(out, 'b.json')).mtimeMs;

    const { io, out: stdout, err } = capture();
    assert.equal(await command.run([...args, '--skip-existing'], io), 0, err.join(''));
    assert.match(stdout.join(''), /^predicted 0 image\(s\), 2 skipped \(their JSON exists\) in [\d.]+ s: 0 detections -> /);
    assert.deepEqual(err, [], 'no image predicted');
    assert.equal(readFileSync(join(out, 'a.json'), 'utf8'), before);
    assert.equal(statSync(join(out, 'b.json')).mtimeMs, mtime);

    const merged = join(dir, 'shared-csv');
    const ensembled = capture();
    assert.equal(await main(['ensemble', '--inputs', out, '--out', merged, '--format', 'csv'], ensembled.io), 0, ensembled.err.join(''));
    assert.deepEqual([...new Set((await readSubmissionCsv(join(merged, 'submission.csv'))).map((r) => r.id))], ['a', 'b']);
  });

  it('fails with exit 1 naming the file for missing or incomplete weights, bad PNGs and a missing input', async () => {
    const run = async (args: string[]) => {
      const { io, err } = capture();
      return { code: await main(['predict', ...args], io), message: err.join('') };
    };
    const base = (weightsFile: string, input: string) => ['--weights', weightsFile, '--config', 'sartorius_finetune', ...SETS, '--input', input, '--out', join(dir, 'err'), '--threads', '1'];
    const fails = async (args: string[], message: RegExp) => {
      const result = await run(args);
      assert.equal(result.code, 1, result.message);
      assert.match(result.message, message);
    };

    await fails(base(join(dir, 'nope.safetensors'), images), /^cellmask predict: readSafetensors: cannot read .*nope\.safetensors: ENOENT/);
    await fails(
      base(join(dir, 'partial.safetensors'), images),
      /partial\.safetensors does not fit --config: 1 of the config's \d+ weights are missing: roi_heads\.mask_head\.predictor\.weight\n$/,
    );
    const corrupt = join(dir, 'corrupt.png');
    writeFileSync(corrupt, readFileSync(join(images, 'a.png')).subarray(0, 60));
    await fails(base(weights, corrupt), /corrupt\.png: corrupt or truncated PNG/);
    const deep = join(dir, 'deep.png');
    await writePng(deep, ndarray(new Uint16Array(H * W).fill(1000), [H, W]));
    await fails(base(weights, deep), /deep\.png: 16-bit PNG/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    await fails(base(weights, empty), /empty: the directory has no \.png files/);
    await fails(base(weights, join(dir, 'absent')), /--input .*absent: ENOENT/);
    await fails(['--weights', weights, '--config', join(dir, 'none.yaml'), '--input', images, '--out', dir], /none\.yaml: neither a preset \(.*sartorius_finetune.*\) nor a readable file/);
    assert.deepEqual(readdirSync(join(dir, 'err')), [], 'nothing written');
  });

  it('rejects bad arguments with exit 2 and the usage, naming the option or key', async () => {
    const base = ['--weights', weights, '--config', 'sartorius_finetune', '--input', images, '--out', join(dir, 'usage')];
    const cases: [string[], RegExp][] = [
      [[...base, '--set', 'MODEL.ROI_HEADS.NO_SUCH_KEY=1'], /--set MODEL\.ROI_HEADS\.NO_SUCH_KEY=1: unknown config key MODEL\.ROI_HEADS\.NO_SUCH_KEY/],
      [[...base, '--set', 'MODEL.ROI_HEADS.SCORE_THRESH_TEST'], /--set MODEL\.ROI_HEADS\.SCORE_THRESH_TEST: expected KEY=VALUE/],
      [[...base, '--set', 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=high'], /--set MODEL\.ROI_HEADS\.SCORE_THRESH_TEST=high: .*SCORE_THRESH_TEST/],
      [[...base, '--set', 'MODEL.MASK_ON=False'], /MODEL\.MASK_ON/],
      [[...base, '--format', 'xml'], /--format must be json or csv/],
      [[...base, '--backend', 'webgl'], /--backend webgl runs in a browser only/],
      [[...base, '--backend', 'tpu'], /--backend must be auto, one of tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu, or a comma-separated list of them; got "tpu"/],
      [[...base, '--backend', 'cpu', '--threads', '2'], /--threads applies to --backend wasm only/],
      [[...base, '--threads', '0'], /--threads must be an integer >= 1/],
      [[...base, '--workers', '0'], /--workers must be an integer >= 1, got "0"/],
      [[...base, '--workers', 'two'], /--workers must be an integer >= 1, got "two"/],
      [[...base, '--workers', '1.5'], /--workers must be an integer >= 1, got "1\.5"/],
      [[...base, '--shard', '3/3'], /--shard "3\/3": K must be an integer with 0 <= K < N = 3, got 3/],
      [[...base, '--shard', '0/0'], /--shard "0\/0": N must be an integer >= 1, got 0/],
      [[...base, '--shard', 'a/b'], /--shard "a\/b": expected K\/N with 0 <= K < N/],
      [[...base, '--shard=-1/2'], /--shard "-1\/2": expected K\/N with 0 <= K < N/],
      [[...base, '--shard', '-1/2'], /Option '--shard' argument is ambiguous/],
      [[...base, '--shard', '1'], /--shard "1": expected K\/N/],
      [[...base, '--format', 'csv', '--skip-existing'], /--skip-existing applies to --format json/],
      [base.slice(2), /missing required option --weights/],
    ];
    for (const [args, message] of cases) {
      const { io, err } = capture();
      assert.equal(await main(['predict', ...args], io), 2, args.join(' '));
      assert.match(err.join(''), message);
      assert.match(err.join(''), /Usage: cellmask predict/);
    }
  });

  it('names a missing optional peer and how to install it', async () => {
    const name = 'cellmask-no-such-package';
    await assert.rejects(
      withOptionalPeer(name, '--backend x', () => import(name)),
      /--backend x needs the optional peer dependency cellmask-no-such-package, which is not installed \(npm install cellmask-no-such-package\)/,
    );
  });
});
