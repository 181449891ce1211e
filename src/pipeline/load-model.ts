/**
 * The model of a config with the weights of a safetensors checkpoint, checked against each
 * other. Imports TensorFlow.js (through the model and weights modules) only when called: the
 * batch-inference workers call it once each, the main thread never.
 */
import type { CellmaskConfig } from '../config/index.js';
import type { MaskRcnn } from '../model/index.js';
import { someNames } from '../utils/describe.js';

/**
 * The model of `cfg` with the weights of the safetensors file at `path`. Fails, naming the file,
 * when the file lacks weights of the config's network or holds some with other shapes (both
 * mean the config is not the network the weights were trained as); tells `onWarning` about
 * tensors the network does not read.
 */
export async function loadModel(path: string, cfg: CellmaskConfig, onWarning: (message: string) => void): Promise<MaskRcnn> {
  const [{ MaskRcnn }, { expectedWeightShapes, loadWeights, weightShapeProblems }] = await Promise.all([
    import('../model/index.js'),
    import('../weights/index.js'),
  ]);
  const { weights, unused } = await loadWeights(path, { format: 'auto', poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
  const expected = expectedWeightShapes(cfg);
  const problems = weightShapeProblems(new Map([...weights].map(([name, t]) => [name, t.shape])), expected);
  if (problems.length > 0) {
    weights.forEach((t) => t.dispose());
    throw new Error(`--weights ${path} does not fit --config: ${problems.join('; ')}`);
  }
  const extra = [...unused, ...[...weights.keys()].filter((name) => !expected.has(name))];
  if (extra.length > 0) onWarning(`--weights ${path}: ${extra.length} tensor(s) the network does not read: ${someNames(extra)}`);
  return new MaskRcnn(weights, cfg);
}
