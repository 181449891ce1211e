/**
 * `cellmask/rpn`: the region proposal network of Mask R-CNN R50-FPN: anchors, the box coder
 * (shared with the box head), the RPN head and the proposal selection, with Detectron2's
 * semantics by default and torchvision's (`style: 'torchvision'`) where they differ.
 */
export {
  type AnchorGeneratorOptions,
  type GridSize,
  type PerLevel,
  type RpnStyle,
  AnchorGenerator,
  broadcastPerLevel,
  cellAnchors,
  gridAnchors,
} from './anchor-generator.js';
export {
  type BoxWeights,
  DEFAULT_SCALE_CLAMP,
  RPN_BOX_WEIGHTS,
  decodeBoxes,
  decodeBoxesArray,
  encodeBoxes,
} from './box-coder.js';
export { type RpnHeadOptions, type RpnHeadOutput, rpnHead } from './rpn-head.js';
export { type ProposalOptions, type Proposals, PROPOSAL_DEFAULTS, findTopProposals } from './proposals.js';
export { proposalsFromHead } from './proposals-from-head.js';
export { topKIndices } from './top-k.js';
