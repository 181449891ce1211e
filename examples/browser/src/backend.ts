/**
 * The page's choice of TensorFlow.js backend: the library's `selectBackend` (WebGPU where the
 * browser has a hardware adapter, else WebGL, else wasm, else plain JavaScript), with the page's
 * own wasm binaries. Each backend's package is imported only when it is tried.
 */
import { type BackendSelection, selectBackend } from '../../../src/backend/select.js';
import { WASM_FILE_URLS } from './wasm-files.js';

/** The backends of a browser, best first (`?backend=` takes one of them). */
export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** Whether `name` names a backend of the page. */
export function isBackendName(name: string): name is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(name);
}

/**
 * Makes the first backend that works tfjs's backend (see `selectBackend`).
 * @param prefer one backend to use and no other (the page's `?backend=`), or undefined for the best one.
 * @throws Error saying why, when none works.
 */
export async function chooseBackend(prefer?: BackendName): Promise<BackendSelection> {
  if (prefer === undefined || prefer === 'wasm') {
    // Before the wasm backend starts: where the built site serves its binaries (tfjs's default is a CDN).
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(WASM_FILE_URLS);
  }
  return selectBackend({ prefer: prefer ?? 'auto' });
}
