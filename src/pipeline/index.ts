/**
 * `cellmask/pipeline`: the solution end to end (`reproduce`: stages that skip what exists),
 * batch inference over many images on worker threads (TensorFlow.js or onnxruntime), split
 * between machines by shards, and the scoring of a submission. TensorFlow.js is loaded when a
 * stage needs it (by the prediction workers, by training), never on import.
 */
export {
  DEFAULT_WASM_THREADS_PER_WORKER,
  type ImageProgress,
  type PredictImagesOptions,
  type PredictImagesResult,
  type PredictRuntime,
  type WorkerLayout,
  predictImages,
  workerLayout,
} from './predict-batch.js';
export { ONNX_INFERENCE_KEYS, fixedKeysChanged } from './onnx-config.js';
export { type Shard, parseShard, shardImages, sortByFileName, validateShard } from './shard.js';
export {
  type EnsemblePlan,
  REPRODUCE_SCALES,
  type ReproducePlan,
  type ReproduceScale,
  type ToyDataPlan,
  reproducePlan,
} from './plan.js';
export { type FoldScore, type ReproduceOptions, type ReproduceResult, type ReproduceScores, reproduce } from './reproduce.js';
export { type Journal, type RunStagesOptions, type Stage, type StageRecord, readJournal, runStages } from './stages.js';
export { type CompetitionInputs, competitionInputs, livecellInputs, toyDataLayout, writeToyData } from './inputs.js';
export { type TrainingRunOptions, trainingRun } from './training-run.js';
export { scoreSubmission } from './score.js';
