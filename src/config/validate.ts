/**
 * Checking a whole config: every value of its key's type, and the ranges and cross-key
 * constraints Detectron2 asserts when it builds the model (thresholds in [0, 1], positive sizes,
 * one anchor list per RPN level or one for all, the same number of anchors at every level, ...).
 */
import { coerceValue, show } from './coerce.js';
import { CONFIG_SCHEMA, isLeafKind } from './schema.js';
import type { CellmaskConfig } from './types.js';

/**
 * Every problem of `cfg`, one sentence each naming the key; empty when `cfg` is valid.
 */
export function configProblems(cfg: CellmaskConfig): string[] {
  const problems = typeProblems(cfg);
  if (problems.length > 0) return problems;
  const m = cfg.MODEL;
  const check = (ok: boolean, key: string, what: string, value: unknown): void => {
    if (!ok) problems.push(`${key} must be ${what}, got ${show(value)}`);
  };
  const unit = (x: number): boolean => x >= 0 && x <= 1;
  const positive = (x: number): boolean => x > 0;
  const ascending = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x >= xs[i - 1]);
  const strictlyAscending = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]);

  // The architecture cellmask builds: Detectron2's names for its parts.
  const builds: [string, string, string][] = [
    ['MODEL.META_ARCHITECTURE', m.META_ARCHITECTURE, 'GeneralizedRCNN'],
    ['MODEL.BACKBONE.NAME', m.BACKBONE.NAME, 'build_resnet_fpn_backbone'],
    ['MODEL.PROPOSAL_GENERATOR.NAME', m.PROPOSAL_GENERATOR.NAME, 'RPN'],
    ['MODEL.ANCHOR_GENERATOR.NAME', m.ANCHOR_GENERATOR.NAME, 'DefaultAnchorGenerator'],
    ['MODEL.RPN.HEAD_NAME', m.RPN.HEAD_NAME, 'StandardRPNHead'],
    ['MODEL.ROI_HEADS.NAME', m.ROI_HEADS.NAME, 'StandardROIHeads'],
    ['MODEL.ROI_BOX_HEAD.NAME', m.ROI_BOX_HEAD.NAME, 'FastRCNNConvFCHead'],
    ['MODEL.ROI_MASK_HEAD.NAME', m.ROI_MASK_HEAD.NAME, 'MaskRCNNConvUpsampleHead'],
  ];
  for (const [key, value, name] of builds) check(value === name, key, `${JSON.stringify(name)} (the one cellmask implements)`, value);

  const channels = cfg.INPUT.FORMAT === 'L' ? 1 : 3;
  check(m.PIXEL_MEAN.length === channels, 'MODEL.PIXEL_MEAN', `${channels} values (INPUT.FORMAT ${cfg.INPUT.FORMAT})`, m.PIXEL_MEAN);
  check(m.PIXEL_STD.length === channels && m.PIXEL_STD.every(positive), 'MODEL.PIXEL_STD', `${channels} positive values`, m.PIXEL_STD);

  check(m.BACKBONE.FREEZE_AT >= 0 && m.BACKBONE.FREEZE_AT <= 5, 'MODEL.BACKBONE.FREEZE_AT', 'in 0..5', m.BACKBONE.FREEZE_AT);
  const r = m.RESNETS;
  check([50, 101, 152].includes(r.DEPTH), 'MODEL.RESNETS.DEPTH', '50, 101 or 152', r.DEPTH);
  const stages = ['stem', 'res2', 'res3', 'res4', 'res5'];
  check(r.OUT_FEATURES.length > 0 && r.OUT_FEATURES.every((f) => stages.includes(f)), 'MODEL.RESNETS.OUT_FEATURES', `a non-empty list of ${stages.join('/')}`, r.OUT_FEATURES);
  for (const key of ['NUM_GROUPS', 'WIDTH_PER_GROUP', 'RES2_OUT_CHANNELS', 'STEM_OUT_CHANNELS'] as const) {
    check(r[key] >= 1, `MODEL.RESNETS.${key}`, 'a positive integer', r[key]);
  }
  check(r.RES5_DILATION === 1 || r.RES5_DILATION === 2, 'MODEL.RESNETS.RES5_DILATION', '1 or 2', r.RES5_DILATION);

  // The FPN turns resN into pN and adds one level past the last (P6 by max pool).
  const fpnOut = m.FPN.IN_FEATURES.map((f) => f.replace(/^res/, 'p'));
  if (fpnOut.length > 0) fpnOut.push(`p${Number(fpnOut[fpnOut.length - 1].slice(1)) + 1}`);
  const features = [...r.OUT_FEATURES, ...fpnOut];
  check(m.FPN.IN_FEATURES.every((f) => r.OUT_FEATURES.includes(f)), 'MODEL.FPN.IN_FEATURES', `a subset of MODEL.RESNETS.OUT_FEATURES ${show(r.OUT_FEATURES)}`, m.FPN.IN_FEATURES);
  check(m.FPN.OUT_CHANNELS >= 1, 'MODEL.FPN.OUT_CHANNELS', 'a positive integer', m.FPN.OUT_CHANNELS);
  check(m.PROPOSAL_GENERATOR.MIN_SIZE >= 0, 'MODEL.PROPOSAL_GENERATOR.MIN_SIZE', '>= 0', m.PROPOSAL_GENERATOR.MIN_SIZE);

  const a = m.ANCHOR_GENERATOR;
  const levels = m.RPN.IN_FEATURES.length;
  for (const key of ['SIZES', 'ASPECT_RATIOS'] as const) {
    const lists = a[key];
    check(lists.length === 1 || lists.length === levels, `MODEL.ANCHOR_GENERATOR.${key}`, `one list, or one per RPN level (${levels})`, lists);
    check(lists.every((l) => l.length > 0 && l.every(positive)), `MODEL.ANCHOR_GENERATOR.${key}`, 'non-empty lists of positive numbers', lists);
  }
  const perLevel = Array.from({ length: levels }, (_, i) => (a.SIZES[i] ?? a.SIZES[0]).length * (a.ASPECT_RATIOS[i] ?? a.ASPECT_RATIOS[0]).length);
  check(perLevel.every((n) => n === perLevel[0]), 'MODEL.ANCHOR_GENERATOR', 'the same number of anchors (sizes x ratios) at every level (the RPN head is shared)', perLevel);
  check(a.OFFSET >= 0 && a.OFFSET < 1, 'MODEL.ANCHOR_GENERATOR.OFFSET', 'in [0, 1)', a.OFFSET);

  const rpn = m.RPN;
  check(levels > 0 && rpn.IN_FEATURES.every((f) => features.includes(f)), 'MODEL.RPN.IN_FEATURES', `a non-empty subset of the backbone's features ${show(features)}`, rpn.IN_FEATURES);
  checkMatcher('MODEL.RPN', rpn.IOU_THRESHOLDS, rpn.IOU_LABELS, check, unit, ascending);
  check(rpn.BATCH_SIZE_PER_IMAGE >= 1, 'MODEL.RPN.BATCH_SIZE_PER_IMAGE', 'a positive integer', rpn.BATCH_SIZE_PER_IMAGE);
  check(unit(rpn.POSITIVE_FRACTION), 'MODEL.RPN.POSITIVE_FRACTION', 'in [0, 1]', rpn.POSITIVE_FRACTION);
  check(rpn.BBOX_REG_WEIGHTS.length === 4 && rpn.BBOX_REG_WEIGHTS.every(positive), 'MODEL.RPN.BBOX_REG_WEIGHTS', '4 positive numbers', rpn.BBOX_REG_WEIGHTS);
  check(rpn.SMOOTH_L1_BETA >= 0, 'MODEL.RPN.SMOOTH_L1_BETA', '>= 0', rpn.SMOOTH_L1_BETA);
  for (const key of ['PRE_NMS_TOPK_TRAIN', 'PRE_NMS_TOPK_TEST', 'POST_NMS_TOPK_TRAIN', 'POST_NMS_TOPK_TEST'] as const) {
    check(rpn[key] >= 1, `MODEL.RPN.${key}`, 'a positive integer', rpn[key]);
  }
  check(unit(rpn.NMS_THRESH), 'MODEL.RPN.NMS_THRESH', 'in [0, 1]', rpn.NMS_THRESH);
  check(rpn.CONV_DIMS.length === 1 && (rpn.CONV_DIMS[0] === -1 || rpn.CONV_DIMS[0] >= 1), 'MODEL.RPN.CONV_DIMS', '[-1] or [a positive integer]', rpn.CONV_DIMS);

  const h = m.ROI_HEADS;
  check(h.NUM_CLASSES >= 1, 'MODEL.ROI_HEADS.NUM_CLASSES', '>= 1 (foreground classes; the background is not counted)', h.NUM_CLASSES);
  check(h.IN_FEATURES.length > 0 && h.IN_FEATURES.every((f) => features.includes(f)), 'MODEL.ROI_HEADS.IN_FEATURES', `a non-empty subset of the backbone's features ${show(features)}`, h.IN_FEATURES);
  checkMatcher('MODEL.ROI_HEADS', h.IOU_THRESHOLDS, h.IOU_LABELS, check, unit, ascending);
  check(h.BATCH_SIZE_PER_IMAGE >= 1, 'MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE', 'a positive integer', h.BATCH_SIZE_PER_IMAGE);
  check(unit(h.POSITIVE_FRACTION), 'MODEL.ROI_HEADS.POSITIVE_FRACTION', 'in [0, 1]', h.POSITIVE_FRACTION);
  check(unit(h.SCORE_THRESH_TEST), 'MODEL.ROI_HEADS.SCORE_THRESH_TEST', 'in [0, 1]', h.SCORE_THRESH_TEST);
  check(unit(h.NMS_THRESH_TEST), 'MODEL.ROI_HEADS.NMS_THRESH_TEST', 'in [0, 1]', h.NMS_THRESH_TEST);

  for (const [name, head] of [['ROI_BOX_HEAD', m.ROI_BOX_HEAD], ['ROI_MASK_HEAD', m.ROI_MASK_HEAD]] as const) {
    check(head.POOLER_RESOLUTION >= 1, `MODEL.${name}.POOLER_RESOLUTION`, 'a positive integer', head.POOLER_RESOLUTION);
    check(head.POOLER_SAMPLING_RATIO >= 0, `MODEL.${name}.POOLER_SAMPLING_RATIO`, '>= 0 (0: adaptive)', head.POOLER_SAMPLING_RATIO);
    check(head.NUM_CONV >= 0, `MODEL.${name}.NUM_CONV`, '>= 0', head.NUM_CONV);
    check(head.CONV_DIM >= 1, `MODEL.${name}.CONV_DIM`, 'a positive integer', head.CONV_DIM);
  }
  const b = m.ROI_BOX_HEAD;
  check(b.NUM_FC >= 0, 'MODEL.ROI_BOX_HEAD.NUM_FC', '>= 0', b.NUM_FC);
  check(b.NUM_FC + b.NUM_CONV > 0, 'MODEL.ROI_BOX_HEAD', 'at least one layer (NUM_FC + NUM_CONV > 0)', { NUM_FC: b.NUM_FC, NUM_CONV: b.NUM_CONV });
  check(b.FC_DIM >= 1, 'MODEL.ROI_BOX_HEAD.FC_DIM', 'a positive integer', b.FC_DIM);
  check(b.BBOX_REG_WEIGHTS.length === 4 && b.BBOX_REG_WEIGHTS.every(positive), 'MODEL.ROI_BOX_HEAD.BBOX_REG_WEIGHTS', '4 positive numbers', b.BBOX_REG_WEIGHTS);
  check(b.SMOOTH_L1_BETA >= 0, 'MODEL.ROI_BOX_HEAD.SMOOTH_L1_BETA', '>= 0', b.SMOOTH_L1_BETA);

  const input = cfg.INPUT;
  check(input.MIN_SIZE_TRAIN.length > 0 && input.MIN_SIZE_TRAIN.every(positive), 'INPUT.MIN_SIZE_TRAIN', 'a non-empty list of positive sizes', input.MIN_SIZE_TRAIN);
  if (input.MIN_SIZE_TRAIN_SAMPLING === 'range') {
    check(input.MIN_SIZE_TRAIN.length === 2 && input.MIN_SIZE_TRAIN[0] <= input.MIN_SIZE_TRAIN[1], 'INPUT.MIN_SIZE_TRAIN', '[min, max] with INPUT.MIN_SIZE_TRAIN_SAMPLING range', input.MIN_SIZE_TRAIN);
  }
  check(input.MAX_SIZE_TRAIN >= 1, 'INPUT.MAX_SIZE_TRAIN', 'a positive integer', input.MAX_SIZE_TRAIN);
  check(input.MIN_SIZE_TEST >= 0, 'INPUT.MIN_SIZE_TEST', '>= 0 (0: no resize)', input.MIN_SIZE_TEST);
  check(input.MAX_SIZE_TEST >= 1, 'INPUT.MAX_SIZE_TEST', 'a positive integer', input.MAX_SIZE_TEST);

  check(cfg.DATALOADER.NUM_WORKERS >= 0, 'DATALOADER.NUM_WORKERS', '>= 0', cfg.DATALOADER.NUM_WORKERS);
  check(cfg.DATALOADER.REPEAT_THRESHOLD >= 0, 'DATALOADER.REPEAT_THRESHOLD', '>= 0', cfg.DATALOADER.REPEAT_THRESHOLD);
  const s = cfg.SOLVER;
  check(s.MAX_ITER >= 1, 'SOLVER.MAX_ITER', 'a positive integer', s.MAX_ITER);
  check(s.BASE_LR > 0, 'SOLVER.BASE_LR', '> 0', s.BASE_LR);
  check(s.MOMENTUM >= 0 && s.MOMENTUM < 1, 'SOLVER.MOMENTUM', 'in [0, 1)', s.MOMENTUM);
  check(s.WEIGHT_DECAY >= 0 && s.WEIGHT_DECAY_NORM >= 0, 'SOLVER.WEIGHT_DECAY', '>= 0 (and WEIGHT_DECAY_NORM)', [s.WEIGHT_DECAY, s.WEIGHT_DECAY_NORM]);
  check(s.GAMMA > 0, 'SOLVER.GAMMA', '> 0', s.GAMMA);
  check(s.STEPS.every(positive) && strictlyAscending(s.STEPS), 'SOLVER.STEPS', 'increasing positive iterations', s.STEPS);
  check(unit(s.WARMUP_FACTOR), 'SOLVER.WARMUP_FACTOR', 'in [0, 1]', s.WARMUP_FACTOR);
  check(s.WARMUP_ITERS >= 0, 'SOLVER.WARMUP_ITERS', '>= 0', s.WARMUP_ITERS);
  check(s.CHECKPOINT_PERIOD >= 1, 'SOLVER.CHECKPOINT_PERIOD', 'a positive integer', s.CHECKPOINT_PERIOD);
  check(s.IMS_PER_BATCH >= 1, 'SOLVER.IMS_PER_BATCH', 'a positive integer', s.IMS_PER_BATCH);
  check(s.CLIP_GRADIENTS.CLIP_VALUE > 0, 'SOLVER.CLIP_GRADIENTS.CLIP_VALUE', '> 0', s.CLIP_GRADIENTS.CLIP_VALUE);
  check(cfg.TEST.EVAL_PERIOD >= 0, 'TEST.EVAL_PERIOD', '>= 0 (0: at the end only)', cfg.TEST.EVAL_PERIOD);
  check(cfg.TEST.DETECTIONS_PER_IMAGE >= 1, 'TEST.DETECTIONS_PER_IMAGE', 'a positive integer', cfg.TEST.DETECTIONS_PER_IMAGE);
  return problems;
}

