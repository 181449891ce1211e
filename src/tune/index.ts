/**
 * `cellmask/tune`: hyper-parameter search as the solution ran it with Optuna: a search space of
 * config keys (`SOLUTION_SPACE`, or a YAML/JSON file), random search and Optuna's default TPE
 * sampler, Optuna's median pruner on intermediate values, and a study kept in a JSON-lines file
 * so that it resumes and can be shared by several processes. Pure TypeScript (Node for files);
 * `cellmask tune` trains the trials.
 */
export {
  type CategoricalParam,
  type Choice,
  type FloatParam,
  type IntParam,
  type Param,
  type Params,
  type SearchSpace,
  SOLUTION_SPACE,
  inSpace,
  loadSearchSpace,
  paramsToAssignments,
  parseSearchSpace,
} from './space.js';
export { type Trial, type TrialState, lastStep } from './trial.js';
export { type ParzenEstimator, PRIOR_WEIGHT, bandwidths, defaultWeights, parzenEstimator } from './parzen.js';
export { type Sampler, type TpeOptions, defaultGamma, randomSampler, sampleByTpe, sampleUniform, splitTrials, tpeSampler } from './samplers.js';
export { type MedianPrunerOptions, type Pruner, medianPruner, nanMedian } from './pruner.js';
export {
  type Study,
  type StudyEvent,
  type StudyHeader,
  TRIAL_LOCK_STALE_MS,
  appendStudyEvent,
  lockTrial,
  parseStudy,
  readStudy,
  withStudyLock,
} from './study-file.js';
export { type ObjectiveResult, type OptimizeOptions, type TrialRun, canonicalJson, openStudy, optimize, trialRandom } from './optimize.js';
export { type StudySummary, formatSummary, summarizeStudy } from './summary.js';
export { erfc, logGaussMass, logNormalCdf } from './normal.js';
