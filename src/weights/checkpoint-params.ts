/**
 * A checkpoint's tensors as the network's parameters by Detectron2 name, still in PyTorch
 * layouts (no TensorFlow.js): what `checkpointToWeights` turns into a WeightMap and the ONNX
 * export writes as they are.
 */
import type { ArrayParam } from './layout.js';
import type { StoredTensor } from './safetensors.js';
import { torchvisionClassLayout, torchvisionToDetectron2Name } from './torchvision-names.js';

/** Whose names and class layout a checkpoint has. */
export type CheckpointFormat = 'detectron2' | 'torchvision';

/** Options of {@link checkpointToWeights}. */
export interface CheckpointOptions {
  /** `auto` tells the two apart by their names (`backbone.body.` vs `backbone.bottom_up.`). Default `auto`. */
  readonly format?: CheckpointFormat | 'auto';
  /** `MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION`: the pooled size the first box-head fc reads. */
  readonly poolerResolution: number;
}

/** A checkpoint's parameters in PyTorch layouts (`checkpointParams`). */
export interface CheckpointParams {
  /** Parameters by Detectron2 name, PyTorch layouts, float32. */
  readonly params: ReadonlyMap<string, ArrayParam>;
  /** Checkpoint names that map to no parameter of the network (reported, not loaded). */
  readonly unused: string[];
  /** BatchNorm's `num_batches_tracked` counters, which inference does not read. */
  readonly skipped: string[];
  readonly format: CheckpointFormat;
}

/** The first Linear after the box pooler: its inputs are permuted from NCHW to NHWC order. */
export const POOLED_LINEAR = 'roi_heads.box_head.fc1.weight';
const DETECTRON2_PREFIXES = ['backbone.bottom_up.', 'backbone.fpn_', 'proposal_generator.', 'roi_heads.'];
/** Name prefixes found in one kind of checkpoint only. */
const TORCHVISION_MARKS = ['backbone.body.', 'backbone.fpn.', 'rpn.head.', 'roi_heads.box_head.fc6.', 'roi_heads.mask_predictor.'];
const DETECTRON2_MARKS = ['backbone.bottom_up.', 'backbone.fpn_', 'proposal_generator.', 'roi_heads.box_head.fc1.', 'roi_heads.mask_head.deconv.'];

/**
 * The parameters of a checkpoint's `tensors` by Detectron2 name, in PyTorch layouts (Conv2d
 * OIHW, ConvTranspose2d `[in, out, kh, kw]`, Linear `[out, in]`), as float32 arrays.
 * Detectron2 names are kept; torchvision's are renamed and its class layout converted (see
 * `torchvision-names.ts`).
 * @throws Error when the format cannot be told or two tensors map to one name.
 */
export function checkpointParams(tensors: ReadonlyMap<string, StoredTensor>, options: Pick<CheckpointOptions, 'format'>): CheckpointParams {
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
    converted.set(target, param);
  }
  return { params: converted, unused, skipped, format };
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
