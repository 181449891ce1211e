/**
 * `cellmask/mask`: the mask branch of Mask R-CNN. The mask head (4 conv 3x3 + 2x deconv + 1x1
 * logits per class, 14 x 14 -> 28 x 28) on TensorFlow.js, the class selection with sigmoid, and
 * pasting the 28 x 28 probabilities into the image (Detectron2's or torchvision's way) as
 * run-length counts or `BitMasks` on CPU typed arrays.
 */
export { maskHeadForward, selectClassMasks } from './mask-head.js';
export { DEFAULT_PASTE, type PasteOptions, pasteMasks, pasteMasksToBitMasks } from './paste.js';