/**
 * Throws when `cfg` has any problem (see {@link configProblems}), listing them all.
 * @param source names the config in the message (a file, a preset).
 */
export function validateConfig(cfg: CellmaskConfig, source = 'config'): void {
  const problems = configProblems(cfg);
  if (problems.length > 0) throw new Error(`validateConfig: ${source} is invalid:\n  ${problems.join('\n  ')}`);
}

function checkMatcher(
  prefix: string,
  thresholds: readonly number[],
  labels: readonly number[],
  check: (ok: boolean, key: string, what: string, value: unknown) => void,
  unit: (x: number) => boolean,
  ascending: (xs: readonly number[]) => boolean,
): void {
  check(thresholds.length > 0 && thresholds.every(unit) && ascending(thresholds), `${prefix}.IOU_THRESHOLDS`, 'ascending values in [0, 1]', thresholds);
  check(labels.length === thresholds.length + 1 && labels.every((l) => l === -1 || l === 0 || l === 1), `${prefix}.IOU_LABELS`, `${thresholds.length + 1} labels in {-1, 0, 1} (one more than IOU_THRESHOLDS)`, labels);
}

/** Every key whose value is missing or not of its type (a config written by hand in code). */
function typeProblems(cfg: CellmaskConfig): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, schema: Record<string, unknown>, prefix: string): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      problems.push(`${prefix.slice(0, -1) || 'the config'} must be a group of keys, got ${show(node)}`);
      return;
    }
    const values = node as Record<string, unknown>;
    for (const key of Object.keys(values)) {
      if (!Object.hasOwn(schema, key)) problems.push(`${prefix}${key} is not a config key`);
    }
    for (const [key, kind] of Object.entries(schema)) {
      if (!isLeafKind(kind)) walk(values[key], kind as Record<string, unknown>, `${prefix}${key}.`);
      else if (typeof values[key] === 'string' && kind !== 'string' && !Array.isArray(kind)) {
        problems.push(`${prefix}${key} must be of its type, got the string ${show(values[key])}`);
      } else {
        try {
          coerceValue(`${prefix}${key}`, values[key], kind, 'config');
        } catch (error) {
          problems.push((error as Error).message.replace(/^config: /, ''));
        }
      }
    }
  };
  walk(cfg, CONFIG_SCHEMA as unknown as Record<string, unknown>, '');
  return problems;
}
