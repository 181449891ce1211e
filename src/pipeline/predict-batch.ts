/**
 * Batch inference: Mask R-CNN over many PNG files on a pool of worker threads, one shard of
 * the batch per machine, resumable. What it writes is what `cellmask predict` writes: one
 * `<id>.json` per image (`predictionJson`), or one `submission.csv` with the rows in file-name
 * order, whatever the number of workers and threads.
 *
 * The main thread never loads TensorFlow.js: it lists, shards and skips images, resolves the
 * backend (`auto` once, here: every worker then initializes that exact backend), hands paths to
 * the workers (`predict-pool.ts`) and writes what they send back. With `runtime: 'onnx'` the
 * workers run the model on onnxruntime-node instead (`predict-onnx.ts`), and load no
 * TensorFlow.js either.
 */
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import { BACKEND_NAMES, type BackendName, type BackendPreference, resolveBackend } from '../backend/select.js';
import type { CellmaskConfig } from '../config/index.js';
import { pathExists, writeFileAtomic } from '../data/atomic.js';
import { type SubmissionRow, writeSubmissionCsv } from '../data/submission.js';
import { imageId } from '../data/prediction-files.js';
import { someNames } from '../utils/describe.js';
import { ONNX_INFERENCE_KEYS, fixedKeysChanged } from './onnx-config.js';
import { type ImageDone, runPredictWorkers } from './predict-pool.js';
import type { PredictWorkerData } from './predict-worker.js';
import { type Shard, shardImages, sortByFileName, validateShard } from './shard.js';

/**
 * wasm threads per worker when neither `workers` nor `threadsPerWorker` is given; the workers
 * then fill the cores. 1: on the project's 2-core Xeon (shared, so noisy; 520 x 704 images,
 * fresh weights, 300 detections per image, medians of 4 alternating runs, the workers' start
 * included), 2 workers x 1 thread beat 1 worker x 2 threads in images/s: the small test network
 * 4.28 vs 3.81 and `mask_rcnn_R_50_FPN_small` 0.90 vs 0.69 at load 2-3 (every pair); at load
 * 6-9, 1.58 vs 1.10 and 0.30 vs 0.34. Much of an image's time is single-threaded JavaScript
 * (decoding, RoIAlign, pasting, RLE) that only a second worker overlaps. See
 * docs/batch-inference.md.
 */
export const DEFAULT_WASM_THREADS_PER_WORKER = 1;

/** What runs the model: TensorFlow.js (on `backend`) or onnxruntime-node (cpu). */
export type PredictRuntime = 'tfjs' | 'onnx';

/** Options of `predictImages`. */
export interface PredictImagesOptions {
  /** Safetensors checkpoint holding every weight of `config`'s network; required unless `onnxModel` is given. */
  readonly weights?: string;
  /**
   * The network; `MODEL.MASK_ON` must be on (the outputs are masks). Required with `weights`.
   * With `onnxModel`, default the config stored in the export; one given instead may differ from
   * it in `ONNX_INFERENCE_KEYS` only (test size, thresholds, proposal and detection counts).
   */
  readonly config?: CellmaskConfig;
  /**
   * `tfjs` (default): TensorFlow.js on `backend`. `onnx`: onnxruntime-node's CPU provider on the
   * graphs of `onnxModel`, or of `weights` exported in memory for `config` (`cellmask/onnx`); its
   * workers load no TensorFlow.js.
   */
  readonly runtime?: PredictRuntime;
  /**
   * An exported model (`model.onnx`, with the `model.box_head.onnx` and `model.mask_head.onnx`
   * that `exportOnnxFiles` wrote beside it), instead of `weights`; runtime `onnx` only.
   */
  readonly onnxModel?: string;
  /** PNG files (8-bit grey, grey+alpha, RGB or RGBA); their ids (names without extension) must differ. */
  readonly images: readonly string[];
  /** Output directory, created if missing. */
  readonly out: string;
  /** `json` (default): `<out>/<id>.json` per image; `csv`: one `<out>/submission.csv`. */
  readonly format?: 'json' | 'csv';
  /**
   * TensorFlow.js backend of the workers (default `auto`), resolved once in this thread with
   * `resolveBackend` (nothing initialized here); every worker then initializes that backend.
   * Runtime `tfjs` only.
   */
  readonly backend?: BackendPreference;
  /** Called with one line per backend tried while resolving `backend`: chosen, or passed over and why. */
  readonly log?: (message: string) => void;
  /** Worker threads, each with its own model (default: see `workerLayout`); never more than images to predict. */
  readonly workers?: number;
  /**
   * Threads of each worker (default: see `workerLayout`): the wasm backend's (ignored on the
   * other TensorFlow.js backends), or onnxruntime's intra-op threads.
   */
  readonly threadsPerWorker?: number;
  /** Predict only this shard of the images sorted by file name (see `shardImages`). */
  readonly shard?: Shard;
  /**
   * Leave out the images whose `<out>/<id>.json` exists, so that an interrupted batch continues
   * where it stopped (each JSON is written atomically: one that exists is complete). json only.
   */
  readonly skipExisting?: boolean;
  /** Called once per predicted image, in file-name order. */
  readonly onProgress?: (progress: ImageProgress) => void;
  /** Called once per distinct warning of the workers (unused tensors in the weights, wasm without threads). */
  readonly onWarning?: (message: string) => void;
}

