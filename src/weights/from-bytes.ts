/**
 * Weights from the bytes of a safetensors checkpoint, with no file system: what a browser or a
 * worker holding a fetched or dropped file calls. (`loadWeights` accepts bytes too, but its module
 * reads and writes files through `node:fs`.)
 */
import { type CheckpointOptions, type LoadedWeights, checkpointToWeights } from './checkpoint.js';
import { parseSafetensors } from './safetensors.js';

/**
 * The weights of the safetensors checkpoint in `bytes` as a WeightMap in Detectron2 names and
 * tfjs layouts, with the names that mapped to nothing (see `checkpointToWeights`).
 * @param name the file's name for error messages.
 * @throws Error naming `name` when the bytes are not valid safetensors or a tensor cannot be converted.
 */
export function loadWeightsFromBytes(bytes: Uint8Array | ArrayBuffer, options: CheckpointOptions, name = 'safetensors'): LoadedWeights {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    throw new Error(`loadWeightsFromBytes: ${name}: bytes must be a Uint8Array or an ArrayBuffer, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  // A plain view, not the caller's array: a Node Buffer's `slice` shares memory where
  // parseSafetensors expects a copy of each tensor's bytes.
  const view = bytes instanceof Uint8Array ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  return checkpointToWeights(parseSafetensors(view, name).tensors, options);
}
