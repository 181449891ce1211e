/**
 * What the WebGPU tests share: the backend started once per test file (cpu registered beside it
 * as the reference), the reason to skip when this machine has no adapter, and running the same
 * computation on cpu then on WebGPU.
 *
 * Without a GPU, Dawn's OpenGL ES adapter on Mesa's llvmpipe runs the same shaders on the CPU
 * (slowly), so the tests run on any Linux machine with Mesa; they skip, saying why, where no
 * adapter exists at all.
 */
import '@tensorflow/tfjs-backend-cpu';

import * as tf from '@tensorflow/tfjs-core';

import { initWebGpuBackendNode } from '../../src/backend/index.js';
import { Random } from '../../src/utils/random.js';

/** The adapter the tests run on, or why they skip. */
export type WebGpuStart = { readonly adapter: string; readonly skip?: undefined } | { readonly adapter?: undefined; readonly skip: string };

/** Starts the WebGPU backend (once per process); never throws: a failure becomes the skip reason. */
export async function startWebGpu(): Promise<WebGpuStart> {
  try {
    const { adapter } = await initWebGpuBackendNode();
    console.log(`WebGPU adapter: ${adapter}`);
    return { adapter };
  } catch (error) {
    const skip = `no WebGPU adapter: ${(error as Error).message}`;
    console.log(`skipping the WebGPU tests: ${skip}`);
    return { skip };
  }
}

/** Makes `name` the active backend. */
export async function useBackend(name: 'cpu' | 'webgpu'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`could not initialize the ${name} backend`);
  await tf.ready();
}

/**
 * `run` on cpu, then on WebGPU: tensors cannot move from WebGPU back to cpu in Node (no
 * synchronous read-back), so `run` makes its own inputs (from seeds) on each backend and returns
 * plain values. Leaves WebGPU active.
 */
export async function onCpuThenWebGpu<T>(run: (backend: 'cpu' | 'webgpu') => Promise<T>): Promise<{ cpu: T; webgpu: T }> {
  await useBackend('cpu');
  const cpu = await run('cpu');
  await useBackend('webgpu');
  const webgpu = await run('webgpu');
  return { cpu, webgpu };
}

/** `size` uniform values in [lo, hi) from seed `seed`. */
export function uniform(size: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Random(seed);
  return Float32Array.from({ length: size }, () => lo + (hi - lo) * rng.next());
}

/** Values of each tensor, read asynchronously (WebGPU in Node has no synchronous read), then disposed. */
export async function readAll(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  tensors.forEach((t) => t.dispose());
  return values;
}

/** An 8-bit grey picture of dark elliptical cells, and the cells' masks (row-major bit planes). */
export function cellPicture(height: number, width: number, cells: number, seed: number): { picture: { data: Uint8Array; height: number; width: number; channels: number }; masks: Uint8Array[] } {
  const rng = new Random(seed);
  const data = new Uint8Array(height * width).fill(150);
  const masks: Uint8Array[] = [];
  for (let c = 0; c < cells; c++) {
    const [cy, cx] = [8 + rng.next() * (height - 16), 8 + rng.next() * (width - 16)];
    const [ry, rx] = [3 + 5 * rng.next(), 3 + 5 * rng.next()];
    const plane = new Uint8Array(height * width);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 <= 1) {
          plane[y * width + x] = 1;
          data[y * width + x] = 60 + Math.floor(20 * rng.next());
        }
      }
    }
    masks.push(plane);
  }
  return { picture: { data, height, width, channels: 1 }, masks };
}
