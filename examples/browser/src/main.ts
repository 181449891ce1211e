/**
 * The browser demo: a phase-contrast PNG and a Mask R-CNN checkpoint in, the instances drawn over
 * the image, with the runtime and backend, the time taken and the number of instances.
 *
 * Query parameters: `?runtime=tfjs|onnx` runs the model on TensorFlow.js (default) or on
 * onnxruntime-web; `?backend=webgpu|webgl|wasm|cpu` uses that TensorFlow.js backend and no other;
 * `?example=1` runs the shipped example (model, config and image) on load.
 *
 * For tests, `#result` carries `data-state` (`running`, `done`, `error`), `data-instances`,
 * `data-runtime` and `data-backend`, and `window.__cellmaskDemo` is the promise of the latest
 * run's `DemoResult`.
 */
import type { CellmaskConfig } from '../../../src/config/types.js';
import { type BackendName, BACKEND_ORDER, isBackendName } from './backend.js';
import { configFromText } from './config.js';
import { type PageCanvas, type PageFile, type PageFileList, type PageInput, element, pageGlobals } from './dom.js';
import { overlayPixels } from './draw.js';
import { pictureFromPngBytes } from './png.js';
import { type ReadyRuntime, type RuntimeName, DEFAULT_RUNTIME, RUNTIMES, isRuntimeName, startRuntime } from './runtime.js';

/** A file's name and bytes. */
interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** What one run shows, and what tests read. */
export interface DemoResult {
  readonly runtime: RuntimeName;
  /** The backend's name (`webgpu`, `webgl`, `wasm`, `cpu`; onnxruntime's execution provider: `wasm`). */
  readonly backend: string;
  readonly backendDetail: string;
  readonly instances: number;
  readonly loadMs: number;
  readonly predictMs: number;
}

/** The files the next run reads; the shipped model and config stand in for those not given. */
interface Inputs {
  image?: NamedBytes;
  weights?: NamedBytes;
  config?: { readonly name: string; readonly text: string };
}

const EXAMPLE = { image: 'example.png', weights: 'model.safetensors', config: 'model.config.json' } as const;

