/**
 * One side of the ONNX benchmark (benchmarks/onnx.bench.ts) in a process of its own, so that the
 * peak memory it reports is that side's alone: cellmask's Mask R-CNN on tfjs-backend-wasm
 * (`MaskRcnn`) or on onnxruntime-node (`OnnxMaskRcnn`, no TensorFlow.js loaded), `predict` timed
 * stage by stage, one warm-up and `reps` timed predictions of the same picture.
 *
 * Usage: node --import tsx benchmarks/inference-child.ts --runtime wasm|onnx --weights FILE
 *   --image FILE --height H --width W --min-size N --max-size N --score-thresh S --detections D
 *   --reps R --threads T
 *
 * FILE: torchvision's state_dict as safetensors and the picture as H x W x 3 uint8 RGB (what
 * benchmarks/reference/model_reference.py writes); the config is torchvision_maskrcnn_resnet50_fpn
 * with 3 classes. Prints one JSON line, an `InferenceRun`; progress goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { getPreset, setConfigValues } from '../src/config/index.js';
import type { StageTimes } from '../src/model/mask-rcnn.js';
import type { Picture } from '../src/model/picture.js';

/** What one side measured. */
export interface InferenceRun {
  readonly impl: string;
  /** Median milliseconds of each stage over the timed predictions. */
  readonly ms: StageTimes;
  /** Median milliseconds of a whole prediction (the stages' sum per prediction). */
  readonly totalMs: number;
  /** The first prediction's milliseconds (the first of the warm-ups). */
  readonly firstMs: number;
  readonly detections: number;
  /** Peak resident memory of the process (`process.resourceUsage().maxRSS`), KiB, once the model was loaded. */
  readonly loadPeakRssKiB: number;
  /** The same at the end: the peak over loading and every prediction. */
  readonly peakRssKiB: number;
}

/** A loaded model: one prediction's detection count, its stage times added to `times`. */
interface Predictor {
  readonly impl: string;
  predict(picture: Picture, times?: StageTimes): Promise<number>;
  release(): Promise<void>;
}

function zeroTimes(): StageTimes {
  return { preprocess: 0, backbone: 0, rpn: 0, boxHead: 0, maskHead: 0, paste: 0 };
}

function sum(times: StageTimes): number {
  return Object.values(times).reduce((a, b) => a + b, 0);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A positive integer option, or exit 2 naming it. */
function positive(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0)) {
    console.error(`inference-child: --${name} must be a positive integer, got ${value}`);
    process.exit(2);
  }
  return n;
}

const { values } = parseArgs({
  options: {
    runtime: { type: 'string' },
    weights: { type: 'string' },
    image: { type: 'string' },
    height: { type: 'string' },
    width: { type: 'string' },
    'min-size': { type: 'string' },
    'max-size': { type: 'string' },
    'score-thresh': { type: 'string' },
    detections: { type: 'string' },
    reps: { type: 'string' },
    warmups: { type: 'string' },
    threads: { type: 'string' },
  },
});
const runtime = values.runtime;
if (runtime !== 'wasm' && runtime !== 'onnx') {
  console.error(`inference-child: --runtime must be wasm or onnx, got ${runtime}`);
  process.exit(2);
}
if (values.weights === undefined || values.image === undefined) {
  console.error('inference-child: --weights and --image are required');
  process.exit(2);
}
const scoreThresh = Number(values['score-thresh']);
if (!(scoreThresh >= 0 && scoreThresh <= 1)) {
  console.error(`inference-child: --score-thresh must be in [0, 1], got ${values['score-thresh']}`);
  process.exit(2);
}
const [height, width] = [positive('height', values.height), positive('width', values.width)];
const threads = positive('threads', values.threads);
const reps = positive('reps', values.reps);
const warmups = values.warmups === undefined ? 1 : positive('warmups', values.warmups);
const config = setConfigValues(getPreset('torchvision_maskrcnn_resnet50_fpn'), [
  'MODEL.ROI_HEADS.NUM_CLASSES=3',
  `INPUT.MIN_SIZE_TEST=${positive('min-size', values['min-size'])}`,
  `INPUT.MAX_SIZE_TEST=${positive('max-size', values['max-size'])}`,
  `MODEL.ROI_HEADS.SCORE_THRESH_TEST=${scoreThresh}`,
  `TEST.DETECTIONS_PER_IMAGE=${positive('detections', values.detections)}`,
]);

