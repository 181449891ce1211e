/**
 * torchvision's `maskrcnn_resnet50_fpn` state_dict names -> Detectron2's, and its class layout
 * -> Detectron2's.
 *
 * Names (torchvision 0.14; the older names its `_load_from_state_dict` upgrades are accepted too):
 * `backbone.body.conv1`/`bn1` -> `backbone.bottom_up.stem.conv1`/`.norm`;
 * `backbone.body.layerL.B.convJ`/`bnJ` -> `backbone.bottom_up.res(L+1).B.convJ`/`.norm`;
 * `downsample.0`/`.1` -> `shortcut`/`shortcut.norm`; `backbone.fpn.inner_blocks.I(.0)` ->
 * `backbone.fpn_lateral(I+2)` (inner block 0 reads res2) and `layer_blocks.I(.0)` ->
 * `backbone.fpn_output(I+2)`; `rpn.head.conv(.0.0)`/`cls_logits`/`bbox_pred` ->
 * `proposal_generator.rpn_head.conv`/`objectness_logits`/`anchor_deltas`;
 * `roi_heads.box_head.fc6`/`fc7` -> `roi_heads.box_head.fc1`/`fc2`; `roi_heads.box_predictor.*`
 * keeps its names; `roi_heads.mask_head.I.0` (or `mask_fcn(I+1)`) ->
 * `roi_heads.mask_head.mask_fcn(I+1)`; `roi_heads.mask_predictor.conv5_mask`/`mask_fcn_logits`
 * -> `roi_heads.mask_head.deconv`/`predictor`.
 *
 * Classes: torchvision's `num_classes` counts the background, which is output 0 everywhere:
 * `cls_score` `[bg, c1..cK]`, `bbox_pred` (K+1)*4 rows, mask logits K+1 channels. Detectron2 puts
 * the background last in `cls_score` and has no background box deltas or mask. So cellmask class
 * k (0-based) is torchvision label k + 1.
 */
import type { ArrayParam } from './layout.js';

const RULES: [RegExp, string][] = [
  [/^backbone\.body\.conv1\.(weight)$/, 'backbone.bottom_up.stem.conv1.$1'],
  [/^backbone\.body\.bn1\.(weight|bias|running_mean|running_var)$/, 'backbone.bottom_up.stem.conv1.norm.$1'],
  [/^backbone\.body\.layer([1-4])\.(\d+)\.conv([1-3])\.(weight)$/, 'backbone.bottom_up.res<L>.$2.conv$3.$4'],
  [/^backbone\.body\.layer([1-4])\.(\d+)\.bn([1-3])\.(weight|bias|running_mean|running_var)$/, 'backbone.bottom_up.res<L>.$2.conv$3.norm.$4'],
  [/^backbone\.body\.layer([1-4])\.(\d+)\.downsample\.0\.(weight)$/, 'backbone.bottom_up.res<L>.$2.shortcut.$3'],
  [/^backbone\.body\.layer([1-4])\.(\d+)\.downsample\.1\.(weight|bias|running_mean|running_var)$/, 'backbone.bottom_up.res<L>.$2.shortcut.norm.$3'],
  [/^backbone\.fpn\.inner_blocks\.([0-3])(?:\.0)?\.(weight|bias)$/, 'backbone.fpn_lateral<I>.$2'],
  [/^backbone\.fpn\.layer_blocks\.([0-3])(?:\.0)?\.(weight|bias)$/, 'backbone.fpn_output<I>.$2'],
  [/^rpn\.head\.conv(?:\.0\.0)?\.(weight|bias)$/, 'proposal_generator.rpn_head.conv.$1'],
  [/^rpn\.head\.cls_logits\.(weight|bias)$/, 'proposal_generator.rpn_head.objectness_logits.$1'],
  [/^rpn\.head\.bbox_pred\.(weight|bias)$/, 'proposal_generator.rpn_head.anchor_deltas.$1'],
  [/^roi_heads\.box_head\.fc6\.(weight|bias)$/, 'roi_heads.box_head.fc1.$1'],
  [/^roi_heads\.box_head\.fc7\.(weight|bias)$/, 'roi_heads.box_head.fc2.$1'],
  [/^roi_heads\.box_predictor\.(cls_score|bbox_pred)\.(weight|bias)$/, 'roi_heads.box_predictor.$1.$2'],
  [/^roi_heads\.mask_head\.([0-9]+)\.0\.(weight|bias)$/, 'roi_heads.mask_head.mask_fcn<N>.$2'],
  [/^roi_heads\.mask_head\.mask_fcn([0-9]+)\.(weight|bias)$/, 'roi_heads.mask_head.mask_fcn$1.$2'],
  [/^roi_heads\.mask_predictor\.conv5_mask\.(weight|bias)$/, 'roi_heads.mask_head.deconv.$1'],
  [/^roi_heads\.mask_predictor\.mask_fcn_logits\.(weight|bias)$/, 'roi_heads.mask_head.predictor.$1'],
];

/** The Detectron2 name of the torchvision parameter `name`, or undefined when it maps to nothing. */
export function torchvisionToDetectron2Name(name: string): string | undefined {
  for (const [pattern, template] of RULES) {
    const m = pattern.exec(name);
    if (!m) continue;
    const first = Number(m[1]);
    return name
      .replace(pattern, template)
      .replace('<L>', String(first + 1)) // layer1 is res2
      .replace('<I>', String(first + 2)) // inner/layer block 0 reads res2
      .replace('<N>', String(first + 1)); // mask_head.0 is mask_fcn1
  }
  return undefined;
}

/**
 * A torchvision box or mask predictor parameter (PyTorch layout, Detectron2 name) in Detectron2's
 * class layout: `cls_score` rows `[c1..cK, bg]`, `bbox_pred` without the background's 4 rows, the
 * mask `predictor` without the background channel. Other parameters are returned as they are.
 */
export function torchvisionClassLayout(detectron2Name: string, p: ArrayParam): ArrayParam {
  if (detectron2Name.startsWith('roi_heads.box_predictor.cls_score.')) {
    const k1 = p.shape[0];
    return selectRows(p, [...Array.from({ length: k1 - 1 }, (_, i) => i + 1), 0]);
  }
  if (detectron2Name.startsWith('roi_heads.box_predictor.bbox_pred.')) {
    return selectRows(p, Array.from({ length: p.shape[0] - 4 }, (_, i) => i + 4));
  }
  if (detectron2Name.startsWith('roi_heads.mask_head.predictor.')) {
    return selectRows(p, Array.from({ length: p.shape[0] - 1 }, (_, i) => i + 1));
  }
  return p;
}

/** The rows `rows` (indices along axis 0) of `p`, in that order. */
function selectRows(p: ArrayParam, rows: readonly number[]): ArrayParam {
  const rowSize = p.shape.slice(1).reduce((a, d) => a * d, 1);
  const data = new Float32Array(rows.length * rowSize);
  rows.forEach((r, i) => data.set(p.data.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
  return { shape: [rows.length, ...p.shape.slice(1)], data };
}
