/**
 * The browser demo: a phase-contrast PNG and a Mask R-CNN checkpoint in, the instances drawn over
 * the image, with the backend, the time taken and the number of instances.
 *
 * Query parameters: `?backend=webgpu|webgl|wasm|cpu` uses that backend and no other;
 * `?example=1` runs the shipped example (model, config and image) on load.
 *
 * For tests, `#result` carries `data-state` (`running`, `done`, `error`), `data-instances` and
 * `data-backend`, and `window.__cellmaskDemo` is the promise of the latest run's `DemoResult`.
 */
import type { CellmaskConfig } from '../../../src/config/types.js';
import type { BackendSelection } from '../../../src/backend/select.js';
import { type BackendName, BACKEND_ORDER, chooseBackend, isBackendName } from './backend.js';
import { configFromText } from './config.js';
import { type PageCanvas, type PageFile, type PageFileList, type PageInput, element, pageGlobals } from './dom.js';
import { overlayPixels } from './draw.js';
import { pictureFromPngBytes } from './png.js';
import { predictPicture } from './run.js';

/** A file's name and bytes. */
interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** What one run shows, and what tests read. */
export interface DemoResult {
  /** The backend's name (`webgpu`, `webgl`, `wasm`, `cpu`). */
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

function showBackend(backend: BackendSelection): void {
  const passed = backend.passedOver.map((p) => `${p.name}: ${p.reason}`).join('; ');
  element('backend').textContent = `${backend.detail}${passed === '' ? '' : `; passed over ${passed}`}`;
}

/** Runs the model on `inputs` and draws the result; resolves to what it shows. */
async function run(backendReady: Promise<BackendSelection>, inputs: Inputs): Promise<DemoResult> {
  const result = element('result');
  result.setAttribute('data-state', 'running');
  result.removeAttribute('data-instances');
  showStatus('running…');
  const backend = await backendReady;
  if (inputs.image === undefined) throw new Error('drop a PNG image (and optionally a .safetensors checkpoint and its config)');
  const picture = pictureFromPngBytes(inputs.image.bytes, inputs.image.name);
  const configFile = inputs.config ?? (await exampleConfig());
  const config: CellmaskConfig = configFromText(configFile.text, configFile.name);
  const weights = inputs.weights ?? (await fetchBytes(EXAMPLE.weights));
  const prediction = await predictPicture(picture, weights.bytes, weights.name, config);
  const masks = prediction.detections.masks ?? [];

  const canvas = element<PageCanvas>('canvas');
  canvas.width = picture.width;
  canvas.height = picture.height;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('the browser gave no 2d context for the canvas');
  const pixels = context.createImageData(picture.width, picture.height);
  overlayPixels(picture, masks, pixels.data);
  context.putImageData(pixels, 0, 0);

  const shown: DemoResult = {
    backend: backend.name,
    backendDetail: backend.detail,
    instances: masks.length,
    loadMs: prediction.loadMs,
    predictMs: prediction.predictMs,
  };
  element('time').textContent = `${shown.predictMs.toFixed(0)} ms to predict (${shown.loadMs.toFixed(0)} ms to load the weights)`;
  element('instances').textContent = `${shown.instances} instance(s) in ${inputs.image.name}, ${weights.name}, ${configFile.name}`;
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
function startRun(backendReady: Promise<BackendSelection>, inputs: Inputs, prepared: Promise<void> = Promise.resolve()): void {
  const running = prepared.then(() => run(backendReady, inputs));
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
  let backendReady: Promise<BackendSelection>;
  try {
    backendReady = chooseBackend(forcedBackend(params));
  } catch (error) {
    backendReady = Promise.reject(error as Error);
  }
  // Runs await backendReady and report its failure themselves; this only shows it.
  backendReady.then(showBackend, (error: unknown) => {
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
    if (inputs.image !== undefined) startRun(backendReady, inputs);
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
  element('example').addEventListener('click', () => startRun(backendReady, inputs, loadExample(inputs)));
  if (params.get('example') === '1') startRun(backendReady, inputs, loadExample(inputs));
}

// The page's entry point: index.html loads this module to run it.
main();
