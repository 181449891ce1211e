/**
 * The TensorFlow.js backends the tensor tests run on: every test of an op runs once per backend
 * installed here (cpu and wasm), as tfjs-core's own tests do. Importing this module registers
 * both backends; the library itself never registers anything on import.
 */
import '@tensorflow/tfjs-backend-cpu';

import { createRequire } from 'node:module';
import { dirname } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);
setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);

/** The backends every tensor test runs on. */
export const BACKENDS = ['cpu', 'wasm'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Makes `name` the active backend (initializing it on first use). */
export async function useBackend(name: BackendName): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`could not initialize the ${name} backend`);
  await tf.ready();
}

/**
 * Runs `body` and checks that it leaves no tensor behind: the number of live tensors after is
 * the number before. Returns what `body` returns.
 */
export async function withoutLeaks<T>(body: () => Promise<T> | T): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await body();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${after - before} tensor(s) left behind (${before} -> ${after})`);
  return result;
}
