import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sartoriusFinetune } from '../../../src/config/presets/sartorius-finetune.js';
import { writeSynthDataset } from '../../../src/data/synth/write-dataset.js';
import {
  epochPermutation,
  TrainingLoader,
  trainingLoaderOptions,
  type TrainingBatch,
  type TrainingLoaderOptions,
} from '../../../src/train/data/loader.js';
import { sartoriusDataset, type TrainingDataset } from '../../../src/train/data/records.js';

let dir: string;
let dataset: TrainingDataset;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellmask-train-loader-'));
  await writeSynthDataset({ out: join(dir, 'data'), images: 5, seed: 4, height: 48, width: 64 });
  dataset = await sartoriusDataset(join(dir, 'data'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(overrides: Partial<TrainingLoaderOptions> = {}): TrainingLoaderOptions {
  return {
    dataset,
    seed: 42,
    imsPerBatch: 2,
    augmentation: { minSizes: [40, 64, 96], sampling: 'choice', maxSize: 1333, flip: 'horizontal' },
    numWorkers: 0,
    ...overrides,
  };
}

async function take(loader: TrainingLoader, n: number): Promise<TrainingBatch[]> {
  const batches: TrainingBatch[] = [];
  try {
    for (let i = 0; i < n; i++) batches.push(await loader.nextBatch());
  } finally {
    await loader.close();
  }
  return batches;
}

/** What a batch is made of, without the pixels: ids, drawn sizes and flips, output sizes. */
function summary(batches: readonly TrainingBatch[]): string[] {
  return batches.map((b) =>
    `${b.iteration}: ` + b.samples.map((s) => `${s.position}/${s.record.id}/${s.draw.shortEdge}/${s.draw.flip}/${s.record.picture.height}x${s.record.picture.width}`).join(' '),
  );
}

describe('epochPermutation', () => {
  it("is a permutation of the dataset's indices, fixed by (seed, epoch)", () => {
    const order = epochPermutation(7, 50, 3);
    assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(epochPermutation(7, 50, 3), order);
    assert.notDeepEqual(epochPermutation(7, 50, 4), order);
    assert.notDeepEqual(epochPermutation(8, 50, 3), order);
  });
});

describe('TrainingLoader', () => {
  it('yields B images per iteration, every image once per epoch, each resized and flipped as drawn', async () => {
    const batches = await take(new TrainingLoader(options()), 10); // 20 positions: 4 epochs of 5
    assert.deepEqual(batches.map((b) => b.iteration), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const samples = batches.flatMap((b) => b.samples);
    assert.deepEqual(samples.map((s) => s.position), Array.from({ length: 20 }, (_, i) => i));
    for (let epoch = 0; epoch < 4; epoch++) {
      const ids = samples.slice(5 * epoch, 5 * epoch + 5).map((s) => s.record.id);
      assert.deepEqual([...ids].sort(), [...dataset.ids].sort());
      assert.deepEqual(samples.slice(5 * epoch, 5 * epoch + 5).map((s) => s.index), [...epochPermutation(42, 5, epoch)]);
    }
    for (const s of samples) {
      // 48 x 64 with short side s -> s x round(s * 4/3).
      assert.deepEqual([s.record.picture.height, s.record.picture.width], [s.draw.shortEdge, Math.floor((s.draw.shortEdge * 4) / 3 + 0.5)]);
      assert.equal(s.record.id, dataset.ids[s.index]);
    }
    assert.deepEqual(new Set(samples.map((s) => s.draw.shortEdge)), new Set([40, 64, 96]));
    assert.deepEqual(new Set(samples.map((s) => s.draw.flip)), new Set(['horizontal', 'none']));
  });

  it('gives the same stream for the same seed and another for another seed', async () => {
    const a = summary(await take(new TrainingLoader(options()), 6));
    assert.deepEqual(summary(await take(new TrainingLoader(options()), 6)), a);
    assert.notDeepEqual(summary(await take(new TrainingLoader(options({ seed: 43 })), 6)), a);
  });

  it('resumed at iteration k, yields exactly the tail of an uninterrupted run', async () => {
    const whole = await take(new TrainingLoader(options()), 8);
    const resumed = await take(new TrainingLoader(options({ startIteration: 5 })), 3);
    assert.deepEqual(resumed, whole.slice(5));
  });

  it('gives the same records with 2 worker threads as on the main thread, in order, arrays transferred whole', async () => {
    const inline = await take(new TrainingLoader(options({ imsPerBatch: 3 })), 4);
    const loader = new TrainingLoader(options({ imsPerBatch: 3, numWorkers: 2, startIteration: 0 }));
    assert.equal(loader.numWorkers, 2);
    // Asked for all at once: they still come back in iteration order.
    const threaded = await Promise.all([0, 1, 2, 3].map(() => loader.nextBatch()));
    await loader.close();
    assert.deepEqual(threaded, inline);
    const record = threaded[0].samples[0].record;
    assert.equal(record.picture.data.byteLength, record.picture.data.buffer.byteLength);
    assert.ok(record.gtMasks.every((m) => m.data.buffer === record.gtMasks[0].data.buffer));
  });

  it('rejects the iteration of a corrupt image with an error naming the image and the file; other iterations still load', async () => {
    const data = join(dir, 'corrupt');
    await mkdir(join(data, 'train'), { recursive: true });
    await copyFile(join(dir, 'data', 'train.csv'), join(data, 'train.csv'));
    for (const id of dataset.ids) await copyFile(join(dir, 'data', 'train', `${id}.png`), join(data, 'train', `${id}.png`));
    const bad = dataset.ids[2];
    await writeFile(join(data, 'train', `${bad}.png`), (await readFile(join(data, 'train', `${bad}.png`))).subarray(0, 100));
    const corrupt = await sartoriusDataset(data);
    const badIteration = [...epochPermutation(42, 5, 0)].indexOf(2);
    for (const numWorkers of [0, 2]) {
      const loader = new TrainingLoader(options({ dataset: corrupt, imsPerBatch: 1, numWorkers }));
      try {
        for (let i = 0; i < 5; i++) {
          if (i !== badIteration) {
            assert.equal((await loader.nextBatch()).iteration, i);
            continue;
          }
          await assert.rejects(
            loader.nextBatch(),
            new RegExp(`^Error: TrainingLoader: iteration ${i}: loadRecord: image ${bad} \\(.*corrupt/train/${bad}\\.png\\): decodePng: .*corrupt or truncated PNG`),
          );
        }
      } finally {
        await loader.close();
      }
    }
  });

  it('refuses to run once closed, and checks its options', async () => {
    const loader = new TrainingLoader(options());
    await loader.close();
    await assert.rejects(loader.nextBatch(), /TrainingLoader: closed/);
    assert.throws(() => new TrainingLoader(options({ seed: -1 })), /TrainingLoader: seed must be a non-negative integer \(resolve SEED = -1 first\), got -1/);
    assert.throws(() => new TrainingLoader(options({ imsPerBatch: 0 })), /imsPerBatch must be an integer >= 1, got 0/);
    assert.throws(() => new TrainingLoader(options({ augmentation: { ...options().augmentation, sampling: 'range' } })), /MIN_SIZE_TRAIN must be \[min, max\]/);
  });

  it('works as an async iterator', async () => {
    const seen: number[] = [];
    for await (const batch of new TrainingLoader(options({ startIteration: 3 }))) {
      seen.push(batch.iteration);
      if (seen.length === 2) break;
    }
    assert.deepEqual(seen, [3, 4]);
  });
});

describe('TrainingLoader threads and the process', () => {
  const loaderUrl = new URL('../../../src/train/data/loader.ts', import.meta.url).href;
  const recordsUrl = new URL('../../../src/train/data/records.ts', import.meta.url).href;
  /** Runs `body` in a fresh Node process with a 2-worker loader over the test data as `loader`. */
  function child(body: string) {
    const script = `
      const { TrainingLoader } = await import(${JSON.stringify(loaderUrl)});
      const { sartoriusDataset } = await import(${JSON.stringify(recordsUrl)});
      const dataset = await sartoriusDataset(${JSON.stringify(join(dir, 'data'))});
      const loader = new TrainingLoader({ dataset, seed: 1, imsPerBatch: 1, numWorkers: 2,
        augmentation: { minSizes: [64], sampling: 'choice', maxSize: 1333, flip: 'none' } });
      ${body}`;
    return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  }

  it('leaves no worker or port behind after close()', () => {
    const run = child(`
      await loader.nextBatch();
      await loader.close();
      console.log(JSON.stringify(process.getActiveResourcesInfo()));`);
    assert.equal(run.status, 0, run.stderr);
    const resources: string[] = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    assert.ok(!resources.some((r) => /Worker|MessagePort/.test(r)), resources.join(', '));
  });

  it('does not keep the process alive when the caller forgets close()', () => {
    const run = child(`
      for (let i = 0; i < 3; i++) await loader.nextBatch();
      console.log('done');`);
    assert.equal(run.signal, null, 'the process had to be killed');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /done/);
  });
});

describe('trainingLoaderOptions', () => {
  it("maps the config's keys, capping the workers to leave the consumer a core", () => {
    const o = trainingLoaderOptions(sartoriusFinetune, dataset, { startIteration: 7 });
    assert.deepEqual(o.augmentation, {
      minSizes: [480, 520, 560, 640, 672, 736, 800, 864, 928],
      sampling: 'choice',
      maxSize: 1333,
      flip: 'horizontal',
    });
    assert.equal(o.imsPerBatch, sartoriusFinetune.SOLVER.IMS_PER_BATCH);
    assert.equal(o.seed, sartoriusFinetune.SEED);
    assert.equal(o.startIteration, 7);
    assert.equal(o.numWorkers, Math.min(sartoriusFinetune.DATALOADER.NUM_WORKERS, availableParallelism() - 1));
  });

  it('needs the drawn seed when SEED is negative, and refuses other samplers', () => {
    const drawn = { ...sartoriusFinetune, SEED: -1 };
    assert.throws(() => trainingLoaderOptions(drawn, dataset), /SEED is -1; pass the run's drawn seed as options.seed/);
    assert.equal(trainingLoaderOptions(drawn, dataset, { seed: 5 }).seed, 5);
    const repeat = { ...sartoriusFinetune, DATALOADER: { ...sartoriusFinetune.DATALOADER, SAMPLER_TRAIN: 'RepeatFactorTrainingSampler' } };
    assert.throws(() => trainingLoaderOptions(repeat, dataset), /SAMPLER_TRAIN "RepeatFactorTrainingSampler" is not implemented/);
  });
});
