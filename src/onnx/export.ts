/**
 * Mask R-CNN as ONNX: three graphs that onnxruntime (or any ONNX runtime with opset 17) runs,
 * with TypeScript between them where the work is sequential, data-dependent and small.
 *
 *   features.onnx  image -> ResNet -> FPN -> RPN head            (~99% of the arithmetic)
 *   [TypeScript]   proposals: per-level top-k, decoding, clipping, per-level NMS, top-k
 *   box_head.onnx  RoIAlign (p2..p5, 7 x 7) -> box head -> logits, deltas
 *   [TypeScript]   detections: softmax, decoding, score threshold, per-class NMS, top-k
 *   mask_head.onnx RoIAlign (p2..p5, 14 x 14) -> mask head -> 28 x 28 logits per class
 *   [TypeScript]   class selection, sigmoid, boxes mapped to the picture, masks pasted as RLE
 *
 * Why split there: the TypeScript stages are the ones whose exact semantics matter and that
 * ONNX expresses loosely (torch.topk's tie order and NaN handling, Detectron2's finiteness
 * filters, `>` vs `>=` thresholds, NMS tie order; onnxruntime's `NonMaxSuppression` fixes none of
 * them); they run on a few thousand boxes in well under a millisecond each; and they are the
 * same functions the TensorFlow.js path runs (`findTopProposals`, `fastRcnnInferenceSingleImage`,
 * `pasteMasks`), so both runtimes decide alike. Pasting in a graph would also return [D, H, W]
 * float masks (a gigabyte for 1000 cells at 928 x 1256) where the paste writes RLE directly.
 *
 * Each model carries in `metadata_props` its stage, the config it was exported with and an id
 * shared by the three models of one export, so a runtime needs nothing else. Files: files.ts
 * (Node); this module reads no file, so that a browser can export from a checkpoint's bytes.
 */
import type { CellmaskConfig } from '../config/index.js';
import { DETECTRON2_DEFAULTS } from '../config/presets.js';
import { mergeConfig } from '../config/merge.js';
import { validateConfig } from '../config/validate.js';
import { maskRcnnOptionsFromConfig } from '../model/options.js';
import { checkpointParams } from '../weights/checkpoint-params.js';
import { someNames } from '../utils/describe.js';
import { expectedWeightShapes, weightShapeProblems } from '../weights/expected.js';
import type { ArrayParam } from '../weights/layout.js';
import type { StoredTensor } from '../weights/safetensors.js';
import { buildFeaturesGraph } from './features-graph.js';
import { GraphBuilder, encodeModel, readModelMetadata } from './graph-builder.js';
import { type PoolerGraphOptions, buildBoxHeadGraph, buildMaskHeadGraph } from './heads-graph.js';
import { NetworkParams } from './network-params.js';

/** The opset the graphs use (`RoiAlign`'s `coordinate_transformation_mode` needs 16). */
export const ONNX_OPSET = 17;

/** The export's format, recorded in each file; a runtime refuses others. */
export const ONNX_FORMAT = 'cellmask-mask-rcnn/1';

/** The three stages, in the order they run. */
export type OnnxStage = 'features' | 'box_head' | 'mask_head';

/** The serialised models of one network (`maskHead` absent when `MODEL.MASK_ON` is false). */
export interface OnnxModels {
  readonly features: Uint8Array;
  readonly boxHead: Uint8Array;
  readonly maskHead?: Uint8Array;
  /** The config the graphs were built from (thresholds, anchors, preprocessing come from it). */
  readonly config: CellmaskConfig;
}

/** The version recorded as the models' producer. */
const PRODUCER_VERSION = '0.1.0';

function poolerOptions(pooler: { outputSize: readonly [number, number]; scales: readonly number[]; samplingRatio: number; aligned: boolean }): PoolerGraphOptions {
  return { resolution: pooler.outputSize[0], scales: pooler.scales, samplingRatio: pooler.samplingRatio, aligned: pooler.aligned };
}

function encodeStage(stage: OnnxStage, g: GraphBuilder, cfg: CellmaskConfig, exportId: string): Uint8Array {
  return encodeModel(g, {
    opset: ONNX_OPSET,
    producerVersion: PRODUCER_VERSION,
    docString: `cellmask Mask R-CNN, stage ${stage} (see cellmask/onnx)`,
    metadata: { 'cellmask.format': ONNX_FORMAT, 'cellmask.stage': stage, 'cellmask.config': JSON.stringify(cfg), 'cellmask.export_id': exportId },
  });
}

