/**
 * Entry of the batch-inference worker threads (`predictImages`). Each worker loads the model
 * once, from `workerData`: on TensorFlow.js (its own module instance: it sets up the backend,
 * then reads the weights) or on onnxruntime (`predict-onnx.ts`, which loads no TensorFlow.js).
 * It then says `ready`, predicts every image path it is sent (reading and decoding the PNG
 * itself) and posts back the image's JSON text or submission rows. Errors are posted as
 * messages, never thrown, so that the main thread can name the image and stop the batch.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

import type { BackendName } from '../backend/select.js';
import type { CellmaskConfig } from '../config/index.js';
import type { SubmissionRow } from '../data/submission.js';
import type { Detections } from '../ensemble/detections.js';
import type { Picture } from '../model/picture.js';
import type { OnnxModelSource } from './predict-onnx.js';

/** What a worker is started with. */
export type PredictWorkerData = {
  /** The network and its inference settings (for an exported model, its config with the run's changes). */
  readonly config: CellmaskConfig;
  /** Threads of the wasm backend (ignored on the other TensorFlow.js backends), or onnxruntime's intra-op threads. */
  readonly threads: number;
  readonly format: 'json' | 'csv';
} & (
  | {
      readonly runtime: 'tfjs';
      readonly weights: string;
      /** The backend to initialize, as the main thread resolved it (never `auto`: every worker runs the same one). */
      readonly backend: BackendName;
    }
  | ({ readonly runtime: 'onnx' } & OnnxModelSource)
);

/** One image to predict: `id` is its position in the batch. */
export interface PredictRequest {
  readonly id: number;
  readonly path: string;
}

/** What a worker posts back. */
export type PredictReply =
  | { readonly kind: 'ready'; readonly backend: string }
  | { readonly kind: 'warning'; readonly message: string }
  | {
      readonly kind: 'done';
      readonly id: number;
      readonly detections: number;
      /** `format` json: the `<id>.json` text. */
      readonly json?: string;
      /** `format` csv: the image's submission rows. */
      readonly rows?: SubmissionRow[];
      readonly seconds: number;
      /** Tensors the worker's TensorFlow.js holds after the image (the model's weights only); undefined on onnxruntime. */
      readonly tensors: number | undefined;
    }
  /** `id` undefined: the worker failed while starting (backend or model). */
  | { readonly kind: 'failed'; readonly id?: number; readonly message: string };

/** A loaded model, whichever the runtime. */
export interface WorkerModel {
  predict(picture: Picture): Promise<Detections>;
  /** The runtime in words, for the summary: `wasm (2 threads)`, `onnxruntime-node 1.30.0 (cpu, 2 threads)`. */
  readonly description: string;
  /** Tensors the worker's TensorFlow.js holds; undefined without TensorFlow.js. */
  tensors(): number | undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Predicts one image into its reply; the model stays loaded until the thread is terminated. */
type Predictor = (request: PredictRequest) => Promise<PredictReply>;

/** Sets up the TensorFlow.js backend, then the model (posting warnings as they come). */
async function loadTfjsModel(data: Extract<PredictWorkerData, { runtime: 'tfjs' }>, warn: (message: string) => void): Promise<WorkerModel> {
  const [{ selectBackend }, { loadModel }] = await Promise.all([import('../backend/select.js'), import('./load-model.js')]);
  // selectBackend names a missing TensorFlow.js package and how to install it; import it only after.
  const selection = await selectBackend({ prefer: data.backend, ...(data.backend === 'wasm' ? { threads: data.threads } : {}) });
  if (selection.warning !== undefined) warn(selection.warning);
  const tf = await import('@tensorflow/tfjs-core');
  const model = await loadModel(data.weights, data.config, warn);
  return { predict: (picture) => model.predict(picture), description: selection.detail, tensors: () => tf.memory().numTensors };
}

/** Loads the model on its runtime; returns the image predictor. */
async function start(data: PredictWorkerData, post: (reply: PredictReply) => void): Promise<{ predict: Predictor; backend: string }> {
  const [{ pictureFromPng, readPng }, { imageId, predictionJson, submissionRows }] = await Promise.all([
    import('../data/image.js'),
    import('../data/prediction-files.js'),
  ]);
  const warn = (message: string) => post({ kind: 'warning', message });
  const model = data.runtime === 'onnx' ? await (await import('./predict-onnx.js')).loadOnnxModel(data, data.config, data.threads) : await loadTfjsModel(data, warn);
  const predict = async ({ id, path }: PredictRequest): Promise<PredictReply> => {
    const t0 = performance.now();
    const dets = await model.predict(pictureFromPng(await readPng(path), path));
    const output = data.format === 'json' ? { json: `${JSON.stringify(predictionJson(dets))}\n` } : { rows: submissionRows(imageId(path), dets) };
    const seconds = (performance.now() - t0) / 1000;
    return { kind: 'done', id, detections: dets.scores.length, ...output, seconds, tensors: model.tensors() };
  };
  return { predict, backend: model.description };
}

if (parentPort === null) throw new Error('pipeline/predict-worker: must run in a worker thread (predictImages starts it)');
const port = parentPort;
const data = workerData as PredictWorkerData;
const post = (reply: PredictReply) => port.postMessage(reply);

start(data, post).then(
  ({ predict, backend }) => {
    // The main thread sends one image at a time, but chain them anyway: one model, one image.
    let queue: Promise<void> = Promise.resolve();
    port.on('message', (request: PredictRequest) => {
      queue = queue.then(() => predict(request).then(post, (error: unknown) => post({ kind: 'failed', id: request.id, message: messageOf(error) })));
    });
    post({ kind: 'ready', backend });
  },
  (error: unknown) => post({ kind: 'failed', message: messageOf(error) }),
);
