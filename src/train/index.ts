/**
 * `cellmask/train`: Mask R-CNN training as Detectron2 does it: matching and sampling, the five
 * losses, the solver (SGD, warmup + steps, clipping), the data pipeline (multi-scale resize,
 * flips, worker threads), checkpoints, evaluation and the training loop.
 *
 * Training needs tfjs's gradient functions: import `@tensorflow/tfjs` (the union package) once in
 * the application; on tfjs-backend-wasm, call `registerWasmTrainingKernels()` from
 * `cellmask/backend`. Nothing here registers anything on import.
 */
export { type Matches, type MatcherOptions, matchBoxes } from './matcher.js';
export { type SampledIndices, subsampleLabels } from './sampler.js';
export { encodeBoxesArray } from './box-targets.js';
export { type RpnTargetOptions, type RpnTargets, rpnTargets } from './rpn-targets.js';
export { type RoiTargetOptions, type RoiTargets, sampleProposals } from './roi-targets.js';
export { type CroppedMask, type MaskTargetOptions, croppedMaskFromBitMask, maskTargets } from './mask-targets.js';
export {
  type FastRcnnLossOptions,
  type FastRcnnLossTargets,
  type RpnLossOptions,
  type RpnLossTargets,
  fastRcnnLosses,
  maskLoss,
  rpnLosses,
  sigmoidCrossEntropy,
  smoothL1,
} from './losses.js';
export {
  type LossName,
  type Losses,
  type StepResult,
  type TrainingImage,
  type TrainingOverrides,
  type TrainingStepOptions,
  trainingLosses,
  trainingStep,
} from './step.js';
export { trainingOptionsFromConfig } from './options.js';
export { isBiasParameter, isNormParameter, makeTrainable, requireGradients, trainableParameterNames } from './parameters.js';
export { type LrSchedule, learningRateAt, lrSchedule, lrScheduleFromConfig } from './lr-schedule.js';
export { Sgd, type SgdOptions, sgdUpdate } from './sgd.js';
export { type GradientClipping, clipGradNorm, clipGradValue, clipGradients } from './clip-gradients.js';
export { type Solver, buildSolver, solverStep } from './solver.js';
export { type CheckpointState, type LoadedCheckpoint, checkpointName, lastCheckpointName, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export { type TransferReport, weightsFromCheckpoint } from './transfer.js';
export { type EvaluationImage, type EvaluationResult, type ValidationSample, evaluateModel, evaluatePredictions } from './evaluate.js';
export { ProgressLine, type ProgressStream, formatProgress } from './progress.js';
export { trainingStepAsync } from './step-async.js';
export { type BatchSource, type TrainOptions, type TrainResult, TrainingDivergedError, train } from './trainer.js';
export { type TrainingDataset, type TrainingRecord, livecellDataset, sartoriusDataset } from './data/records.js';
export { type AugmentationOptions, augmentRecord } from './data/transforms.js';
export { type TrainingBatch, TrainingLoader, type TrainingLoaderOptions, trainingLoaderOptions } from './data/loader.js';
export { openDataset, splitDataset, subsetDataset, validationSamples } from './data/split.js';
