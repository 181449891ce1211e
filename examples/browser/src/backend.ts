/**
 * The page's choice of TensorFlow.js backend: WebGPU where the browser has it, else WebGL, else
 * wasm, else plain JavaScript (cpu). Each backend's package is imported only when it is tried, so
 * the page downloads the code of the backends it tries and no other. (A library version of this
 * choice, `selectBackend` in src/backend/select.ts, was not committed when this page was written.)
 */
import * as tf from '@tensorflow/tfjs-core';

import { pageGlobals } from './dom.js';
import { WASM_FILE_URLS } from './wasm-files.js';

/** The backends the page can run on, best first. */
export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** The backend the page runs on, and why the better ones were passed over. */
export interface ChosenBackend {
  readonly name: BackendName;
  /** What the backend runs on, in words (`WebGL 2`, `wasm, SIMD, 1 thread`). */
  readonly detail: string;
  readonly passedOver: readonly { readonly name: BackendName; readonly reason: string }[];
}

/** Whether `name` names a backend of the page. */
export function isBackendName(name: string): name is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(name);
}

/** Why WebGPU cannot be used here, or undefined when an adapter exists. */
async function webgpuMissing(): Promise<string | undefined> {
  const gpu = pageGlobals().navigator.gpu;
  if (gpu === undefined) return 'the browser has no navigator.gpu';
  return (await gpu.requestAdapter()) === null ? 'navigator.gpu.requestAdapter() found no adapter' : undefined;
}

/** Imports `name`'s package (registering the backend with tfjs) and says why it cannot run, if it cannot. */
async function loadBackend(name: BackendName): Promise<string | undefined> {
  switch (name) {
    case 'webgpu': {
      const missing = await webgpuMissing();
      if (missing !== undefined) return missing;
      await import('@tensorflow/tfjs-backend-webgpu');
      return undefined;
    }
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return undefined;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(WASM_FILE_URLS);
      return undefined;
    }
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return undefined;
  }
}

async function describeBackend(name: BackendName): Promise<string> {
  switch (name) {
    case 'webgpu':
      return 'WebGPU';
    case 'webgl':
      return `WebGL ${tf.env().getNumber('WEBGL_VERSION')}`;
    case 'wasm': {
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
      return `wasm${simd ? ', SIMD' : ''}${threads ? ', threads' : ', 1 thread'}`;
    }
    case 'cpu':
      return 'plain JavaScript';
  }
}

/**
 * Sets the first backend of `candidates` that works as tfjs's backend.
 * @param prefer one backend to use and no other (the page's `?backend=`), or undefined for the best one.
 * @throws Error listing each backend tried and why it failed, when none works.
 */
export async function chooseBackend(prefer?: BackendName): Promise<ChosenBackend> {
  const candidates = prefer === undefined ? BACKEND_ORDER : [prefer];
  const passedOver: { name: BackendName; reason: string }[] = [];
  for (const name of candidates) {
    try {
      const missing = await loadBackend(name);
      if (missing !== undefined) {
        passedOver.push({ name, reason: missing });
        continue;
      }
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { name, detail: await describeBackend(name), passedOver };
      }
      passedOver.push({ name, reason: `tf.setBackend('${name}') failed to initialize it` });
    } catch (error) {
      passedOver.push({ name, reason: (error as Error).message });
    }
  }
  throw new Error(`no TensorFlow.js backend works here: ${passedOver.map((p) => `${p.name}: ${p.reason}`).join('; ')}`);
}
