/**
 * A narrow R-50-FPN: Detectron2's structure (stem, 3-4-6-3 bottlenecks, FPN, heads) with few
 * channels and a small input, as `--set` values, so tests run a whole model in a second.
 */
export const SMALL_NETWORK: readonly string[] = [
  'MODEL.RESNETS.STEM_OUT_CHANNELS=8',
  'MODEL.RESNETS.RES2_OUT_CHANNELS=16',
  'MODEL.RESNETS.WIDTH_PER_GROUP=4',
  'MODEL.FPN.OUT_CHANNELS=16',
  'MODEL.ROI_BOX_HEAD.FC_DIM=32',
  'MODEL.ROI_MASK_HEAD.CONV_DIM=16',
  'INPUT.MIN_SIZE_TEST=96',
  'INPUT.MAX_SIZE_TEST=160',
];
