/**
 * Checkpoints (tensors by PyTorch name, PyTorch layouts) to and from a WeightMap (Detectron2
 * names, tfjs layouts). The conversion runs on typed arrays; tf tensors are created only at the
 * end, so a checkpoint that fails to convert leaves no tensor behind.
 */
import * as tf from '@tensorflow/tfjs-core';

import { type CheckpointOptions, type CheckpointParams, POOLED_LINEAR, checkpointParams } from './checkpoint-params.js';
import { type ArrayParam, tfjsConvToTorch, tfjsPooledLinearToTorch, torchConvToTfjs, torchPooledLinearToTfjs, transposeMatrix } from './layout.js';
import type { StoredTensor, TensorToWrite } from './safetensors.js';
import type { WeightMap } from './weight-map.js';

export { type CheckpointFormat, type CheckpointOptions } from './checkpoint-params.js';

/** A converted checkpoint. */
export interface LoadedWeights extends Omit<CheckpointParams, 'params'> {
  readonly weights: WeightMap;
}

/**
 * The checkpoint of `weights` in Detectron2 names and PyTorch layouts (the inverse of
 * {@link checkpointToWeights} for a Detectron2 checkpoint), for `serializeSafetensors`.
 */
export async function weightsToCheckpoint(weights: WeightMap, poolerResolution: number): Promise<Map<string, TensorToWrite>> {
  const out = new Map<string, TensorToWrite>();
  for (const [name, tensor] of weights) {
    const data = (await tensor.data()) as Float32Array;
    const p: ArrayParam = { shape: tensor.shape, data: data instanceof Float32Array ? data : Float32Array.from(data) };
    const rank = p.shape.length;
    const torch = rank === 4 ? tfjsConvToTorch(p) : rank === 2 ? (name === POOLED_LINEAR ? tfjsPooledLinearToTorch(p, poolerResolution, name) : transposeMatrix(p)) : p;
    out.set(name, { dtype: 'F32', shape: torch.shape, data: torch.data });
  }
  return out;
}

/**
 * The WeightMap of a checkpoint's `tensors` (`checkpointParams`, then tfjs layouts): rank-4
 * weights OIHW -> HWIO (the mask head's ConvTranspose2d `[in, out, kh, kw]` -> `[kh, kw, out, in]`),
 * rank-2 `[out, in]` -> `[in, out]` with `roi_heads.box_head.fc1.weight`'s inputs permuted to
 * NHWC flatten order, vectors as they are.
 * @throws Error when the format cannot be told, or a tensor cannot be converted (naming it).
 */
export function checkpointToWeights(tensors: ReadonlyMap<string, StoredTensor>, options: CheckpointOptions): LoadedWeights {
  const { params, ...rest } = checkpointParams(tensors, options);
  const converted = new Map<string, ArrayParam>();
  for (const [name, p] of params) converted.set(name, toTfjsLayout(name, p, options.poolerResolution));
  const weights = new Map<string, tf.Tensor>();
  for (const [name, p] of converted) weights.set(name, tf.tensor(p.data, [...p.shape], 'float32'));
  return { weights, ...rest };
}

function toTfjsLayout(name: string, p: ArrayParam, poolerResolution: number): ArrayParam {
  switch (p.shape.length) {
    case 4:
      return torchConvToTfjs(p);
    case 2:
      return name === POOLED_LINEAR ? torchPooledLinearToTfjs(p, poolerResolution, name) : transposeMatrix(p);
    case 1:
      return p;
    default:
      throw new Error(`checkpointToWeights: ${name} has shape [${p.shape.join(', ')}]; expected a vector, a matrix or a 4-d kernel`);
  }
}
