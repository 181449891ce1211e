/**
 * The first ONNX graph of the export: the preprocessed image through the ResNet, the FPN and the
 * RPN head (the dense part of Mask R-CNN, nearly all of its arithmetic).
 *
 *   image [1, 3, Hp, Wp] -> ResNet res2..res5 -> FPN p2..p6 -> RPN head per level
 *   outputs: p2..p5 [1, C, Hl, Wl] (NCHW, for the heads' pooler),
 *            rpn_logits_p{2..6} [Hl*Wl*A] and rpn_deltas_p{2..6} [Hl*Wl*A, 4] in the anchors'
 *            (y, x, a) order, as `rpnHead` gives them.
 *
 * Same structure as the TensorFlow.js modules (backbone/, fpn/, rpn/rpn-head.ts): Detectron2's
 * `build_resnet_fpn_backbone` and `StandardRPNHead`, read from the weights' names and shapes.
 */
import { type GraphBuilder, ints, str } from './graph-builder.js';
import { type Value, conv } from './layers.js';
import type { NetworkParams } from './network-params.js';

export interface FeaturesGraphOptions {
  /** `MODEL.RESNETS.STRIDE_IN_1X1`: the stride of a bottleneck sits in its 1x1 (true) or its 3x3. */
  readonly strideInOneByOne: boolean;
  /** `MODEL.FPN.FUSE_TYPE`. */
  readonly fuseType: 'sum' | 'avg';
}

/** The names of the graph's inputs and outputs, shared with the runtime. */
export const FEATURES_IO = {
  image: 'image',
  levels: ['p2', 'p3', 'p4', 'p5'],
  logits: ['rpn_logits_p2', 'rpn_logits_p3', 'rpn_logits_p4', 'rpn_logits_p5', 'rpn_logits_p6'],
  deltas: ['rpn_deltas_p2', 'rpn_deltas_p3', 'rpn_deltas_p4', 'rpn_deltas_p5', 'rpn_deltas_p6'],
} as const;

/** Detectron2's bottleneck or basic block; `x` -> `[1, Co, ceil(H / stride), ceil(W / stride)]`. */
function block(g: GraphBuilder, params: NetworkParams, name: string, x: Value, stride: number, strideInOneByOne: boolean): Value {
  let y: Value;
  if (params.has(`${name}.conv3.weight`)) {
    const [s1, s3] = strideInOneByOne ? [stride, 1] : [1, stride];
    y = conv(g, params, `${name}.conv1`, x, 1, s1, 0, true);
    y = conv(g, params, `${name}.conv2`, y, 3, s3, 1, true);
    y = conv(g, params, `${name}.conv3`, y, 1, 1, 0, false);
  } else {
    y = conv(g, params, `${name}.conv1`, x, 3, stride, 1, true);
    y = conv(g, params, `${name}.conv2`, y, 3, 1, 1, false);
  }
  let shortcut = x;
  if (params.has(`${name}.shortcut.weight`)) shortcut = conv(g, params, `${name}.shortcut`, x, 1, stride, 0, false);
  else if (stride !== 1 || x.channels !== y.channels) {
    throw new Error(`block "${name}" changes its ${stride !== 1 ? 'resolution' : 'channels'} but has no "${name}.shortcut.weight"`);
  }
  const sum = g.node('Add', [y.name, shortcut.name], {}, `${name}.add`);
  return { name: g.node('Relu', [sum], {}, `${name}.out`), channels: y.channels };
}

/** The ResNet body: res2..res5 outputs. */
function resnet(g: GraphBuilder, params: NetworkParams, image: Value, strideInOneByOne: boolean): Value[] {
  const prefix = 'backbone.bottom_up';
  const stem = conv(g, params, `${prefix}.stem.conv1`, image, 7, 2, 3, true);
  let x: Value = { name: g.node('MaxPool', [stem.name], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, 'stem.pool'), channels: stem.channels };
  const outputs: Value[] = [];
  for (const [k, stage] of ['res2', 'res3', 'res4', 'res5'].entries()) {
    if (!params.has(`${prefix}.${stage}.0.conv1.weight`)) throw new Error(`missing weight "${prefix}.${stage}.0.conv1.weight": an FPN needs res2..res5`);
    for (let i = 0; params.has(`${prefix}.${stage}.${i}.conv1.weight`); i++) {
      x = block(g, params, `${prefix}.${stage}.${i}`, x, i === 0 && k > 0 ? 2 : 1, strideInOneByOne);
    }
    outputs.push(x);
  }
  return outputs;
}

