/**
 * The page's two runtimes, each imported only when chosen: TensorFlow.js (the backend
 * `chooseBackend` picks, or `?backend=`) and onnxruntime-web (its wasm execution provider, the
 * graphs exported in the page from the same checkpoint).
 *
 * TensorFlow.js is the default although onnxruntime-web predicts faster once warm: on the demo's
 * model and example in headless Chromium on 2 cores (README.md, "TensorFlow.js or
 * onnxruntime-web"), onnxruntime-web takes about 135 ms an image from its fourth prediction on,
 * TensorFlow.js's wasm backend about 190 ms, but onnxruntime-web's first result comes after about
 * 3 s (its 14 MB binary compiled, the graphs exported, the sessions created, the code optimized),
 * TensorFlow.js's after 1.2 s, and its second and third predictions are still slower; a visit to
 * the demo is mostly one or a few images.
 */
import type { CellmaskConfig } from '../../../src/config/types.js';
import type { Picture } from '../../../src/model/picture.js';
import { type BackendName, chooseBackend } from './backend.js';
import type { DemoPrediction } from './run.js';

/** The runtimes of the page (`?runtime=` takes one of them). */
export const RUNTIMES = ['tfjs', 'onnx'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** The runtime without `?runtime=`. */
export const DEFAULT_RUNTIME: RuntimeName = 'tfjs';

/** Whether `name` names a runtime of the page. */
export function isRuntimeName(name: string): name is RuntimeName {
  return (RUNTIMES as readonly string[]).includes(name);
}

/** A runtime made ready to predict. */
export interface ReadyRuntime {
  readonly name: RuntimeName;
  /** The runtime in words (`TensorFlow.js`, `onnxruntime-web 1.30.0`). */
  readonly words: string;
  /** Its backend's name (`webgpu`, `webgl`, `wasm`, `cpu`; onnxruntime's execution provider: `wasm`). */
  readonly backend: string;
  /** The backend in words, as it is now (onnxruntime's threads are known once it has started). */
  backendDetail(): string;
  /** Predicts `picture` with the model of `weights` (safetensors bytes) and `config`. */
  predict(picture: Picture, weights: Uint8Array, weightsName: string, config: CellmaskConfig): Promise<DemoPrediction>;
}

/**
 * The runtime `name` made ready.
 * @param backend TensorFlow.js only: one backend to use and no other (`?backend=`), or undefined for the best one.
 * @throws Error saying why, when the runtime cannot start (for TensorFlow.js, when no backend works).
 */
export async function startRuntime(name: RuntimeName, backend?: BackendName): Promise<ReadyRuntime> {
  if (name === 'onnx') {
    if (backend !== undefined) throw new Error(`?backend=${backend} picks a TensorFlow.js backend; onnxruntime-web runs on its wasm execution provider: drop ?backend= or use ?runtime=tfjs`);
    const { loadOnnxRuntime, predictPictureOnnx } = await import('./run-onnx.js');
    const runtime = await loadOnnxRuntime();
    return {
      name,
      words: `onnxruntime-web ${runtime.version}`,
      backend: 'wasm',
      backendDetail: () => {
        const threads = runtime.threads();
        return threads === undefined ? 'wasm' : `wasm (${threads} thread${threads === 1 ? '' : 's'})`;
      },
      predict: (picture, weights, weightsName, config) => predictPictureOnnx(runtime, picture, weights, weightsName, config),
    };
  }
  const selection = await chooseBackend(backend);
  const { predictPicture } = await import('./run.js');
  const passed = selection.passedOver.map((p) => `${p.name}: ${p.reason}`).join('; ');
  return {
    name,
    words: 'TensorFlow.js',
    backend: selection.name,
    backendDetail: () => `${selection.detail}${passed === '' ? '' : `; passed over ${passed}`}`,
    predict: predictPicture,
  };
}