async function fetchBytes(url: string): Promise<NamedBytes> {
  const response = await fetch(new URL(url, pageGlobals().location.href));
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  return { name: url, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function exampleConfig(): Promise<{ name: string; text: string }> {
  const { name, bytes } = await fetchBytes(EXAMPLE.config);
  return { name, text: new TextDecoder().decode(bytes) };
}

/** The runtime named by `?runtime=`, else the default. */
function chosenRuntime(params: URLSearchParams): RuntimeName {
  const name = params.get('runtime');
  if (name === null || name === '') return DEFAULT_RUNTIME;
  if (!isRuntimeName(name)) throw new Error(`?runtime=${name}: expected one of ${RUNTIMES.join(', ')}`);
  return name;
}

/** The backend named by `?backend=`, or undefined for the best the browser has. */
function forcedBackend(params: URLSearchParams): BackendName | undefined {
  const name = params.get('backend');
  if (name === null || name === '') return undefined;
  if (!isBackendName(name)) throw new Error(`?backend=${name}: expected one of ${BACKEND_ORDER.join(', ')}`);
  return name;
}

function showStatus(text: string, isError = false): void {
  const status = element('status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

function showRuntime(runtime: ReadyRuntime): void {
  element('runtime').textContent = runtime.words;
  element('backend').textContent = runtime.backendDetail();
}

/** Runs the model on `inputs` and draws the result; resolves to what it shows. */
async function run(runtimeReady: Promise<ReadyRuntime>, inputs: Inputs): Promise<DemoResult> {
  const result = element('result');
  result.setAttribute('data-state', 'running');
  result.removeAttribute('data-instances');
  showStatus('running…');
  const runtime = await runtimeReady;
  if (inputs.image === undefined) throw new Error('drop a PNG image (and optionally a .safetensors checkpoint and its config)');
  const picture = pictureFromPngBytes(inputs.image.bytes, inputs.image.name);
  const configFile = inputs.config ?? (await exampleConfig());
  const config: CellmaskConfig = configFromText(configFile.text, configFile.name);
  const weights = inputs.weights ?? (await fetchBytes(EXAMPLE.weights));
  const prediction = await runtime.predict(picture, weights.bytes, weights.name, config);
  const masks = prediction.detections.masks ?? [];

  const canvas = element<PageCanvas>('canvas');
  canvas.width = picture.width;
  canvas.height = picture.height;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('the browser gave no 2d context for the canvas');
  const pixels = context.createImageData(picture.width, picture.height);
  overlayPixels(picture, masks, pixels.data);
  context.putImageData(pixels, 0, 0);

  showRuntime(runtime);
  const shown: DemoResult = {
    runtime: runtime.name,
    backend: runtime.backend,
    backendDetail: runtime.backendDetail(),
    instances: masks.length,
    loadMs: prediction.loadMs,
    predictMs: prediction.predictMs,
  };
  element('time').textContent = `${shown.predictMs.toFixed(0)} ms to predict (${shown.loadMs.toFixed(0)} ms to load the model)`;
  element('instances').textContent = `${shown.instances} instance(s) in ${inputs.image.name}, ${weights.name}, ${configFile.name}`;
  result.setAttribute('data-runtime', shown.runtime);
  result.setAttribute('data-backend', shown.backend);
  result.setAttribute('data-instances', `${shown.instances}`);
  result.setAttribute('data-state', 'done');
  showStatus('done');
  return shown;
}

/**
 * Starts a run (after `prepared`, when given), publishes its promise for tests and reports its
 * failure on the page and the console.
 */
function startRun(runtimeReady: Promise<ReadyRuntime>, inputs: Inputs, prepared: Promise<void> = Promise.resolve()): void {
  const running = prepared.then(() => run(runtimeReady, inputs));
  pageGlobals().__cellmaskDemo = running;
  running.catch((error: unknown) => {
    element('result').setAttribute('data-state', 'error');
    showStatus(`${(error as Error).message}`, true);
    console.error(error);
  });
}

/** Sorts picked or dropped files into `inputs` by extension; returns the names it did not use. */
async function addFiles(inputs: Inputs, files: PageFileList): Promise<string[]> {
  const ignored: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files.item(i) as PageFile;
    const lower = file.name.toLowerCase();
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (lower.endsWith('.png')) inputs.image = { name: file.name, bytes };
    else if (lower.endsWith('.safetensors')) inputs.weights = { name: file.name, bytes };
    else if (/\.(json|ya?ml)$/.test(lower)) inputs.config = { name: file.name, text: new TextDecoder().decode(bytes) };
    else ignored.push(file.name);
  }
  return ignored;
}

async function loadExample(inputs: Inputs): Promise<void> {
  inputs.image = await fetchBytes(EXAMPLE.image);
  inputs.weights = undefined;
  inputs.config = undefined;
}

function main(): void {
  const params = new URLSearchParams(pageGlobals().location.search);
  let runtimeReady: Promise<ReadyRuntime>;
  try {
    runtimeReady = startRuntime(chosenRuntime(params), forcedBackend(params));
  } catch (error) {
    runtimeReady = Promise.reject(error as Error);
  }
  // Runs await runtimeReady and report its failure themselves; this only shows it.
  runtimeReady.then(showRuntime, (error: unknown) => {
    element('runtime').textContent = 'none';
    element('backend').textContent = 'none';
    element('result').setAttribute('data-state', 'error');
    showStatus((error as Error).message, true);
  });

  const inputs: Inputs = {};
  const take = async (files: PageFileList | null | undefined): Promise<void> => {
    if (files === null || files === undefined || files.length === 0) return;
    try {
      const ignored = await addFiles(inputs, files);
      if (ignored.length > 0) showStatus(`ignored ${ignored.join(', ')}: expected .png, .safetensors, .json or .yaml`, true);
    } catch (error) {
      showStatus(`cannot read the files: ${(error as Error).message}`, true);
      return;
    }
    if (inputs.image !== undefined) startRun(runtimeReady, inputs);
  };
  const picker = element<PageInput>('files');
  picker.addEventListener('change', () => void take(picker.files));
  const zone = element('drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.toggle('over', true);
  });
  zone.addEventListener('dragleave', () => zone.classList.toggle('over', false));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.toggle('over', false);
    void take(event.dataTransfer?.files);
  });
  element('example').addEventListener('click', () => startRun(runtimeReady, inputs, loadExample(inputs)));
  if (params.get('example') === '1') startRun(runtimeReady, inputs, loadExample(inputs));
}

// The page's entry point: index.html loads this module to run it.
main();
