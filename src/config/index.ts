/**
 * `cellmask/config`: the typed config tree with Detectron2's key names
 * (`cfg.MODEL.ROI_HEADS.SCORE_THRESH_TEST`), the presets (`mask_rcnn_R_50_FPN_3x`,
 * `livecell_pretrain`, `sartorius_finetune`, `torchvision_maskrcnn_resnet50_fpn`), `--set`
 * overrides, YAML/JSON files with `_BASE_`, and validation. No TensorFlow.js; `loadConfig` reads
 * files (Node).
 */
export type * from './types.js';
export { type LeafKind, type SchemaOf, CONFIG_SCHEMA, configKeys, kindOf } from './schema.js';
export { type PresetName, DETECTRON2_DEFAULTS, getPreset, isPresetName, presets } from './presets.js';
export { mergeConfig, setConfigValue, setConfigValues } from './merge.js';
export { parseLiteral, type Literal } from './literal.js';
export { configProblems, validateConfig } from './validate.js';
export { configToYaml } from './yaml.js';
export { loadConfig } from './load.js';