/** One predicted image, for `onProgress`. */
export interface ImageProgress {
  readonly path: string;
  readonly id: string;
  /** 0-based position among the images this call predicts (after sharding and skipping). */
  readonly index: number;
  /** How many images this call predicts. */
  readonly total: number;
  readonly detections: number;
  /** Seconds the worker spent on the image (reading, decoding, predicting, encoding). */
  readonly seconds: number;
  /** The worker that predicted it, 0-based. */
  readonly worker: number;
  /**
   * Tensors that worker's TensorFlow.js held afterwards: the model's weights, the same after
   * every image. Undefined on onnxruntime (no TensorFlow.js in its workers).
   */
  readonly workerTensors: number | undefined;
}

/** What `predictImages` did. */
export interface PredictImagesResult {
  /** The images of the shard (all images without one), sorted by file name. */
  readonly images: readonly string[];
  /** Images predicted by this call. */
  readonly predicted: number;
  /** Images of the shard left out because their JSON existed (`skipExisting`). */
  readonly skipped: number;
  /** Detections of the predicted images. */
  readonly detections: number;
  /** Wall-clock seconds of the whole call, the workers' start included. */
  readonly seconds: number;
  /** Workers started (0 when nothing was left to predict). */
  readonly workers: number;
  readonly threadsPerWorker: number;
  readonly runtime: PredictRuntime;
  /**
   * What the workers ran on, in words (`wasm (2 threads)`, `cpu`,
   * `onnxruntime-node 1.30.0 (cpu, 2 threads)`); undefined when none started.
   */
  readonly backend: string | undefined;
  /** The backends passed over while resolving `backend`, and why (empty when none started). */
  readonly passedOver: readonly { readonly name: BackendName; readonly reason: string }[];
  /** What was written: `out` for json, the path of `submission.csv` for csv. */
  readonly written: string;
}

/** Workers and threads per worker (wasm's or onnxruntime's) of a batch. */
export interface WorkerLayout {
  readonly workers: number;
  readonly threadsPerWorker: number;
}

function checkCount(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new Error(`predictImages: ${name} must be an integer >= 1, got ${value}`);
}

/**
 * The layout for `images` images on `cores` cores, filling in what was not asked for. cpu: one
 * worker per core (the cpu backend is single-threaded JavaScript). tfjs-node(-gpu), webgpu,
 * webgl: one worker (libtensorflow runs its own threads, a GPU its own queue; more workers would
 * each hold a copy of the model for no gain), unless asked for. wasm: with threads per
 * worker given, as many workers as fill the cores; with workers given, the cores shared among
 * them; with neither, `DEFAULT_WASM_THREADS_PER_WORKER` threads per worker and as many workers
 * as fill the cores. `onnx` (onnxruntime, whatever the TensorFlow.js backend): as wasm, but
 * with neither given one worker with every core as threads (onnxruntime spreads its operators
 * over them; each more worker holds another copy of the model). Never more workers than
 * images; when that leaves cores idle and the threads were not asked for, the workers get them
 * as threads (one image: one worker with every core).
 */
