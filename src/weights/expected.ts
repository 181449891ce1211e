/**
 * The parameters a config's network reads: every Detectron2 name with its TensorFlow.js shape,
 * so that a loader can say what a checkpoint lacks.
 */
import type { CellmaskConfig } from '../config/types.js';
import { someNames } from '../utils/describe.js';

const BLOCKS: Record<number, readonly number[]> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

/**
 * Every parameter the network of `cfg` reads, by Detectron2 name, with its tfjs shape (HWIO
 * kernels, `[in, out]` dense kernels, `[kh, kw, out, in]` for the mask head's deconv). Normalised
 * convs have no bias; FrozenBN/BN/SyncBN norms have `weight`, `bias`, `running_mean`,
 * `running_var`, GN `weight` and `bias`.
 * @throws Error naming MODEL.RESNETS.DEPTH when it is not 50, 101 or 152.
 */
export function expectedWeightShapes(cfg: CellmaskConfig): Map<string, number[]> {
  const m = cfg.MODEL;
  const out = new Map<string, number[]>();
  const conv = (name: string, k: number, cin: number, cout: number, norm: string): void => {
    out.set(`${name}.weight`, [k, k, cin, cout]);
    if (norm === '') out.set(`${name}.bias`, [cout]);
    else for (const p of norm === 'GN' ? ['weight', 'bias'] : ['weight', 'bias', 'running_mean', 'running_var']) out.set(`${name}.norm.${p}`, [cout]);
  };
  const dense = (name: string, cin: number, cout: number): void => {
    out.set(`${name}.weight`, [cin, cout]);
    out.set(`${name}.bias`, [cout]);
  };

  const r = m.RESNETS;
  const blocks = BLOCKS[r.DEPTH];
  if (blocks === undefined) throw new Error(`expectedWeightShapes: MODEL.RESNETS.DEPTH must be 50, 101 or 152, got ${r.DEPTH}`);
  conv('backbone.bottom_up.stem.conv1', 7, m.PIXEL_MEAN.length, r.STEM_OUT_CHANNELS, r.NORM);
  const lastStage = Math.max(...r.OUT_FEATURES.map((f) => (f === 'stem' ? 1 : Number(f.slice(3)))));
  const stageChannels: Record<string, number> = {};
  let inChannels = r.STEM_OUT_CHANNELS;
  for (let stage = 2; stage <= lastStage; stage++) {
    const outChannels = r.RES2_OUT_CHANNELS * 2 ** (stage - 2);
    const bottleneck = r.NUM_GROUPS * r.WIDTH_PER_GROUP * 2 ** (stage - 2);
    for (let b = 0; b < blocks[stage - 2]; b++) {
      const name = `backbone.bottom_up.res${stage}.${b}`;
      if (b === 0 && inChannels !== outChannels) conv(`${name}.shortcut`, 1, inChannels, outChannels, r.NORM);
      conv(`${name}.conv1`, 1, inChannels, bottleneck, r.NORM);
      conv(`${name}.conv2`, 3, bottleneck / r.NUM_GROUPS, bottleneck, r.NORM);
      conv(`${name}.conv3`, 1, bottleneck, outChannels, r.NORM);
      inChannels = outChannels;
    }
    stageChannels[`res${stage}`] = outChannels;
  }

  const f = m.FPN.OUT_CHANNELS;
  for (const feature of m.FPN.IN_FEATURES) {
    const level = feature.slice(3);
    conv(`backbone.fpn_lateral${level}`, 1, stageChannels[feature], f, m.FPN.NORM);
    conv(`backbone.fpn_output${level}`, 3, f, f, m.FPN.NORM);
  }

  const a = m.ANCHOR_GENERATOR;
  const anchors = a.SIZES[0].length * a.ASPECT_RATIOS[0].length;
  const rpnDim = m.RPN.CONV_DIMS[0] === -1 ? f : m.RPN.CONV_DIMS[0];
  conv('proposal_generator.rpn_head.conv', 3, f, rpnDim, '');
  conv('proposal_generator.rpn_head.objectness_logits', 1, rpnDim, anchors, '');
  conv('proposal_generator.rpn_head.anchor_deltas', 1, rpnDim, 4 * anchors, '');

  const classes = m.ROI_HEADS.NUM_CLASSES;
  const box = m.ROI_BOX_HEAD;
  let boxChannels = f;
  for (let i = 1; i <= box.NUM_CONV; i++) {
    conv(`roi_heads.box_head.conv${i}`, 3, boxChannels, box.CONV_DIM, box.NORM);
    boxChannels = box.CONV_DIM;
  }
  let features = boxChannels * box.POOLER_RESOLUTION ** 2;
  for (let i = 1; i <= box.NUM_FC; i++) {
    dense(`roi_heads.box_head.fc${i}`, features, box.FC_DIM);
    features = box.FC_DIM;
  }
  dense('roi_heads.box_predictor.cls_score', features, classes + 1);
  dense('roi_heads.box_predictor.bbox_pred', features, 4 * (box.CLS_AGNOSTIC_BBOX_REG ? 1 : classes));

  if (m.MASK_ON) {
    const mask = m.ROI_MASK_HEAD;
    let maskChannels = f;
    for (let i = 1; i <= mask.NUM_CONV; i++) {
      conv(`roi_heads.mask_head.mask_fcn${i}`, 3, maskChannels, mask.CONV_DIM, mask.NORM);
      maskChannels = mask.CONV_DIM;
    }
    out.set('roi_heads.mask_head.deconv.weight', [2, 2, mask.CONV_DIM, maskChannels]);
    out.set('roi_heads.mask_head.deconv.bias', [mask.CONV_DIM]);
    conv('roi_heads.mask_head.predictor', 1, mask.CONV_DIM, mask.CLS_AGNOSTIC_MASK ? 1 : classes, '');
  }
  return out;
}

/** The names of {@link expectedWeightShapes}, in network order. */
export function expectedWeightNames(cfg: CellmaskConfig): string[] {
  return [...expectedWeightShapes(cfg).keys()];
}

/**
 * Why a checkpoint does not fit the network of `expected` (`expectedWeightShapes`): one phrase
 * for the weights it lacks, one for those it holds with other shapes, each naming a few; empty
 * when it fits. `shapes`: the checkpoint's parameters by Detectron2 name, in the TensorFlow.js
 * layouts of `expected`. Both mean that the config is not the network the weights belong to.
 */
export function weightShapeProblems(shapes: ReadonlyMap<string, readonly number[]>, expected: ReadonlyMap<string, readonly number[]>): string[] {
  const missing = [...expected.keys()].filter((name) => !shapes.has(name));
  const misshapen = [...expected]
    .filter(([name, shape]) => shapes.has(name) && shapes.get(name)!.join() !== shape.join())
    .map(([name, shape]) => `${name} [${shapes.get(name)!.join(', ')}], expected [${shape.join(', ')}]`);
  return [
    ...(missing.length > 0 ? [`${missing.length} of the config's ${expected.size} weights are missing: ${someNames(missing)}`] : []),
    ...(misshapen.length > 0 ? [`${misshapen.length} have other shapes: ${someNames(misshapen, 3)}`] : []),
  ];
}
