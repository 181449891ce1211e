/**
 * The second and third ONNX graphs of the export: the box head and the mask head, each behind
 * the multi-level RoIAlign pooler.
 *
 * The runtime assigns each box to its level (`assignBoxesToLevels`, in TypeScript) and feeds the
 * boxes of level l as `rois_p{l}` [Rl, 4]; the graph pools each level with ONNX `RoiAlign`
 * (`half_pixel` = Detectron2's ROIAlignV2, `output_half_pixel` = legacy RoIAlign) and
 * concatenates the levels in order, so row i of an output belongs to the i-th box in level order
 * (the runtime puts the rows back in the boxes' order).
 *
 *   box head:  p2..p5, rois_p2..p5 -> [R, C, P, P] -> fc1, fc2 (relu) -> logits [R, K + 1], deltas [R, 4K]
 *   mask head: p2..p5, rois_p2..p5 -> [D, C, S, S] -> 4 x conv 3x3 (relu) -> deconv 2x2 (relu)
 *              -> predictor 1x1 -> mask_logits [D, K, 2S, 2S]
 */
import { type GraphBuilder, float, int, ints, str, tensorAttr } from './graph-builder.js';
import { FEATURES_IO } from './features-graph.js';
import { type Value, conv } from './layers.js';
import type { NetworkParams } from './network-params.js';

/** The pooler of one head (see `MultiLevelRoiAlignOptions`). */
export interface PoolerGraphOptions {
  /** Output bins along each axis (7 for the box head, 14 for the mask head). */
  readonly resolution: number;
  /** 1 / stride of p2..p5. */
  readonly scales: readonly number[];
  /** Samples per bin along each axis, 0: adaptive. */
  readonly samplingRatio: number;
  /** ROIAlignV2 (Detectron2) or legacy RoIAlign (torchvision). */
  readonly aligned: boolean;
}

/** Input and output names of the head graphs, shared with the runtime. */
export const HEADS_IO = {
  levels: FEATURES_IO.levels,
  rois: ['rois_p2', 'rois_p3', 'rois_p4', 'rois_p5'],
  logits: 'logits',
  deltas: 'deltas',
  maskLogits: 'mask_logits',
} as const;

/** Declares the feature and RoI inputs and pools: [R, C, P, P], rows in level order. */
function pooler(g: GraphBuilder, channels: number, options: PoolerGraphOptions): string {
  const { resolution, scales, samplingRatio, aligned } = options;
  const parts = HEADS_IO.levels.map((levelName, l) => {
    const features = g.input(levelName, 'float32', [1, channels, `h${l + 2}`, `w${l + 2}`]);
    const rois = g.input(HEADS_IO.rois[l], 'float32', [`rois${l + 2}`, 4]);
    // One image: every RoI reads image 0.
    const count = g.node('Shape', [rois], { start: int(0), end: int(1) }, `count_p${l + 2}`);
    const batch = g.node('ConstantOfShape', [count], { value: tensorAttr(BigInt64Array.of(0n), [1]) }, `batch_p${l + 2}`);
    return g.node('RoiAlign', [features, rois, batch], {
      mode: str('avg'),
      output_height: int(resolution),
      output_width: int(resolution),
      sampling_ratio: int(samplingRatio),
      spatial_scale: float(scales[l]),
      coordinate_transformation_mode: str(aligned ? 'half_pixel' : 'output_half_pixel'),
    }, `pooled_p${l + 2}`);
  });
  return g.node('Concat', parts, { axis: int(0) }, 'pooled');
}

/** Gemm `x` [R, in] -> [R, out] with `<name>.weight` [out, in] and `<name>.bias` [out]. */
function linear(g: GraphBuilder, params: NetworkParams, name: string, x: string, inputs: number, relu: boolean): { name: string; outputs: number } {
  const weight = params.get(`${name}.weight`, [-1, inputs]);
  const out = weight.shape[0];
  const bias = params.get(`${name}.bias`, [out]);
  const y = g.node('Gemm', [x, g.constant(`${name}.weight`, weight.data, weight.shape), g.constant(`${name}.bias`, bias.data, bias.shape)], { transB: int(1) }, name);
  return { name: relu ? g.node('Relu', [y], {}, `${name}.relu`) : y, outputs: out };
}

