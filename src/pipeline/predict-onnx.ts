/**
 * The onnxruntime side of the prediction workers: the model as `OnnxMaskRcnn` on
 * onnxruntime-node's CPU provider. Imports no TensorFlow.js (test/pipeline/predict-onnx.test.ts
 * checks it), so an onnx worker never loads it.
 */
import type { CellmaskConfig } from '../config/index.js';
import { OnnxMaskRcnn, loadOnnxRuntimeNode, onnxMaskRcnnFromWeights, readOnnxFiles } from '../onnx/index.js';
import type { WorkerModel } from './predict-worker.js';

/** What an onnx worker loads: a checkpoint (exported in memory for the config), or a model `exportOnnxFiles` wrote. */
export type OnnxModelSource = { readonly weights: string } | { readonly onnxModel: string };

/**
 * The model of `source` with `config` (for an exported model: its config, with the run's
 * inference settings) on `threads` intra-op threads of onnxruntime.
 * @throws Error naming the weights that do not fit, or the exported file that is missing or not one.
 */
export async function loadOnnxModel(source: OnnxModelSource, config: CellmaskConfig, threads: number): Promise<WorkerModel> {
  const ort = await loadOnnxRuntimeNode();
  const options = { ort, session: { intraOpNumThreads: threads } };
  const model =
    'onnxModel' in source
      ? await OnnxMaskRcnn.create({ ...(await readOnnxFiles(source.onnxModel)), config }, options)
      : await onnxMaskRcnnFromWeights(source.weights, config, options);
  // onnxruntime-node's module has `env.versions`; the structural OrtModule type leaves it out.
  const version = (ort as { env?: { versions?: { node?: string } } }).env?.versions?.node;
  const description = `onnxruntime-node${version === undefined ? '' : ` ${version}`} (cpu, ${threads} thread${threads === 1 ? '' : 's'})`;
  return { predict: (picture) => model.predict(picture), description, tensors: () => undefined };
}
