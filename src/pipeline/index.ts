/**
 * `cellmask/pipeline`: batch inference over many images on worker threads, split between
 * machines by shards. TensorFlow.js is loaded by the workers only, never on import.
 */
export {
  DEFAULT_WASM_THREADS_PER_WORKER,
  type ImageProgress,
  type PredictImagesOptions,
  type PredictImagesResult,
  type WorkerLayout,
  predictImages,
  workerLayout,
} from './predict-batch.js';
export { type Shard, parseShard, shardImages, sortByFileName, validateShard } from './shard.js';
