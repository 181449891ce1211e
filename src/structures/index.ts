/**
 * `cellmask/structures`: boxes, bit masks and `Instances`, the data that flows between stages.
 * Pure TypeScript over typed arrays; no TensorFlow.js.
 */
export {
  type BoxArray,
  type ImageSize,
  Boxes,
  boxArea,
  boxCount,
  clipBoxes,
  gatherBoxes,
  nonemptyBoxes,
  pairwiseIoa,
  pairwiseIou,
} from './boxes.js';
export { BitMasks } from './masks.js';
export { type InstanceFields, Instances } from './instances.js';
