/**
 * The page benchmarks/browser/bench.ts times: the browser demo's model (examples/browser/public:
 * model.safetensors, model.config.json) on its example image, through the demo's own code for
 * each runtime, one runtime per page load:
 *
 *   ?runtime=tfjs   TensorFlow.js on its wasm backend (`chooseBackend('wasm')`, as `?backend=wasm`)
 *   ?runtime=onnx   onnxruntime-web's wasm execution provider, the graphs exported in the page
 *
 * `?reps=N` timed predictions after one warm-up (default 10); `?threads=N` onnxruntime's threads
 * (more than 1 only where the page is cross-origin isolated). `#result` gets `data-state`
 * (`done`, `error`) and the JSON of `BenchPageResult`, also `window.__cellmaskBench`.
 */
import type { StageTimes } from '../../src/model/mask-rcnn.js';
import { exportMaskRcnnOnnx } from '../../src/onnx/export.js';
import { parseSafetensors } from '../../src/weights/safetensors.js';
import { chooseBackend } from '../../examples/browser/src/backend.js';
import { configFromText } from '../../examples/browser/src/config.js';
import { element, pageGlobals } from '../../examples/browser/src/dom.js';
import { pictureFromPngBytes } from '../../examples/browser/src/png.js';
import { loadOnnxRuntime, onnxModel } from '../../examples/browser/src/run-onnx.js';
import { tfjsModel } from '../../examples/browser/src/run.js';

/** What one page load measured (milliseconds). */
export interface BenchPageResult {
  readonly runtime: 'tfjs' | 'onnx';
  /** The runtime and backend in words, with their threads. */
  readonly detail: string;
  readonly crossOriginIsolated: boolean;
  readonly userAgent: string;
  /** Whether the page has a WebGPU adapter, and which (not used: the wasm paths are timed). */
  readonly webgpu: string;
  readonly instances: number;
  /** The runtime made ready (tfjs: backend chosen and initialized; onnx: module imported). */
  readonly setupMs: number;
  /** Checkpoint bytes to a model ready to run (onnx: export, wasm binary fetched and compiled, three sessions). */
  readonly loadMs: number;
  /** onnx only: `exportMaskRcnnOnnx` alone, timed again after the runs. */
  readonly exportMs?: number;
  /** The warm-up prediction. */
  readonly firstMs: number;
  /** Each timed prediction after it. */
  readonly warmMs: readonly number[];
  /** Each stage's milliseconds summed over the timed predictions. */
  readonly stages: StageTimes;
}

/** A predictor made ready: predict one picture (stage times added to `times`), and its words. */
interface Ready {
  readonly detail: string;
  readonly predict: (times: StageTimes) => Promise<number>;
}

async function fetchBytes(name: string): Promise<Uint8Array> {
  const response = await fetch(new URL(name, pageGlobals().location.href));
  if (!response.ok) throw new Error(`cannot load ${name}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function webgpuAdapter(): Promise<string> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ info?: { description?: string; vendor?: string } } | null> } } }).navigator?.gpu;
  if (gpu === undefined) return 'no navigator.gpu';
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (adapter === null) return 'no adapter';
  return `${adapter.info?.vendor ?? ''} ${adapter.info?.description ?? ''}`.trim() || 'an adapter';
}

function zeroStages(): StageTimes {
  return { preprocess: 0, backbone: 0, rpn: 0, boxHead: 0, maskHead: 0, paste: 0 };
}

async function measure(): Promise<BenchPageResult> {
  const params = new URLSearchParams(pageGlobals().location.search);
  const runtime = params.get('runtime') ?? 'tfjs';
  if (runtime !== 'tfjs' && runtime !== 'onnx') throw new Error(`?runtime=${runtime}: expected tfjs or onnx`);
  const reps = Number(params.get('reps') ?? '10');
  if (!(Number.isInteger(reps) && reps >= 1)) throw new Error(`?reps=${params.get('reps')}: expected an integer >= 1`);
  const threadsParam = params.get('threads');
  const threads = threadsParam === null ? undefined : Number(threadsParam);

  const picture = pictureFromPngBytes(await fetchBytes('example.png'), 'example.png');
  const config = configFromText(new TextDecoder().decode(await fetchBytes('model.config.json')), 'model.config.json');
  const weights = await fetchBytes('model.safetensors');

  let started = performance.now();
  let ready: Ready;
  let loadMs: number;
  let exportMs: number | undefined;
  let setupMs: number;
  if (runtime === 'tfjs') {
    const backend = await chooseBackend('wasm');
    setupMs = performance.now() - started;
    started = performance.now();
    const model = tfjsModel(weights, 'model.safetensors', config);
    loadMs = performance.now() - started;
    ready = { detail: `TensorFlow.js ${backend.detail}`, predict: async (times) => (await model.predict(picture, times)).masks?.length ?? 0 };
  } else {
    const ort = await loadOnnxRuntime(threads);
    setupMs = performance.now() - started;
    started = performance.now();
    const model = await onnxModel(ort, weights, 'model.safetensors', config);
    loadMs = performance.now() - started;
    ready = {
      detail: `onnxruntime-web ${ort.version} wasm (${ort.threads()} thread${ort.threads() === 1 ? '' : 's'})`,
      predict: async (times) => (await model.predict(picture, times)).masks?.length ?? 0,
    };
  }

  started = performance.now();
  const instances = await ready.predict(zeroStages());
  const firstMs = performance.now() - started;
  const stages = zeroStages();
  const warmMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    started = performance.now();
    const found = await ready.predict(stages);
    warmMs.push(performance.now() - started);
    if (found !== instances) throw new Error(`run ${i + 2} found ${found} instances, the first ${instances}`);
  }
  if (runtime === 'onnx') {
    started = performance.now();
    exportMaskRcnnOnnx(parseSafetensors(weights).tensors, config);
    exportMs = performance.now() - started;
  }
  const userAgent = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? '';
  const crossOriginIsolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const result: BenchPageResult = { runtime, detail: ready.detail, crossOriginIsolated, userAgent, webgpu: await webgpuAdapter(), instances, setupMs, loadMs, firstMs, warmMs, stages };
  return exportMs === undefined ? result : { ...result, exportMs };
}

const shown = element('result');
const measured = measure();
(globalThis as { __cellmaskBench?: Promise<BenchPageResult> }).__cellmaskBench = measured;
measured.then(
  (result) => {
    shown.textContent = JSON.stringify(result, null, 2);
    shown.setAttribute('data-state', 'done');
  },
  (error: unknown) => {
    shown.textContent = (error as Error).stack ?? String(error);
    shown.setAttribute('data-state', 'error');
    console.error(error);
  },
);
