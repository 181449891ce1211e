/**
 * The training data loader: Detectron2's `TrainingSampler` (an endless stream of shuffled
 * epochs) feeding `DatasetMapper` (read + augment), `IMS_PER_BATCH` images per iteration, the
 * reading and augmenting done by worker threads ahead of the consumer.
 *
 * Unlike PyTorch's loader, every choice is a pure function of (seed, position in the stream):
 * epoch e's order comes from its own generator, the augmentation of the image at position p
 * from its own generator. So a run resumed at iteration k sees exactly the batches an
 * uninterrupted run sees from k on, whatever the number of workers and their timing.
 *
 * Shape shorthand: B: images per iteration (`IMS_PER_BATCH`); N: images in the dataset.
 * Iteration i holds stream positions i*B .. i*B + B - 1; position p is slot p mod N of epoch
 * floor(p / N).
 */
import { availableParallelism } from 'node:os';
import type { CellmaskConfig } from '../../config/types.js';
import { Random } from '../../utils/random.js';
import { runMapJob, type MapJob } from './map-job.js';
import type { TrainingDataset, TrainingRecord } from './records.js';
import { checkAugmentationOptions, drawAugmentation, type AugmentationDraw, type AugmentationOptions } from './transforms.js';
import { WorkerPool } from './worker-pool.js';

/** Options of `TrainingLoader` (`trainingLoaderOptions` makes them from a config). */
export interface TrainingLoaderOptions {
  readonly dataset: TrainingDataset;
  /** Seed of the image order and of every augmentation draw (`SEED`, resolved: not negative). */
  readonly seed: number;
  /** B, images per iteration (`SOLVER.IMS_PER_BATCH`). */
  readonly imsPerBatch: number;
  readonly augmentation: AugmentationOptions;
  /** Worker threads; 0 reads and augments on the main thread, when asked, with no read-ahead. */
  readonly numWorkers: number;
  /** The first iteration to yield (a resumed run's next iteration); default 0. */
  readonly startIteration?: number;
  /**
   * Iterations read ahead of the one asked for, with workers; default enough to give every
   * worker an image, at least 2.
   */
  readonly prefetchIterations?: number;
}

/** One image of a batch. */
export interface TrainingSample {
  /** Position in the sampler's stream: iteration * B + k. */
  readonly position: number;
  /** The image's index in the dataset. */
  readonly index: number;
  /** The augmentation applied. */
  readonly draw: AugmentationDraw;
  /** The record resized and flipped, as the network trains on it. */
  readonly record: TrainingRecord;
}

/** The B images of one iteration, in stream order. */
export interface TrainingBatch {
  readonly iteration: number;
  readonly samples: readonly TrainingSample[];
}

/** Streams derived from the seed (their values are arbitrary; they keep the streams apart). */
const SHUFFLE_STREAM = 0x5348;
const AUGMENT_STREAM = 0x4147;

/** murmur3's 32-bit finaliser. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit seed for item `index` of stream `stream` of `seed` (integers up to 2^53 in magnitude). */
function deriveSeed(seed: number, stream: number, index: number): number {
  let h = 0x9e3779b9;
  for (const word of [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0, stream, index >>> 0, Math.floor(index / 2 ** 32) >>> 0]) {
    h = fmix32(Math.imul(h ^ word, 0x01000193) + 0x6b43a9b5);
  }
  return h;
}

/** Epoch `epoch`'s order of N images: a permutation of 0..N-1 (`torch.randperm` per epoch in Detectron2). */
export function epochPermutation(seed: number, size: number, epoch: number): Uint32Array {
  const order = Array.from({ length: size }, (_, i) => i);
  return Uint32Array.from(new Random(deriveSeed(seed, SHUFFLE_STREAM, epoch)).shuffle(order));
}

/** The generator of the augmentation of the image at stream position `position`. */
export function augmentationRandom(seed: number, position: number): Random {
  return new Random(deriveSeed(seed, AUGMENT_STREAM, position));
}