/** The FPN width the heads read, from the RPN head's input channels. */
export function pyramidChannels(params: NetworkParams): number {
  return params.get('proposal_generator.rpn_head.conv.weight', [-1, -1, 3, 3]).shape[1];
}

/** Adds the box head graph to `g` (see the module comment). */
export function buildBoxHeadGraph(g: GraphBuilder, params: NetworkParams, options: PoolerGraphOptions): void {
  if (params.has('roi_heads.box_head.conv1.weight')) throw new Error('the weights hold "roi_heads.box_head.conv1.weight"; box heads with convolutions are not supported');
  const channels = pyramidChannels(params);
  const pooled = pooler(g, channels, options);
  let x = { name: g.node('Flatten', [pooled], { axis: int(1) }), outputs: channels * options.resolution * options.resolution };
  if (!params.has('roi_heads.box_head.fc1.weight')) throw new Error('missing weight "roi_heads.box_head.fc1.weight"');
  for (let i = 1; params.has(`roi_heads.box_head.fc${i}.weight`); i++) x = linear(g, params, `roi_heads.box_head.fc${i}`, x.name, x.outputs, true);
  const logits = linear(g, params, 'roi_heads.box_predictor.cls_score', x.name, x.outputs, false);
  const deltas = linear(g, params, 'roi_heads.box_predictor.bbox_pred', x.name, x.outputs, false);
  const k = logits.outputs - 1;
  if (deltas.outputs !== 4 * k && deltas.outputs !== 4) {
    throw new Error(`weight "roi_heads.box_predictor.bbox_pred.weight" gives ${deltas.outputs} deltas per RoI, expected ${4 * k} (4 per class of ${k}) or 4`);
  }
  g.output(logits.name, HEADS_IO.logits, 'float32', ['rois', logits.outputs]);
  g.output(deltas.name, HEADS_IO.deltas, 'float32', ['rois', deltas.outputs]);
}

/** Adds the mask head graph to `g` (see the module comment). */
export function buildMaskHeadGraph(g: GraphBuilder, params: NetworkParams, options: PoolerGraphOptions): void {
  const prefix = 'roi_heads.mask_head';
  const channels = pyramidChannels(params);
  let x: Value = { name: pooler(g, channels, options), channels };
  if (!params.has(`${prefix}.mask_fcn1.weight`)) throw new Error(`missing weight "${prefix}.mask_fcn1.weight"`);
  for (let i = 1; params.has(`${prefix}.mask_fcn${i}.weight`); i++) x = conv(g, params, `${prefix}.mask_fcn${i}`, x, 3, 1, 1, true);
  // ConvTranspose2d(F, F', 2, stride 2): weight [in, out, 2, 2], ONNX's layout.
  const deconv = params.get(`${prefix}.deconv.weight`, [x.channels, -1, 2, 2]);
  const deconvBias = params.get(`${prefix}.deconv.bias`, [deconv.shape[1]]);
  const up = g.node('ConvTranspose', [x.name, g.constant(`${prefix}.deconv.weight`, deconv.data, deconv.shape), g.constant(`${prefix}.deconv.bias`, deconvBias.data, deconvBias.shape)], {
    kernel_shape: ints([2, 2]),
    strides: ints([2, 2]),
  }, `${prefix}.deconv`);
  x = { name: g.node('Relu', [up]), channels: deconv.shape[1] };
  const logits = conv(g, params, `${prefix}.predictor`, x, 1, 1, 0, false);
  const size = 2 * options.resolution;
  g.output(logits.name, HEADS_IO.maskLogits, 'float32', ['detections', logits.channels, size, size]);
}
