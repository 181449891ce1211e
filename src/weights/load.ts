/**
 * Loading and saving network weights as safetensors files (Node).
 */
import { type CheckpointOptions, type LoadedWeights, checkpointToWeights, weightsToCheckpoint } from './checkpoint.js';
import { parseSafetensors } from './safetensors.js';
import { readSafetensors, writeSafetensors } from './safetensors-file.js';
import type { WeightMap } from './weight-map.js';

/**
 * The weights of a safetensors checkpoint (a path, or the file's bytes) as a WeightMap in
 * Detectron2 names and tfjs layouts, with the names that mapped to nothing. See
 * `checkpointToWeights` for the conversions.
 */
export async function loadWeights(source: string | Uint8Array, options: CheckpointOptions): Promise<LoadedWeights> {
  const { tensors } = typeof source === 'string' ? await readSafetensors(source) : parseSafetensors(source, 'loadWeights');
  return checkpointToWeights(tensors, options);
}

/**
 * Writes `weights` to `path` as safetensors in Detectron2 names and PyTorch layouts (what
 * Detectron2's `model.load_state_dict` reads after `safetensors.torch.load_file`), atomically.
 * @param poolerResolution the box pooler's size, to restore `roi_heads.box_head.fc1.weight`'s NCHW input order.
 */
export async function saveWeights(path: string, weights: WeightMap, options: { readonly poolerResolution: number }): Promise<void> {
  await writeSafetensors(path, await weightsToCheckpoint(weights, options.poolerResolution), { format: 'pt', source: 'cellmask' });
}

/**
 * The names of `expected` (see `expectedWeightNames`) that `weights` lacks.
 */
export function missingWeights(weights: WeightMap, expected: Iterable<string>): string[] {
  return [...expected].filter((name) => !weights.has(name));
}
