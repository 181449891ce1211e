/**
 * The small network of the model tests (`SMALL_NETWORK`) with seeded random weights, as a
 * checkpoint (for the ONNX export) and as a TensorFlow.js model (for the comparison).
 */
import { type CellmaskConfig, getPreset, setConfigValues } from '../../src/config/index.js';
import type { Picture } from '../../src/model/index.js';
import { Random } from '../../src/utils/random.js';
import { type StoredTensor, type WeightMap, initWeights, weightsToCheckpoint } from '../../src/weights/index.js';
import { SMALL_NETWORK } from '../model/small-network.js';

export type SmallPreset = 'sartorius_finetune' | 'torchvision_maskrcnn_resnet50_fpn';

/** The small network of `preset`, every detection kept (score threshold 0), at most 20; `extra` overrides. */
export function smallConfig(preset: SmallPreset, extra: readonly string[] = []): CellmaskConfig {
  return setConfigValues(getPreset(preset), [...SMALL_NETWORK, 'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.0', 'TEST.DETECTIONS_PER_IMAGE=20', ...extra]);
}

/** Seeded random weights of `cfg` (tfjs tensors; the caller disposes them) and the same as a checkpoint. */
export async function smallWeights(cfg: CellmaskConfig, seed = 1): Promise<{ weights: WeightMap; tensors: Map<string, StoredTensor> }> {
  const weights = initWeights(cfg, new Random(seed));
  const tensors = (await weightsToCheckpoint(weights, cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION)) as Map<string, StoredTensor>;
  return { weights, tensors };
}

/** A grey picture of dark discs on a mid-grey ground. */
export function discs(height: number, width: number, channels: 1 | 3 = 1): Picture {
  const data = new Uint8Array(height * width * channels).fill(128);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((x % 24) ** 2 + (y % 20) ** 2 < 40) for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = 60 + 20 * c;
    }
  }
  return { data, height, width, channels };
}