export function workerLayout(
  backend: BackendName | 'onnx',
  cores: number,
  asked: { workers?: number; threadsPerWorker?: number } = {},
  images = Infinity,
): WorkerLayout {
  checkCount(asked.workers, 'workers');
  checkCount(asked.threadsPerWorker, 'threadsPerWorker');
  const cap = (workers: number) => Math.max(1, Math.min(workers, images));
  if (backend === 'cpu') return { workers: cap(asked.workers ?? cores), threadsPerWorker: 1 };
  if (backend !== 'wasm' && backend !== 'onnx') return { workers: cap(asked.workers ?? 1), threadsPerWorker: 1 };
  const unasked = backend === 'onnx' ? cores : Math.min(cores, DEFAULT_WASM_THREADS_PER_WORKER);
  const planned = asked.threadsPerWorker ?? (asked.workers === undefined ? unasked : 1);
  const workers = cap(asked.workers ?? Math.floor(cores / planned));
  return { workers, threadsPerWorker: asked.threadsPerWorker ?? Math.max(planned, Math.floor(cores / workers)) };
}

/** Throws, naming both files, when two images have the same id (their outputs would collide). */
function checkUniqueIds(paths: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const path of paths) {
    const other = seen.get(imageId(path));
    if (other !== undefined) throw new Error(`predictImages: ${other} and ${path} have the same image id "${imageId(path)}"`);
    seen.set(imageId(path), path);
  }
}

/** Throws unless `backend` is `auto`, a backend's name, or a non-empty list of them. */
function checkBackend(backend: BackendPreference | undefined): void {
  if (backend === undefined || backend === 'auto') return;
  const names: readonly unknown[] = typeof backend === 'string' ? [backend] : Array.isArray(backend) ? backend : [backend];
  if (names.length === 0 || names.some((name) => !(BACKEND_NAMES as readonly unknown[]).includes(name))) {
    throw new Error(`predictImages: backend must be auto, one of ${BACKEND_NAMES.join(', ')}, or a list of them; got ${JSON.stringify(backend)}`);
  }
}

/** What the workers load, on which runtime (`config` undefined: the export's own). */
type ModelSource =
  | { readonly runtime: PredictRuntime; readonly weights: string; readonly config: CellmaskConfig }
  | { readonly runtime: 'onnx'; readonly onnxModel: string; readonly config: CellmaskConfig | undefined };

/** The runtime and the model options that go with it; throws naming what does not. */
function modelSource(o: PredictImagesOptions): ModelSource {
  const runtime = o.runtime ?? 'tfjs';
  if (runtime !== 'tfjs' && runtime !== 'onnx') throw new Error(`predictImages: runtime must be tfjs or onnx, got ${JSON.stringify(runtime)}`);
  if (runtime === 'onnx' && o.backend !== undefined) {
    throw new Error(`predictImages: backend ${JSON.stringify(o.backend)} is a TensorFlow.js backend; runtime onnx runs on onnxruntime-node (cpu) and takes none`);
  }
  if (o.onnxModel !== undefined) {
    if (runtime !== 'onnx') throw new Error(`predictImages: onnxModel ${o.onnxModel} is an exported ONNX model; it needs runtime onnx`);
    if (o.weights !== undefined) throw new Error('predictImages: give weights or onnxModel, not both (an exported model holds its weights)');
    return { runtime, onnxModel: o.onnxModel, config: o.config };
  }
  if (o.weights === undefined) throw new Error(`predictImages: weights (a safetensors checkpoint)${runtime === 'onnx' ? ' or onnxModel' : ''} is required`);
  if (o.config === undefined) throw new Error('predictImages: config is required with weights');
  return { runtime, weights: o.weights, config: o.config };
}

/** The masks are the outputs: a config without them is refused. */
function checkMaskOn(cfg: CellmaskConfig, source: string): void {
  if (!cfg.MODEL.MASK_ON) throw new Error(`predictImages: ${source} has MODEL.MASK_ON off; the outputs are masks, so it needs a Mask R-CNN config`);
}

/** Options checked up front, before any worker starts; returns what the workers load. */
function checkOptions(o: PredictImagesOptions): ModelSource {
  if (o.format !== undefined && o.format !== 'json' && o.format !== 'csv') throw new Error(`predictImages: format must be json or csv, got "${o.format}"`);
  checkBackend(o.backend);
  const source = modelSource(o);
  if (o.skipExisting === true && o.format === 'csv') {
    throw new Error('predictImages: skipExisting needs format json (submission.csv is written once, at the end; there is no per-image file to find)');
  }
  if (o.config !== undefined) checkMaskOn(o.config, 'the config');
  if (o.images.length === 0) throw new Error('predictImages: no images given');
  if (o.shard !== undefined) validateShard(o.shard);
  checkCount(o.workers, 'workers');
  checkCount(o.threadsPerWorker, 'threadsPerWorker');
  return source;
}

