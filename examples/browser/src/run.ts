/**
 * One run of the demo: the model built from a safetensors checkpoint and a config, one picture
 * predicted, the time each part took. The model's tensors are freed before it returns.
 */
import type { CellmaskConfig } from '../../../src/config/types.js';
import type { Detections } from '../../../src/ensemble/detections.js';
import { MaskRcnn } from '../../../src/model/model.js';
import type { Picture } from '../../../src/model/preprocess.js';
import { expectedWeightShapes } from '../../../src/weights/expected.js';
import { loadWeightsFromBytes } from '../../../src/weights/from-bytes.js';
import type { WeightMap } from '../../../src/weights/weight-map.js';

/** What a run found and what it cost. */
export interface DemoPrediction {
  readonly detections: Detections;
  /**
   * Milliseconds to turn the checkpoint into a model ready to run: tensors on the backend
   * (TensorFlow.js); the graphs exported and their sessions created, with onnxruntime's binary
   * loaded on the first run (onnxruntime-web; near 0 when the model is kept from the last run).
   */
  readonly loadMs: number;
  /** Milliseconds of `predict` (the first call on a backend includes compiling its kernels). */
  readonly predictMs: number;
}

/**
 * What keeps `weights` from being the network of `config`: parameters missing or of another
 * shape (the first few), or undefined when they fit.
 */
function mismatch(weights: WeightMap, config: CellmaskConfig): string | undefined {
  const problems: string[] = [];
  for (const [name, shape] of expectedWeightShapes(config)) {
    const tensor = weights.get(name);
    if (tensor === undefined) problems.push(`${name} is missing`);
    else if (tensor.shape.join() !== shape.join()) problems.push(`${name} is [${tensor.shape.join(', ')}], the config's network has [${shape.join(', ')}]`);
  }
  if (problems.length === 0) return undefined;
  return `${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` and ${problems.length - 3} more` : ''}`;
}

/**
 * The network of `config` on tfjs's current backend with the parameters of `weights`
 * (safetensors bytes, Detectron2 or torchvision names); the caller disposes it.
 * @param weightsName the checkpoint's name for error messages.
 * @throws Error naming the checkpoint when it is not safetensors or its parameters are not those of `config`'s network.
 */
export function tfjsModel(weights: Uint8Array, weightsName: string, config: CellmaskConfig): MaskRcnn {
  const loaded = loadWeightsFromBytes(weights, { poolerResolution: config.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION }, weightsName);
  const problem = mismatch(loaded.weights, config);
  if (problem !== undefined) {
    loaded.weights.forEach((t) => t.dispose());
    throw new Error(`${weightsName} does not fit the config (give the config it was trained with): ${problem}`);
  }
  return new MaskRcnn(loaded.weights, config);
}

/**
 * Predicts `picture` with the model of `weights` (safetensors bytes, Detectron2 or torchvision
 * names) and `config`, on tfjs's current backend.
 * @param weightsName the checkpoint's name for error messages.
 * @throws Error naming the checkpoint when it is not safetensors or its parameters are not those of `config`'s network.
 */
export async function predictPicture(picture: Picture, weights: Uint8Array, weightsName: string, config: CellmaskConfig): Promise<DemoPrediction> {
  const started = performance.now();
  const model = tfjsModel(weights, weightsName, config);
  try {
    const loadMs = performance.now() - started;
    const predicting = performance.now();
    const detections = await model.predict(picture);
    return { detections, loadMs, predictMs: performance.now() - predicting };
  } finally {
    model.dispose();
  }
}
