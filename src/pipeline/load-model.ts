/**
 * The model of a config with the weights of a safetensors checkpoint, checked against each
 * other. Imports TensorFlow.js (through the model and weights modules) only when called: the
 * batch-inference workers call it once each, the main thread never.
 */
import type { CellmaskConfig } from '../config/index.js';
import type { MaskRcnn } from '../model/index.js';

/** Names, at most `max` of them, then how many more. */
function someNames(names: readonly string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, ... (${names.length - max} more)`;
}

/**
 * The model of `cfg` with the weights of the safetensors file at `path`. Fails, naming the file,
 * when the file lacks weights of the config's network or holds some with other shapes (both
 * mean the config is not the network the weights were trained as); tells `onWarning` about
 * tensors the network does not read.
 */
export async function loadModel(path: string, cfg: CellmaskConfig, onWarning: (message: string) => void): Promise<MaskRcnn> {
  const [{ MaskRcnn }, { expectedWeightShapes, loadWeights, missingWeights }] = await Promise.all([
    import('../model/index.js'),
    import('../weights/index.js'),
  ]);
  const { weights, unused } = await loadWeights(path, { format: 'auto', poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
  const expected = expectedWeightShapes(cfg);
  const missing = missingWeights(weights, expected.keys());
  const misshapen = [...expected]
    .filter(([name, shape]) => weights.has(name) && weights.get(name)!.shape.join() !== shape.join())
    .map(([name, shape]) => `${name} [${weights.get(name)!.shape.join(', ')}], expected [${shape.join(', ')}]`);
  if (missing.length > 0 || misshapen.length > 0) {
    weights.forEach((t) => t.dispose());
    const problems = [
      ...(missing.length > 0 ? [`${missing.length} of the config's ${expected.size} weights are missing: ${someNames(missing)}`] : []),
      ...(misshapen.length > 0 ? [`${misshapen.length} have other shapes: ${someNames(misshapen, 3)}`] : []),
    ];
    throw new Error(`--weights ${path} does not fit --config: ${problems.join('; ')}`);
  }
  const extra = [...unused, ...[...weights.keys()].filter((name) => !expected.has(name))];
  if (extra.length > 0) onWarning(`--weights ${path}: ${extra.length} tensor(s) the network does not read: ${someNames(extra)}`);
  return new MaskRcnn(weights, cfg);
}
