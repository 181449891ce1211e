/**
 * Starting a training run from another run's weights (`MODEL.WEIGHTS`, `--weights`), as
 * Detectron2's checkpointer does when finetuning: every tensor whose name and shape match the
 * model is loaded; a tensor whose shape differs (the class-specific layers of a model trained on
 * another class count: LIVECell's 8 cell lines -> the competition's 3) keeps its fresh
 * initialization, and the run says which.
 */
import type * as tf from '@tensorflow/tfjs-core';

import type { CellmaskConfig } from '../config/index.js';
import type { Random } from '../utils/random.js';
import { initWeights, loadWeights } from '../weights/index.js';
import type { WeightMap } from '../weights/weight-map.js';

export interface TransferReport {
  /** Names loaded from the checkpoint. */
  readonly loaded: string[];
  /** Names whose shape differs: re-initialized, with both shapes. */
  readonly reinitialized: { name: string; checkpoint: number[]; model: number[] }[];
  /** Model parameters the checkpoint lacks (freshly initialized). */
  readonly missing: string[];
  /** Checkpoint tensors the model has no use for. */
  readonly unused: string[];
}

/**
 * The model of `cfg` initialized from `source` (a safetensors path or its bytes, Detectron2 or
 * torchvision names) where it fits, from `rng` elsewhere. The caller owns the weights.
 */
export async function weightsFromCheckpoint(
  cfg: CellmaskConfig,
  source: string | Uint8Array,
  rng: Random,
): Promise<{ weights: WeightMap; report: TransferReport }> {
  const fresh = initWeights(cfg, rng) as Map<string, tf.Tensor>;
  const { weights: stored, unused } = await loadWeights(source, { poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
  const report: TransferReport = { loaded: [], reinitialized: [], missing: [], unused: [...unused] };
  for (const [name, t] of stored) {
    const target = fresh.get(name);
    if (target === undefined) {
      report.unused.push(name);
      t.dispose();
    } else if (t.shape.length === target.shape.length && t.shape.every((d, i) => d === target.shape[i])) {
      target.dispose();
      fresh.set(name, t);
      report.loaded.push(name);
    } else {
      report.reinitialized.push({ name, checkpoint: [...t.shape], model: [...target.shape] });
      t.dispose();
    }
  }
  const loaded = new Set([...report.loaded, ...report.reinitialized.map((r) => r.name)]);
  report.missing.push(...[...fresh.keys()].filter((name) => !loaded.has(name)));
  return { weights: fresh, report };
}
