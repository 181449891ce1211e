/** The eps of Detectron2's and torchvision's FrozenBatchNorm2d (a module of its own so that code without TensorFlow.js can read it). */
export const FROZEN_BATCH_NORM_EPS = 1e-5;
