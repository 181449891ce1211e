/**
 * Reading and writing safetensors files (Node). Writes are atomic: a temporary file in the same
 * folder, then a rename.
 */
import { readFile } from 'node:fs/promises';

import { writeFileAtomic } from '../data/atomic.js';
import { type Safetensors, type TensorToWrite, parseSafetensors, serializeSafetensors } from './safetensors.js';

/**
 * The tensors and metadata of the safetensors file at `path`.
 * @throws Error naming the file when it cannot be read or is not valid safetensors.
 */
export async function readSafetensors(path: string): Promise<Safetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`readSafetensors: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** Writes `tensors` and `metadata` to `path` as safetensors, atomically. */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, TensorToWrite> | Readonly<Record<string, TensorToWrite>>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
