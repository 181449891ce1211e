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
  return checkpointToWeights(parseSafetensors(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), name).tensors, options);
}