/**
 * The config an exported model runs with: the one stored in it, or `config`, which may differ
 * from it in `ONNX_INFERENCE_KEYS` only. Reads the three files, so that a missing or foreign one
 * is named before any worker starts.
 */
async function exportedModelConfig(path: string, config: CellmaskConfig | undefined): Promise<CellmaskConfig> {
  const { readOnnxFiles } = await import('../onnx/files.js');
  const exported = (await readOnnxFiles(path)).config;
  if (config === undefined) {
    checkMaskOn(exported, `the config of ${path}`);
    return exported;
  }
  const changed = fixedKeysChanged(exported, config);
  if (changed.length > 0) {
    throw new Error(
      `predictImages: config differs from the one ${path} was exported with in ${someNames(changed)}, which the exported graphs fix; ` +
        `only ${ONNX_INFERENCE_KEYS.join(', ')} may differ (export the model again to change the others)`,
    );
  }
  return config;
}


/**
 * Runs the model on the images (their shard, without the ones done before, with
 * `skipExisting`) on a pool of worker threads and writes the outputs to `out`.
 * @throws Error naming the image that failed (a corrupt PNG, a 16-bit one) or the weights that
 *   do not fit; the JSON files written until then stay, and every worker has been terminated.
 */
export async function predictImages(options: PredictImagesOptions): Promise<PredictImagesResult> {
  const started = performance.now();
  const source = checkOptions(options);
  const { runtime } = source;
  const config = 'onnxModel' in source ? await exportedModelConfig(source.onnxModel, source.config) : source.config;
  const format = options.format ?? 'json';
  const sorted = sortByFileName(options.images);
  checkUniqueIds(sorted);
  const images = options.shard === undefined ? sorted : shardImages(sorted, options.shard);
  await mkdir(options.out, { recursive: true });
  const done = options.skipExisting === true ? await Promise.all(images.map((path) => pathExists(join(options.out, `${imageId(path)}.json`)))) : [];
  const todo = images.filter((_, i) => done[i] !== true);
  const resolved =
    todo.length === 0 || runtime === 'onnx' ? undefined : await resolveBackend({ prefer: options.backend ?? 'auto', ...(options.log === undefined ? {} : { log: options.log }) });
  const backend = resolved?.name ?? 'wasm';
  const layout = workerLayout(runtime === 'onnx' ? 'onnx' : backend, availableParallelism(), options, todo.length);

  const rows: SubmissionRow[][] = [];
  const finished: (ImageProgress | undefined)[] = [];
  let reported = 0;
  let detections = 0;
  const warned = new Set<string>();
  /** Writes one image's output, then reports every image finished in order up to here. */
  const result = async (reply: ImageDone, worker: number) => {
    const path = todo[reply.id];
    if (reply.json !== undefined) await writeFileAtomic(join(options.out, `${imageId(path)}.json`), reply.json);
    if (reply.rows !== undefined) rows[reply.id] = reply.rows;
    detections += reply.detections;
    const { detections: n, seconds, tensors } = reply;
    finished[reply.id] = { path, id: imageId(path), index: reply.id, total: todo.length, detections: n, seconds, worker, workerTensors: tensors };
    for (; finished[reported] !== undefined; reported++) options.onProgress?.(finished[reported]!);
  };
  const warning = (message: string) => {
    if (!warned.has(message)) options.onWarning?.(message);
    warned.add(message);
  };
  const common = { config, threads: layout.threadsPerWorker, format };
  const data: PredictWorkerData =
    'onnxModel' in source
      ? { ...common, runtime: 'onnx', onnxModel: source.onnxModel }
      : source.runtime === 'onnx'
        ? { ...common, runtime: 'onnx', weights: source.weights }
        : { ...common, runtime: 'tfjs', weights: source.weights, backend };
  const backendInfo = todo.length === 0 ? undefined : await runPredictWorkers(todo, layout.workers, data, { result, warning });

  const written = format === 'csv' ? join(options.out, 'submission.csv') : options.out;
  if (format === 'csv') await writeSubmissionCsv(written, rows.flat());
  return {
    images,
    predicted: todo.length,
    skipped: images.length - todo.length,
    detections,
    seconds: (performance.now() - started) / 1000,
    workers: todo.length === 0 ? 0 : layout.workers,
    threadsPerWorker: layout.threadsPerWorker,
    runtime,
    backend: backendInfo,
    passedOver: resolved?.passedOver ?? [],
    written,
  };
}