function checkOptions(o: TrainingLoaderOptions): void {
  const fn = 'TrainingLoader';
  if (o.dataset.size < 1) throw new Error(`${fn}: the dataset has no images`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0) throw new Error(`${fn}: seed must be a non-negative integer (resolve SEED = -1 first), got ${o.seed}`);
  if (!Number.isInteger(o.imsPerBatch) || o.imsPerBatch < 1) throw new Error(`${fn}: imsPerBatch must be an integer >= 1, got ${o.imsPerBatch}`);
  if (!Number.isInteger(o.numWorkers) || o.numWorkers < 0) throw new Error(`${fn}: numWorkers must be an integer >= 0, got ${o.numWorkers}`);
  const start = o.startIteration ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) throw new Error(`${fn}: startIteration must be an integer >= 0, got ${start}`);
  const prefetch = o.prefetchIterations;
  if (prefetch !== undefined && (!Number.isInteger(prefetch) || prefetch < 0)) {
    throw new Error(`${fn}: prefetchIterations must be an integer >= 0, got ${prefetch}`);
  }
  checkAugmentationOptions(o.augmentation);
}

/**
 * Yields the mapped batches of iterations `startIteration`, `startIteration + 1`, ... for ever
 * (`nextBatch()`, or `for await`). Results come in iteration order whatever the workers'
 * timing. A failed image rejects its iteration with an error naming the image and its file;
 * later iterations still load. Call `close()` when done (an unclosed loader does not keep the
 * process alive once its workers are idle).
 */
export class TrainingLoader implements AsyncIterableIterator<TrainingBatch> {
  /** Worker threads in use (0: the main thread). */
  readonly numWorkers: number;
  private readonly options: TrainingLoaderOptions;
  private readonly pool: WorkerPool | undefined;
  private readonly prefetch: number;
  private readonly inFlight = new Map<number, Promise<TrainingSample>>();
  private readonly permutations = new Map<number, Uint32Array>();
  private iteration: number;
  private nextPosition: number;
  private closed = false;

  constructor(options: TrainingLoaderOptions) {
    checkOptions(options);
    this.options = options;
    this.numWorkers = options.numWorkers;
    this.iteration = options.startIteration ?? 0;
    this.nextPosition = this.iteration * options.imsPerBatch;
    this.pool = options.numWorkers > 0 ? new WorkerPool(options.numWorkers) : undefined;
    this.prefetch =
      options.numWorkers === 0 ? 0 : (options.prefetchIterations ?? Math.max(2, Math.ceil(options.numWorkers / options.imsPerBatch)));
  }

  /** The dataset index at stream position `position`. */
  private indexAt(position: number): number {
    const { size } = this.options.dataset;
    const epoch = Math.floor(position / size);
    let order = this.permutations.get(epoch);
    if (order === undefined) {
      order = epochPermutation(this.options.seed, size, epoch);
      this.permutations.set(epoch, order);
      // Positions are asked for in increasing order; keep the current and the next epoch.
      for (const e of this.permutations.keys()) if (e < epoch - 1) this.permutations.delete(e);
    }
    return order[position - epoch * size];
  }

  /** The next iteration's batch. */
  async nextBatch(): Promise<TrainingBatch> {
    if (this.closed) throw new Error('TrainingLoader: closed');
    const iteration = this.iteration++;
    const B = this.options.imsPerBatch;
    this.schedule((iteration + 1 + this.prefetch) * B);
    const samples: Promise<TrainingSample>[] = [];
    for (let p = iteration * B; p < (iteration + 1) * B; p++) {
      samples.push(this.inFlight.get(p)!);
      this.inFlight.delete(p);
    }
    try {
      return { iteration, samples: await Promise.all(samples) };
    } catch (error) {
      throw new Error(`TrainingLoader: iteration ${iteration}: ${(error as Error).message}`, { cause: error });
    }
  }

