/**
 * The demo on onnxruntime-web: the checkpoint exported to ONNX in the page
 * (`exportMaskRcnnOnnx`, from the same safetensors bytes and config as the TensorFlow.js runtime,
 * so the site ships no second model file) and run by onnxruntime-web's wasm execution provider
 * through `OnnxMaskRcnn`. The model is kept between runs of the same checkpoint and config:
 * exporting it and creating its sessions is most of a first run's cost.
 */
import type { CellmaskConfig } from '../../../src/config/types.js';
import { exportMaskRcnnOnnx } from '../../../src/onnx/export.js';
import type { OrtModule } from '../../../src/onnx/ort.js';
import { OnnxMaskRcnn } from '../../../src/onnx/runtime.js';
import type { Picture } from '../../../src/model/picture.js';
import { parseSafetensors } from '../../../src/weights/safetensors.js';
import type { DemoPrediction } from './run.js';
import { ORT_WASM_FILE_URLS } from './wasm-files.js';

/** onnxruntime-web set up to load the site's own binaries. */
export interface OnnxRuntime {
  readonly ort: OrtModule;
  /** onnxruntime-web's version. */
  readonly version: string;
  /**
   * Threads of the wasm execution provider once it has started (undefined before the first
   * model): 1 unless the page is cross-origin isolated (then as asked, or onnxruntime's default:
   * half the cores, at most 4).
   */
  threads(): number | undefined;
}

/**
 * onnxruntime-web's wasm build (the only execution provider the page uses), told where the site
 * serves its binaries.
 * @param threads threads of the wasm execution provider; default onnxruntime's (1 without cross-origin isolation).
 */
export async function loadOnnxRuntime(threads?: number): Promise<OnnxRuntime> {
  const ort = await import('onnxruntime-web/wasm');
  const base = (globalThis as unknown as { location: { href: string } }).location.href;
  // Absolute URLs: onnxruntime resolves relative ones against its own script, and starts its
  // threads' workers from the .mjs (not from the page's bundle, which would run the page again).
  ort.env.wasm.wasmPaths = { wasm: new URL(ORT_WASM_FILE_URLS.wasm, base).href, mjs: new URL(ORT_WASM_FILE_URLS.mjs, base).href };
  if (threads !== undefined) ort.env.wasm.numThreads = threads;
  return { ort, version: ort.env.versions.web ?? 'unknown', threads: () => ort.env.wasm.numThreads };
}

/** The model kept from the last run, with what it was made from (the config as JSON). */
let kept: { readonly weights: Uint8Array; readonly config: string; readonly model: OnnxMaskRcnn } | undefined;

/** Whether `a` and `b` hold the same bytes (the page fetches or reads a file again for each run). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The model of `weights` and `config` on onnxruntime: the one kept from the last run when it was
 * made from the same bytes and the same config, else exported and kept (the previous one released).
 * @throws Error naming the checkpoint when it is not safetensors or its parameters are not those of `config`'s network.
 */
export async function onnxModel(runtime: OnnxRuntime, weights: Uint8Array, weightsName: string, config: CellmaskConfig): Promise<OnnxMaskRcnn> {
  const configJson = JSON.stringify(config);
  if (kept !== undefined && kept.config === configJson && sameBytes(kept.weights, weights)) return kept.model;
  const { tensors } = parseSafetensors(weights, weightsName);
  let models;
  try {
    models = exportMaskRcnnOnnx(tensors, config);
  } catch (error) {
    throw new Error(`${weightsName} does not fit the config (give the config it was trained with): ${(error as Error).message}`, { cause: error });
  }
  const model = await OnnxMaskRcnn.create(models, { ort: runtime.ort, session: { executionProviders: ['wasm'] } });
  await kept?.model.release();
  kept = { weights, config: configJson, model };
  return model;
}

/**
 * Predicts `picture` with the model of `weights` (safetensors bytes, Detectron2 or torchvision
 * names) and `config` on onnxruntime-web.
 * @param weightsName the checkpoint's name for error messages.
 * @throws Error naming the checkpoint when it is not safetensors or its parameters are not those of `config`'s network.
 */
export async function predictPictureOnnx(
  runtime: OnnxRuntime,
  picture: Picture,
  weights: Uint8Array,
  weightsName: string,
  config: CellmaskConfig,
): Promise<DemoPrediction> {
  const started = performance.now();
  const model = await onnxModel(runtime, weights, weightsName, config);
  const loadMs = performance.now() - started;
  const predicting = performance.now();
  const detections = await model.predict(picture);
  return { detections, loadMs, predictMs: performance.now() - predicting };
}
