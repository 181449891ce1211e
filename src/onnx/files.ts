/**
 * The exported models as files (Node): `--out model.onnx` writes `model.onnx` (the features
 * graph, the one to open) and `model.box_head.onnx`, `model.mask_head.onnx` beside it; and the
 * runtime loaded from them or from a checkpoint file.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import type { CellmaskConfig } from '../config/index.js';
import { writeFileAtomic } from '../data/atomic.js';
import { readSafetensors } from '../weights/safetensors-file.js';
import { type OnnxModels, type OnnxStage, checkOnnxStage, exportMaskRcnnOnnx } from './export.js';
import { type OnnxMaskRcnnOptions, OnnxMaskRcnn } from './runtime.js';

/** `model.onnx` -> the paths of its three files (`model.onnx`, `model.box_head.onnx`, `model.mask_head.onnx`). */
export function onnxPaths(path: string): Record<OnnxStage, string> {
  if (!path.endsWith('.onnx')) throw new Error(`ONNX model path must end in .onnx, got ${path}`);
  const stem = join(dirname(path), basename(path, '.onnx'));
  return { features: path, box_head: `${stem}.box_head.onnx`, mask_head: `${stem}.mask_head.onnx` };
}

/**
 * Exports the safetensors checkpoint at `weightsPath` for `cfg` and writes the files (each
 * atomically) at `onnxPaths(out)`; returns their paths. `onWarning` hears of checkpoint tensors
 * the network does not read.
 */
export async function exportOnnxFiles(weightsPath: string, cfg: CellmaskConfig, out: string, onWarning?: (message: string) => void): Promise<string[]> {
  const paths = onnxPaths(out);
  const models = await exportWeightsFile(weightsPath, cfg, onWarning);
  const written = [paths.box_head, ...(models.maskHead ? [paths.mask_head] : []), paths.features];
  await writeFileAtomic(paths.box_head, models.boxHead);
  if (models.maskHead) await writeFileAtomic(paths.mask_head, models.maskHead);
  // The file users open last, so that it never names siblings that are not there yet.
  await writeFileAtomic(paths.features, models.features);
  return written;
}

/**
 * Reads the files `exportOnnxFiles` wrote for `path` (`model.onnx`), checking that they are one
 * export's stages.
 * @throws Error naming the file that is missing, not ONNX, not a cellmask export, or from another export.
 */
export async function readOnnxFiles(path: string): Promise<OnnxModels> {
  const paths = onnxPaths(path);
  const read = async (stage: OnnxStage): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await readFile(paths[stage]));
    } catch (error) {
      const hint = stage === 'features' ? '' : ` (${path} was exported with it beside it; copy the three files together)`;
      throw new Error(`cannot read ${paths[stage]}${hint}: ${(error as Error).message}`, { cause: error });
    }
  };
  const features = await read('features');
  const { config, exportId } = checkOnnxStage(features, 'features', paths.features);
  const sameExport = (bytes: Uint8Array, stage: OnnxStage): void => {
    const other = checkOnnxStage(bytes, stage, paths[stage]);
    if (JSON.stringify(other.config) !== JSON.stringify(config)) throw new Error(`${paths[stage]} was exported with another config than ${paths.features}`);
    if (other.exportId !== exportId) throw new Error(`${paths[stage]} comes from another export than ${paths.features} (copy the three files of one export together)`);
  };
  const boxHead = await read('box_head');
  sameExport(boxHead, 'box_head');
  let maskHead: Uint8Array | undefined;
  if (config.MODEL.MASK_ON) {
    maskHead = await read('mask_head');
    sameExport(maskHead, 'mask_head');
  }
  return { features, boxHead, maskHead, config };
}

/** The model exported at `path` (`model.onnx`, with its `.box_head.onnx` and `.mask_head.onnx`) on onnxruntime. */
export async function loadOnnxMaskRcnn(path: string, options: OnnxMaskRcnnOptions = {}): Promise<OnnxMaskRcnn> {
  return OnnxMaskRcnn.create(await readOnnxFiles(path), options);
}

/** The model of `cfg` with the safetensors checkpoint at `weightsPath`, exported in memory, on onnxruntime. */
export async function onnxMaskRcnnFromWeights(weightsPath: string, cfg: CellmaskConfig, options: OnnxMaskRcnnOptions = {}): Promise<OnnxMaskRcnn> {
  return OnnxMaskRcnn.create(await exportWeightsFile(weightsPath, cfg), options);
}

/** The models of the checkpoint at `weightsPath` for `cfg`; errors name the file. */
async function exportWeightsFile(weightsPath: string, cfg: CellmaskConfig, onWarning?: (message: string) => void): Promise<OnnxModels> {
  const { tensors } = await readSafetensors(weightsPath);
  try {
    return exportMaskRcnnOnnx(tensors, cfg, onWarning && ((message) => onWarning(`--weights ${weightsPath}: ${message}`)));
  } catch (error) {
    throw new Error(`--weights ${weightsPath} does not fit --config: ${(error as Error).message}`, { cause: error });
  }
}
