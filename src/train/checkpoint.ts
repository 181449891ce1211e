/**
 * Training checkpoints, laid out as Detectron2's `Checkpointer` lays them out: `model_0000099.*`
 * after iteration 99 (the 100th), `model_final.*` at the end, and a `last_checkpoint` file naming
 * the newest. Each checkpoint is three files:
 *   <name>.safetensors            the weights (Detectron2 names, PyTorch layouts: `predict` and
 *                                 Detectron2 read it)
 *   <name>.optimizer.safetensors  the SGD momentum buffers, by parameter name, same layouts
 *   <name>.json                   iteration, RNG state, the config, the optimizer's settings
 * Every file is written to a temporary name and renamed, and `last_checkpoint` is renamed into
 * place only after all three exist: a crash leaves the previous checkpoint in force, never a
 * half-written one.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type * as tf from '@tensorflow/tfjs-core';

import type { CellmaskConfig } from '../config/index.js';
import { writeFileAtomic } from '../data/atomic.js';
import { loadWeights, saveWeights } from '../weights/index.js';
import type { WeightMap } from '../weights/weight-map.js';

/** What a checkpoint records besides tensors. */
export interface CheckpointState {
  /** The last iteration completed (0-based); training resumes at `iteration + 1`. */
  readonly iteration: number;
  /** State of the generator that draws the anchor and RoI samples (`Random.state()`). */
  readonly rng: readonly number[];
  /** The config the run trains. */
  readonly config: CellmaskConfig;
  /** Free-form facts kept with the checkpoint (the optimizer's name, the lr in force, ...). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface LoadedCheckpoint {
  readonly name: string;
  readonly weights: WeightMap;
  readonly momentum: WeightMap;
  readonly state: CheckpointState;
}

/** Detectron2's checkpoint name after iteration `iteration` (0-based). */
export function checkpointName(iteration: number): string {
  return `model_${String(iteration).padStart(7, '0')}`;
}

/**
 * Writes a checkpoint named `name` in `dir` and then points `last_checkpoint` at it.
 * @param poolerResolution `MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION` (the box head's fc1 layout).
 */
export async function saveCheckpoint(
  dir: string,
  name: string,
  weights: WeightMap,
  momentum: WeightMap,
  state: CheckpointState,
  poolerResolution: number,
): Promise<void> {
  await saveWeights(join(dir, `${name}.safetensors`), weights, { poolerResolution });
  await saveWeights(join(dir, `${name}.optimizer.safetensors`), momentum, { poolerResolution });
  await writeFileAtomic(join(dir, `${name}.json`), `${JSON.stringify(state, null, 1)}\n`);
  await writeFileAtomic(join(dir, 'last_checkpoint'), `${name}\n`);
}

/** The name in `dir`'s `last_checkpoint`, or undefined when there is none. */
export async function lastCheckpointName(dir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'last_checkpoint'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const name = text.trim();
  if (!/^[\w.-]+$/.test(name)) throw new Error(`${join(dir, 'last_checkpoint')}: expected a checkpoint name, got ${JSON.stringify(text.slice(0, 80))}`);
  return name;
}

/**
 * The checkpoint `name` of `dir` (default: the one `last_checkpoint` names), or undefined when
 * `dir` has no `last_checkpoint`. The caller owns the tensors.
 * @throws Error naming the file when one of the three is missing or unreadable.
 */
export async function loadCheckpoint(dir: string, name?: string): Promise<LoadedCheckpoint | undefined> {
  const chosen = name ?? (await lastCheckpointName(dir));
  if (chosen === undefined) return undefined;
  const jsonPath = join(dir, `${chosen}.json`);
  let state: CheckpointState;
  try {
    state = JSON.parse(await readFile(jsonPath, 'utf8')) as CheckpointState;
  } catch (error) {
    throw new Error(`checkpoint ${jsonPath}: ${(error as Error).message}`);
  }
  if (!Number.isInteger(state.iteration) || !Array.isArray(state.rng) || typeof state.config !== 'object') {
    throw new Error(`checkpoint ${jsonPath}: expected iteration, rng and config, got keys ${Object.keys(state).join(', ')}`);
  }
  const poolerResolution = state.config.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION;
  const weights = (await loadWeights(join(dir, `${chosen}.safetensors`), { format: 'detectron2', poolerResolution })).weights;
  let momentum: WeightMap;
  try {
    momentum = (await loadWeights(join(dir, `${chosen}.optimizer.safetensors`), { format: 'detectron2', poolerResolution })).weights;
  } catch (error) {
    weights.forEach((t: tf.Tensor) => t.dispose());
    throw error;
  }
  return { name: chosen, weights, momentum, state };
}