/** The FPN: p2..p6 from res2..res5 (see fpn/fpn.ts). */
function fpn(g: GraphBuilder, params: NetworkParams, res: readonly Value[], fuseType: 'sum' | 'avg'): Value[] {
  const lateral = (k: number) => conv(g, params, `backbone.fpn_lateral${k}`, res[k - 2], 1, 1, 0, false);
  const output = (top: Value, k: number) => conv(g, params, `backbone.fpn_output${k}`, top, 3, 1, 1, false);
  let top = lateral(5);
  const p: Value[] = [];
  p[5] = output(top, 5);
  p[6] = { name: g.node('MaxPool', [p[5].name], { kernel_shape: ints([1, 1]), strides: ints([2, 2]) }, 'p6'), channels: p[5].channels };
  for (const k of [4, 3, 2]) {
    const fine = lateral(k);
    // Nearest upsampling to the lateral's size (torchvision's interpolate(size=...): source floor(dst * in / out)).
    const size = g.node('Shape', [fine.name], {}, `fpn_size${k}`);
    const up = g.node('Resize', [top.name, '', '', size], { mode: str('nearest'), nearest_mode: str('floor'), coordinate_transformation_mode: str('asymmetric') }, `fpn_up${k}`);
    let sum = g.node('Add', [fine.name, up], {}, `fpn_sum${k}`);
    if (fuseType === 'avg') sum = g.node('Div', [sum, g.scalar(2)], {}, `fpn_avg${k}`);
    top = { name: sum, channels: fine.channels };
    p[k] = output(top, k);
  }
  return p.slice(2);
}

/** The RPN head on one level: logits [Hl*Wl*A] and deltas [Hl*Wl*A, 4] in (y, x, a) order. */
function rpnHeadLevel(g: GraphBuilder, params: NetworkParams, x: Value, level: number): { logits: string; deltas: string } {
  const prefix = 'proposal_generator.rpn_head';
  const hidden = conv(g, params, `${prefix}.conv`, x, 3, 1, 1, true);
  const logits = conv(g, params, `${prefix}.objectness_logits`, hidden, 1, 1, 0, false);
  const a = logits.channels;
  const deltas = conv(g, params, `${prefix}.anchor_deltas`, hidden, 1, 1, 0, false);
  if (deltas.channels !== 4 * a) throw new Error(`weight "${prefix}.anchor_deltas.weight" gives ${deltas.channels} deltas per location, expected ${4 * a} (4 per anchor)`);
  // [1, A, H, W] -> [1, A, HW] -> [1, HW, A] -> [HW*A]
  const l1 = g.node('Reshape', [logits.name, g.int64s([1, a, -1])]);
  const l2 = g.node('Transpose', [l1], { perm: ints([0, 2, 1]) });
  const l3 = g.node('Reshape', [l2, g.int64s([-1])], {}, `logits_p${level}`);
  // [1, 4A, H, W] -> [1, A, 4, HW] -> [1, HW, A, 4] -> [HW*A, 4]
  const d1 = g.node('Reshape', [deltas.name, g.int64s([1, a, 4, -1])]);
  const d2 = g.node('Transpose', [d1], { perm: ints([0, 3, 1, 2]) });
  const d3 = g.node('Reshape', [d2, g.int64s([-1, 4])], {}, `deltas_p${level}`);
  return { logits: l3, deltas: d3 };
}

/** Adds the features graph to `g` (see the module comment). */
export function buildFeaturesGraph(g: GraphBuilder, params: NetworkParams, options: FeaturesGraphOptions): void {
  const channelsIn = params.get('backbone.bottom_up.stem.conv1.weight', [-1, -1, 7, 7]).shape[1];
  const image: Value = { name: g.input(FEATURES_IO.image, 'float32', [1, channelsIn, 'height', 'width']), channels: channelsIn };
  const res = resnet(g, params, image, options.strideInOneByOne);
  const p = fpn(g, params, res, options.fuseType);
  const channels = p[0].channels;
  p.slice(0, 4).forEach((level, i) => g.output(level.name, FEATURES_IO.levels[i], 'float32', [1, channels, `h${i + 2}`, `w${i + 2}`]));
  p.forEach((level, i) => {
    const head = rpnHeadLevel(g, params, level, i + 2);
    g.output(head.logits, FEATURES_IO.logits[i], 'float32', [`anchors_p${i + 2}`]);
    g.output(head.deltas, FEATURES_IO.deltas[i], 'float32', [`anchors_p${i + 2}`, 4]);
  });
}