/** A PyTorch-layout shape in TensorFlow.js's layout, as `expectedWeightShapes` gives it (see weights/layout.ts). */
function tfjsShape(shape: readonly number[]): readonly number[] {
  // Conv2d OIHW -> HWIO and ConvTranspose2d [in, out, kh, kw] -> [kh, kw, out, in]: one permutation; Linear [out, in] -> [in, out].
  if (shape.length === 4) return [shape[2], shape[3], shape[1], shape[0]];
  return shape.length === 2 ? [shape[1], shape[0]] : shape;
}

/**
 * The parameters of the network `cfg` describes, those only. The graphs follow the names and
 * shapes of the parameters they are given (blocks while `res4.<i>` exists, widths from the
 * kernels), so the checkpoint is checked against the config first, as the TensorFlow.js loader
 * checks it: without that, another network's checkpoint (another depth, width or class count)
 * would export under a config that does not describe it.
 * @throws Error naming the weights the checkpoint lacks or holds with other shapes.
 */
function networkParams(params: ReadonlyMap<string, ArrayParam>, cfg: CellmaskConfig): NetworkParams {
  const expected = expectedWeightShapes(cfg);
  const problems = weightShapeProblems(new Map([...params].map(([name, p]) => [name, tfjsShape(p.shape)])), expected);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return new NetworkParams(new Map([...params].filter(([name]) => expected.has(name))));
}

/**
 * The ONNX models of the network `cfg` describes with the parameters of a checkpoint
 * (`tensors` as `readSafetensors` gives them: Detectron2 or torchvision names, PyTorch layouts).
 * `onWarning` hears of the checkpoint's tensors that the network does not read (as the
 * TensorFlow.js loader reports them); they are left out.
 * @throws Error naming the weights that are missing or do not fit the network of `cfg`.
 */
export function exportMaskRcnnOnnx(tensors: ReadonlyMap<string, StoredTensor>, cfg: CellmaskConfig, onWarning?: (message: string) => void): OnnxModels {
  const checkpoint = checkpointParams(tensors, { format: 'auto' });
  const params = networkParams(checkpoint.params, cfg);
  const expected = expectedWeightShapes(cfg);
  const extra = [...checkpoint.unused, ...[...checkpoint.params.keys()].filter((name) => !expected.has(name))];
  if (extra.length > 0) onWarning?.(`${extra.length} tensor(s) the network does not read: ${someNames(extra)}`);
  const options = maskRcnnOptionsFromConfig(cfg);
  const features = new GraphBuilder('cellmask_features');
  buildFeaturesGraph(features, params, { strideInOneByOne: options.strideInOneByOne, fuseType: options.fpn.fuseType ?? 'sum' });
  const boxHead = new GraphBuilder('cellmask_box_head');
  buildBoxHeadGraph(boxHead, params, poolerOptions(options.boxPooler));
  // One id for the three models of this export: siblings of another export are refused.
  const id = globalThis.crypto.randomUUID();
  let maskHead: Uint8Array | undefined;
  if (options.maskOn) {
    const g = new GraphBuilder('cellmask_mask_head');
    buildMaskHeadGraph(g, params, poolerOptions(options.maskPooler));
    maskHead = encodeStage('mask_head', g, cfg, id);
  }
  return { features: encodeStage('features', features, cfg, id), boxHead: encodeStage('box_head', boxHead, cfg, id), maskHead, config: cfg };
}

/**
 * Checks a model's metadata: a cellmask export (`ONNX_FORMAT`) of `stage`; returns its config and
 * export id. `path` names the model in errors.
 * @throws Error when the bytes are not ONNX, not a cellmask export or of another stage.
 */
export function checkOnnxStage(bytes: Uint8Array, stage: OnnxStage, path: string): { config: CellmaskConfig; exportId: string } {
  let meta: Record<string, string>;
  try {
    meta = readModelMetadata(bytes);
  } catch (error) {
    throw new Error(`${path} is not an ONNX model (${(error as Error).message})`, { cause: error });
  }
  if (meta['cellmask.format'] !== ONNX_FORMAT) {
    throw new Error(`${path} is not a cellmask export (metadata cellmask.format is ${JSON.stringify(meta['cellmask.format'] ?? null)}, expected "${ONNX_FORMAT}")`);
  }
  if (meta['cellmask.stage'] !== stage) throw new Error(`${path} holds stage ${meta['cellmask.stage']}, expected ${stage}`);
  let config: unknown;
  try {
    config = JSON.parse(meta['cellmask.config'] ?? '');
  } catch {
    throw new Error(`${path}: its metadata cellmask.config is not JSON`);
  }
  const cfg = mergeConfig(DETECTRON2_DEFAULTS, config as Record<string, unknown>, `${path} (cellmask.config)`);
  validateConfig(cfg, `${path} (cellmask.config)`);
  return { config: cfg, exportId: meta['cellmask.export_id'] ?? '' };
}