  async next(): Promise<IteratorResult<TrainingBatch>> {
    return { done: false, value: await this.nextBatch() };
  }

  async return(): Promise<IteratorResult<TrainingBatch>> {
    await this.close();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops the workers; batches not yet taken are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.inFlight.clear();
    await this.pool?.close();
  }

  /** Starts the samples of every position below `end` not started yet. */
  private schedule(end: number): void {
    for (; this.nextPosition < end; this.nextPosition++) {
      const sample = this.start(this.nextPosition);
      // Awaited when its iteration is asked for; until then a failure must not count as unhandled.
      sample.catch(() => {});
      this.inFlight.set(this.nextPosition, sample);
    }
  }

  private async start(position: number): Promise<TrainingSample> {
    const { dataset, seed, augmentation } = this.options;
    const index = this.indexAt(position);
    const draw = drawAugmentation(augmentationRandom(seed, position), augmentation);
    const job: MapJob = { source: dataset.source(index), draw, maxSize: augmentation.maxSize };
    const record = await (this.pool !== undefined ? this.pool.run(job) : runMapJob(job));
    return { position, index, draw, record };
  }
}

/** Options `trainingLoaderOptions` takes besides the config. */
export interface TrainingLoaderConfigOptions {
  /** The first iteration (a resumed run's); default 0. */
  readonly startIteration?: number;
  /** The run's seed when `SEED` is negative (drawn once at start and saved with checkpoints). */
  readonly seed?: number;
}

/**
 * The loader's options from a config: `INPUT.MIN_SIZE_TRAIN`, `MIN_SIZE_TRAIN_SAMPLING`,
 * `MAX_SIZE_TRAIN`, `RANDOM_FLIP`, `SOLVER.IMS_PER_BATCH`, `SEED`, and
 * `DATALOADER.NUM_WORKERS` capped at `os.availableParallelism() - 1` so the consumer keeps a
 * core. Only `DATALOADER.SAMPLER_TRAIN: TrainingSampler` is implemented.
 * `ASPECT_RATIO_GROUPING` batches landscape and portrait images apart; it changes nothing
 * when all images share an orientation (both datasets here: 704 x 520) or B = 1, and is not
 * implemented otherwise. `INPUT.MASK_FORMAT` is not read: masks are always bitmasks (polygons
 * rasterised at the image's size, then resized with NEAREST), where Detectron2's `polygon`
 * format would scale the polygons and rasterise them per proposal in the mask head's targets.
 */
export function trainingLoaderOptions(config: CellmaskConfig, dataset: TrainingDataset, options: TrainingLoaderConfigOptions = {}): TrainingLoaderOptions {
  const { INPUT, DATALOADER, SOLVER } = config;
  if (DATALOADER.SAMPLER_TRAIN !== 'TrainingSampler') {
    throw new Error(`trainingLoaderOptions: DATALOADER.SAMPLER_TRAIN ${JSON.stringify(DATALOADER.SAMPLER_TRAIN)} is not implemented (TrainingSampler is)`);
  }
  const seed = config.SEED >= 0 ? config.SEED : options.seed;
  if (seed === undefined) throw new Error(`trainingLoaderOptions: SEED is ${config.SEED}; pass the run's drawn seed as options.seed`);
  return {
    dataset,
    seed,
    imsPerBatch: SOLVER.IMS_PER_BATCH,
    augmentation: {
      minSizes: INPUT.MIN_SIZE_TRAIN,
      sampling: INPUT.MIN_SIZE_TRAIN_SAMPLING as AugmentationOptions['sampling'],
      maxSize: INPUT.MAX_SIZE_TRAIN,
      flip: INPUT.RANDOM_FLIP as AugmentationOptions['flip'],
    },
    numWorkers: Math.max(0, Math.min(DATALOADER.NUM_WORKERS, availableParallelism() - 1)),
    startIteration: options.startIteration ?? 0,
  };
}
