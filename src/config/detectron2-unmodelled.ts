/**
 * Detectron2 keys that cellmask does not model, so that a config Detectron2 wrote (the
 * `config.yaml` it dumps beside a checkpoint holds every key) loads here. A key in a subtree
 * listed in `IGNORED_SUBTREES` is never read by a Mask R-CNN (keypoint, RetinaNet, panoptic,
 * cascade heads) and is skipped whatever its value; a key in `REQUIRED_VALUES` is skipped when it
 * has the value given (the only one cellmask implements, `ANY` for settings without effect here,
 * such as `MODEL.DEVICE`) and is an error otherwise.
 */

/** Marks an unmodelled key whose value does not matter to cellmask. */
export const ANY: unique symbol = Symbol('any value');

const IGNORED_SUBTREES = [
  'MODEL.RETINANET.',
  'MODEL.ROI_KEYPOINT_HEAD.',
  'MODEL.SEM_SEG_HEAD.',
  'MODEL.PANOPTIC_FPN.',
  'MODEL.ROI_BOX_CASCADE_HEAD.',
  'TEST.AUG.',
  'TEST.PRECISE_BN.',
  'INPUT.CROP.',
  'SOLVER.AMP.',
  'GLOBAL.',
];

const REQUIRED_VALUES: Record<string, unknown> = {
  'MODEL.DEVICE': ANY,
  'MODEL.LOAD_PROPOSALS': false,
  'MODEL.KEYPOINT_ON': false,
  'MODEL.ANCHOR_GENERATOR.ANGLES': ANY,
  'MODEL.RESNETS.DEFORM_ON_PER_STAGE': [false, false, false, false],
  'MODEL.RESNETS.DEFORM_MODULATED': false,
  'MODEL.RESNETS.DEFORM_NUM_GROUPS': 1,
  'MODEL.ROI_BOX_HEAD.USE_FED_LOSS': false,
  'MODEL.ROI_BOX_HEAD.USE_SIGMOID_CE': false,
  'MODEL.ROI_BOX_HEAD.FED_LOSS_FREQ_WEIGHT_POWER': ANY,
  'MODEL.ROI_BOX_HEAD.FED_LOSS_NUM_CLASSES': ANY,
  'DATASETS.PROPOSAL_FILES_TRAIN': ANY,
  'DATASETS.PROPOSAL_FILES_TEST': ANY,
  'DATASETS.PRECOMPUTED_PROPOSAL_TOPK_TRAIN': ANY,
  'DATASETS.PRECOMPUTED_PROPOSAL_TOPK_TEST': ANY,
  'DATALOADER.REPEAT_SQRT': ANY,
  'SOLVER.BASE_LR_END': ANY,
  'SOLVER.NUM_DECAYS': ANY,
  'SOLVER.RESCALE_INTERVAL': ANY,
  'SOLVER.REFERENCE_WORLD_SIZE': 0,
  'SOLVER.WEIGHT_DECAY_BIAS': ANY,
  'TEST.EXPECTED_RESULTS': ANY,
  'TEST.KEYPOINT_OKS_SIGMAS': ANY,
  'CUDNN_BENCHMARK': ANY,
  'FLOAT32_PRECISION': ANY,
  'VIS_PERIOD': ANY,
};

/**
 * Whether the Detectron2 key `key` (dotted) with `value` may be skipped: `'skip'`, `'unknown'`
 * when Detectron2 has no such key either, or the value cellmask requires there.
 */
export function unmodelledKey(key: string, value: unknown): 'skip' | 'unknown' | { required: unknown } {
  if (IGNORED_SUBTREES.some((prefix) => key.startsWith(prefix))) return 'skip';
  if (!Object.hasOwn(REQUIRED_VALUES, key)) return 'unknown';
  const required = REQUIRED_VALUES[key];
  return required === ANY || sameValue(required, value) ? 'skip' : { required };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  // YAML files write Detectron2's booleans and numbers either way: `False` read as a string.
  if (typeof a === 'boolean' && typeof b === 'string') return String(a) === b.toLowerCase();
  return a === b;
}