/** cellmask on tfjs-backend-wasm with `threads` threads (the only runtime that loads TensorFlow.js). */
async function wasmPredictor(weightsPath: string): Promise<Predictor> {
  const { initWasmBackendNode } = await import('../src/backend/index.js');
  const { MaskRcnn } = await import('../src/model/index.js');
  const { loadWeights } = await import('../src/weights/index.js');
  const backend = await initWasmBackendNode({ threads });
  const { weights } = await loadWeights(weightsPath, { format: 'torchvision', poolerResolution: 7 });
  const model = new MaskRcnn(weights, config);
  return {
    impl: `cellmask wasm (${backend.threads} threads${backend.fallbackReason ? `; ${backend.fallbackReason}` : ''})`,
    predict: async (p, times) => (await model.predict(p, times)).scores.length,
    release: async () => model.dispose(),
  };
}

/** cellmask on onnxruntime-node's CPU provider with `threads` intra-op threads, graphs exported in memory. */
async function onnxPredictor(weightsPath: string): Promise<Predictor> {
  const { onnxMaskRcnnFromWeights, loadOnnxRuntimeNode } = await import('../src/onnx/index.js');
  const ort = await loadOnnxRuntimeNode();
  const version = (ort as { env?: { versions?: { node?: string } } }).env?.versions?.node ?? '?';
  const model = await onnxMaskRcnnFromWeights(weightsPath, config, { ort, session: { intraOpNumThreads: threads } });
  return {
    impl: `cellmask onnxruntime-node ${version} (CPU, ${threads} intra-op threads)`,
    predict: async (p, times) => (await model.predict(p, times)).scores.length,
    release: () => model.release(),
  };
}

/** Loads the model, predicts `warmups` times to warm up (the first one timed as a whole), then `reps` times, timed by stage. */
async function measure(weightsPath: string, imagePath: string): Promise<InferenceRun> {
  const data = new Uint8Array(readFileSync(imagePath));
  if (data.length !== height * width * 3) throw new Error(`${imagePath} holds ${data.length} bytes, expected ${height} x ${width} x 3`);
  const picture: Picture = { data, height, width, channels: 3 };
  const predictor = runtime === 'wasm' ? await wasmPredictor(weightsPath) : await onnxPredictor(weightsPath);
  const loadPeakRssKiB = process.resourceUsage().maxRSS;
  let firstMs = 0;
  for (let w = 0; w < warmups; w++) {
    const t = performance.now();
    await predictor.predict(picture);
    if (w === 0) firstMs = performance.now() - t;
  }
  const runs: StageTimes[] = [];
  let detections = 0;
  for (let r = 0; r < reps; r++) {
    const times = zeroTimes();
    detections = await predictor.predict(picture, times);
    runs.push(times);
    console.error(`inference-child: ${runtime}, prediction ${r + 1} of ${reps}: ${(sum(times) / 1000).toFixed(2)} s`);
  }
  await predictor.release();
  const ms = zeroTimes();
  for (const stage of Object.keys(ms) as (keyof StageTimes)[]) ms[stage] = median(runs.map((t) => t[stage]));
  return { impl: predictor.impl, ms, totalMs: median(runs.map(sum)), firstMs, detections, loadPeakRssKiB, peakRssKiB: process.resourceUsage().maxRSS };
}

try {
  console.log(JSON.stringify(await measure(values.weights, values.image)));
} catch (error) {
  // The stack for the reader, then one line for onnx.bench.ts, which reports stderr's last line.
  console.error((error as Error).stack);
  console.error(`inference-child: ${runtime} failed: ${(error as Error).message.split('\n')[0]}`);
  process.exitCode = 1;
}
