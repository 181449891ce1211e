/**
 * Checkpoints (tensors by PyTorch name, PyTorch layouts) to and from a WeightMap (Detectron2
 * names, tfjs layouts). The conversion runs on typed arrays; tf tensors are created only at the
 * end, so a checkpoint that fails to convert leaves no tensor behind.
 */
import * as tf from '@tensorflow/tfjs-core';

import { type ArrayParam, tfjsConvToTorch, tfjsPooledLinearToTorch, torchConvToTfjs, torchPooledLinearToTfjs, transposeMatrix } from './layout.js';
import type { StoredTensor, TensorToWrite } from './safetensors.js';
import { torchvisionClassLayout, torchvisionToDetectron2Name } from './torchvision-names.js';
import type { WeightMap } from './weight-map.js';

/** Whose names and class layout a checkpoint has. */
export type CheckpointFormat = 'detectron2' | 'torchvision';

/** Options of {@link checkpointToWeights}. */
export interface CheckpointOptions {
  /** `auto` tells the two apart by their names (`backbone.body.` vs `backbone.bottom_up.`). Default `auto`. */
  readonly format?: CheckpointFormat | 'auto';
  /** `MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION`: the pooled size the first box-head fc reads. */
  readonly poolerResolution: number;
}

/** A converted checkpoint. */
export interface LoadedWeights {
  readonly weights: WeightMap;
  /** Checkpoint names that map to no parameter of the network (reported, not loaded). */
  readonly unused: string[];
  /** BatchNorm's `num_batches_tracked` counters, which inference does not read. */
  readonly skipped: string[];
  readonly format: CheckpointFormat;
}

/** The first Linear after the box pooler: its inputs are permuted from NCHW to NHWC order. */
const POOLED_LINEAR = 'roi_heads.box_head.fc1.weight';
const DETECTRON2_PREFIXES = ['backbone.bottom_up.', 'backbone.fpn_', 'proposal_generator.', 'roi_heads.'];
/** Name prefixes found in one kind of checkpoint only. */
const TORCHVISION_MARKS = ['backbone.body.', 'backbone.fpn.', 'rpn.head.', 'roi_heads.box_head.fc6.', 'roi_heads.mask_predictor.'];
const DETECTRON2_MARKS = ['backbone.bottom_up.', 'backbone.fpn_', 'proposal_generator.', 'roi_heads.box_head.fc1.', 'roi_heads.mask_head.deconv.'];

/**
 * The WeightMap of a checkpoint's `tensors`. Detectron2 names are kept; torchvision's are
 * renamed and its class layout converted (see `torchvision-names.ts`). Layouts: rank-4 weights
 * OIHW -> HWIO (the mask head's ConvTranspose2d `[in, out, kh, kw]` -> `[kh, kw, out, in]`),
 * rank-2 `[out, in]` -> `[in, out]` with `roi_heads.box_head.fc1.weight`'s inputs permuted to
 * NHWC flatten order, vectors as they are. All values become float32.
 * @throws Error when the format cannot be told, or a tensor cannot be converted (naming it).
 */
export function checkpointToWeights(tensors: ReadonlyMap<string, StoredTensor>, options: CheckpointOptions): LoadedWeights {
  const format = options.format === undefined || options.format === 'auto' ? detectFormat([...tensors.keys()]) : options.format;
  if (format !== 'detectron2' && format !== 'torchvision') {
    throw new Error(`checkpointToWeights: format must be 'detectron2', 'torchvision' or 'auto', got ${JSON.stringify(options.format)}`);
  }
  const converted = new Map<string, ArrayParam>();
  const unused: string[] = [];
  const skipped: string[] = [];
  for (const [name, stored] of tensors) {
    if (name.endsWith('.num_batches_tracked')) {
      skipped.push(name);
      continue;
    }
    const target = format === 'torchvision' ? torchvisionToDetectron2Name(name) : isDetectron2Parameter(name) ? name : undefined;
    if (target === undefined) {
      unused.push(name);
      continue;
    }
    if (converted.has(target)) throw new Error(`checkpointToWeights: ${name} and another tensor both map to ${target}`);
    let param: ArrayParam = { shape: stored.shape, data: stored.data instanceof Float32Array ? stored.data : Float32Array.from(stored.data) };
    if (format === 'torchvision') param = torchvisionClassLayout(target, param);
    converted.set(target, toTfjsLayout(target, param, options.poolerResolution));
  }
  const weights = new Map<string, tf.Tensor>();
  for (const [name, p] of converted) weights.set(name, tf.tensor(p.data, [...p.shape], 'float32'));
  return { weights, unused, skipped, format };
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

/**
 * Parameters of a Detectron2 Mask R-CNN; buffers a checkpoint may also hold (`pixel_mean`,
 * `cell_anchors`) are not parameters and are reported as unused.
 */
function isDetectron2Parameter(name: string): boolean {
  return DETECTRON2_PREFIXES.some((p) => name.startsWith(p)) && /\.(weight|bias|running_mean|running_var)$/.test(name);
}

function detectFormat(names: readonly string[]): CheckpointFormat {
  const has = (prefixes: readonly string[]): boolean => names.some((n) => prefixes.some((p) => n.startsWith(p)));
  if (has(TORCHVISION_MARKS)) return 'torchvision';
  if (has(DETECTRON2_MARKS)) return 'detectron2';
  throw new Error(
    `checkpointToWeights: cannot tell a Detectron2 checkpoint from a torchvision one by its names (first: ${names.slice(0, 3).join(', ') || 'none'}); pass format`,
  );
}
