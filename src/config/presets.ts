/**
 * The named configs: Detectron2's `mask_rcnn_R_50_FPN_3x`, the solution's `livecell_pretrain` and
 * `sartorius_finetune` (`../shared/seed/SOLUTION.md`), torchvision's `maskrcnn_resnet50_fpn`, the
 * small `mask_rcnn_R_50_FPN_small` that trains in minutes on a CPU,
 * each written out in full in `presets/`. Detectron2's bare defaults (`DETECTRON2_DEFAULTS`, a C4
 * model cellmask does not build) are what config files without `_BASE_` start from.
 */
import { detectron2Defaults } from './presets/detectron2-defaults.js';
import { livecellPretrain } from './presets/livecell-pretrain.js';
import { maskRcnnR50Fpn3x } from './presets/mask-rcnn-r50-fpn-3x.js';
import { maskRcnnR50FpnSmall } from './presets/mask-rcnn-r50-fpn-small.js';
import { sartoriusFinetune } from './presets/sartorius-finetune.js';
import { torchvisionMaskrcnnResnet50Fpn } from './presets/torchvision-maskrcnn-resnet50-fpn.js';
import type { CellmaskConfig } from './types.js';

/** Detectron2's `config/defaults.py` for the keys cellmask models. */
export const DETECTRON2_DEFAULTS: CellmaskConfig = detectron2Defaults;

/** The presets by name. */
export const presets = {
  mask_rcnn_R_50_FPN_3x: maskRcnnR50Fpn3x,
  livecell_pretrain: livecellPretrain,
  sartorius_finetune: sartoriusFinetune,
  torchvision_maskrcnn_resnet50_fpn: torchvisionMaskrcnnResnet50Fpn,
  mask_rcnn_R_50_FPN_small: maskRcnnR50FpnSmall,
} as const satisfies Record<string, CellmaskConfig>;

/** A preset's name. */
export type PresetName = keyof typeof presets;

/** Whether `name` names a preset. */
export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(presets, name);
}

/**
 * The preset `name`.
 * @throws Error listing the presets when there is none of that name.
 */
export function getPreset(name: string): CellmaskConfig {
  if (!isPresetName(name)) {
    throw new Error(`getPreset: no preset named ${JSON.stringify(name)}; presets: ${Object.keys(presets).join(', ')}`);
  }
  return presets[name];
}
