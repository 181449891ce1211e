/**
 * `cellmask tune --config PRESET_OR_FILE --data DIR --out DIR [--trials N] [--sampler tpe|random]
 * [--space FILE] ...`: hyper-parameter search as the solution ran it with Optuna. Each trial
 * trains as `cellmask train` does, with its sampled values set, in out/trial-NNNN/; every
 * validation reports its MAP-IoU to the median pruner, and the last one is the trial's value.
 * The study is kept in out/study.jsonl: running the command again continues it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { type CellmaskConfig, configToYaml, setConfigValues, validateConfig } from '../config/index.js';
import {
  type Params,
  type SearchSpace,
  SOLUTION_SPACE,
  type Study,
  type StudyHeader,
  formatSummary,
  lastStep,
  loadSearchSpace,
  medianPruner,
  optimize,
  paramsToAssignments,
  randomSampler,
  readStudy,
  summarizeStudy,
  tpeSampler,
} from '../tune/index.js';
import { type Command, UsageError, intOption, parseCommandArgs, requireOption } from './command.js';
import { BACKEND_HELP, backendOptions, configWithOverrides, useBackend } from './setup.js';
import { runTraining } from './training-run.js';

const STUDY_FILE = 'study.jsonl';
const BEST_CONFIG = 'best_config.yaml';

const help = `Usage: cellmask tune --config PRESET_OR_FILE --data DIR --out DIR [options]
       cellmask tune --out DIR --summary

Searches hyper-parameters as the solution did with Optuna: each trial trains Mask R-CNN as
cellmask train does, with values drawn from the search space set in the config, in
--out/trial-NNNN/. Each validation (TEST.EVAL_PERIOD) reports its MAP-IoU to a median pruner
(Optuna's MedianPruner: after 5 complete trials, a trial whose best MAP-IoU so far is below the
median of the complete trials' at the same iteration stops); the last validation MAP-IoU is the
trial's value, maximized. The study is kept in --out/${STUDY_FILE}: running the same command
again continues it (a trial cut off mid-way resumes from its checkpoints), and several
processes may share one --out. At the end it prints the best trial and writes its config to
--out/${BEST_CONFIG}, ready for cellmask train --config.

Options:
  --config NAME|FILE    the config every trial starts from (a preset or a YAML/JSON file)
  --set KEY=VALUE       override one config key for every trial (repeatable)
  --space FILE          the search space, YAML or JSON: config keys to ranges, e.g.
                          SOLVER.BASE_LR: {type: float, low: 0.0005, high: 0.01, log: true}
                          SOLVER.MAX_ITER: {type: categorical, choices: [40, 60]}
                          SOLVER.WARMUP_ITERS: {type: int, low: 0, high: 20, step: 5}
                        (default: the solution's: SOLVER.BASE_LR log-uniform in [0.0005, 0.01],
                        SOLVER.MAX_ITER {20000, 24000}, SOLVER.WARMUP_ITERS {100, 500, 1000},
                        MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE {96, 128},
                        MODEL.ROI_HEADS.SCORE_THRESH_TEST {0.3, 0.4, 0.5})
  --data DIR            the dataset, as for cellmask train
  --out DIR             the study's directory (created if missing)
  --trials N            the number of trials the study should hold in the end (default 20)
  --sampler tpe|random  TPE (Optuna's default TPESampler: 10 random trials, then TPE) or random
                        search (default: the study's, tpe for a new study)
  --seed S              seeds the sampler of a new study (default 0; a study keeps its own)
  --weights FILE        initial weights of every trial, as for cellmask train
  --folds K, --fold I   the validation split, as for cellmask train (default 5 and 0); K >= 2
  --summary             print the summary of the study in --out and exit
${BACKEND_HELP}
  -h, --help            show this help
`;

/** The search space of `--space`, or the solution's. */
async function searchSpace(file: string | undefined): Promise<SearchSpace> {
  if (file === undefined) return SOLUTION_SPACE;
  try {
    return await loadSearchSpace(file);
  } catch (error) {
    throw new UsageError(`--space ${file}: ${(error as Error).message.replace(/^loadSearchSpace: /, '')}`);
  }
}

/** `base` with `params` set, validated; a value the config refuses is an Error naming the key. */
export function trialConfig(base: CellmaskConfig, space: SearchSpace, params: Params): CellmaskConfig {
  const cfg = setConfigValues(base, paramsToAssignments(space, params));
  validateConfig(cfg, `the config with ${paramsToAssignments(space, params).join(' ')}`);
  return cfg;
}

/** Checks that every value of the space can be set in `base` (each choice, each range's ends). */
function checkSpace(base: CellmaskConfig, space: SearchSpace): void {
  for (const [key, param] of Object.entries(space)) {
    const values = param.type === 'categorical' ? param.choices : [param.low, param.high];
    for (const value of values) {
      try {
        validateConfig(setConfigValues(base, paramsToAssignments({ [key]: param }, { [key]: value })), key);
      } catch (error) {
        throw new UsageError(`the search space's ${key} = ${JSON.stringify(value)} does not fit the config: ${(error as Error).message}`);
      }
    }
  }
}

/** The summary text of `study`, and the best trial's config written to `out/best_config.yaml`. */
async function summarize(study: Study, out: string, base: CellmaskConfig | undefined, space: SearchSpace): Promise<string> {
  const summary = summarizeStudy(study);
  let text = formatSummary(summary);
  if (summary.best !== undefined && base !== undefined) {
    const path = join(out, BEST_CONFIG);
    await writeFile(path, configToYaml(trialConfig(base, space, summary.best.params)));
    text += `best config: ${path} (cellmask train --config ${path})\n`;
  }
  return text;
}

export const command: Command = {
  name: 'tune',
  summary: 'search hyper-parameters (TPE or random, median pruning) over trainings; resumable',
  help,
  async run(argv, io) {
    const parsed = parseCommandArgs(argv, {
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      space: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      trials: { type: 'string' },
      sampler: { type: 'string' },
      seed: { type: 'string' },
      weights: { type: 'string' },
      folds: { type: 'string' },
      fold: { type: 'string' },
      summary: { type: 'boolean' },
      backend: { type: 'string' },
      threads: { type: 'string' },
    });
    if (parsed === undefined) {
      io.stdout(help);
      return 0;
    }
    const { values } = parsed;
    const out = requireOption(values, 'out');
    const studyPath = join(out, STUDY_FILE);
    const existing = await readStudy(studyPath);

    if (values.summary === true) {
      if (existing === undefined) throw new UsageError(`--summary: no study in ${out} (no ${STUDY_FILE})`);
      const settings = existing.header.settings as { config: string; set: string[]; space: SearchSpace };
      const base = await configWithOverrides(settings.config, settings.set).catch(() => undefined);
      io.stdout(await summarize(existing, out, base, settings.space));
      return 0;
    }

    const configName = requireOption(values, 'config');
    const data = requireOption(values, 'data');
    const nTrials = intOption(values.trials, 'trials', 20, 1);
    const folds = intOption(values.folds, 'folds', 5, 2);
    const fold = intOption(values.fold, 'fold', 0, 0);
    if (fold >= folds) throw new UsageError(`--fold must be below --folds (${folds}), got ${fold}`);
    const sampler = values.sampler ?? existing?.header.sampler ?? 'tpe';
    if (sampler !== 'tpe' && sampler !== 'random') throw new UsageError(`--sampler must be tpe or random, got "${sampler}"`);
    const seed = intOption(values.seed, 'seed', 0, 0);
    const { backend, threads } = backendOptions(values);
    const sets = values.set ?? [];
    const base = await configWithOverrides(configName, sets);
    if (!base.MODEL.MASK_ON) throw new UsageError('the config has MODEL.MASK_ON False: cellmask trains Mask R-CNN only');
    if (base.TEST.EVAL_PERIOD <= 0) io.stderr('note: TEST.EVAL_PERIOD is 0: trials are evaluated once, at the end, so nothing is pruned\n');
    const space = await searchSpace(values.space);
    checkSpace(base, space);
    if (existing !== undefined && values.seed !== undefined && seed !== existing.header.seed) {
      io.stderr(`note: the study in ${out} keeps its seed ${existing.header.seed}; --seed ${seed} is not used\n`);
    }
    const header: StudyHeader = {
      event: 'study',
      version: 1,
      direction: 'maximize',
      sampler,
      seed,
      settings: { config: configName, set: sets, space, weights: values.weights ?? null, folds, fold },
    };

    const backendInfo = (await useBackend(backend, threads, io, true)).detail;
    const { TrainingDivergedError } = await import('../train/trainer.js');
    const study = await optimize({
      path: studyPath,
      header,
      space,
      sampler: sampler === 'tpe' ? tpeSampler() : randomSampler,
      pruner: medianPruner(),
      nTrials,
      trialDir: (number) => join(out, `trial-${String(number).padStart(4, '0')}`),
      log: (message) => io.stderr(`${message}\n`),
      catch: (error) => error instanceof TrainingDivergedError,
      objective: async (trial) => {
        let pruned = false;
        const result = await runTraining({
          config: trialConfig(base, space, trial.params),
          data,
          out: join(out, `trial-${String(trial.number).padStart(4, '0')}`),
          folds,
          fold,
          backendInfo,
          io,
          weights: values.weights,
          resume: trial.resumed,
          onEvaluation: async (iteration, evaluation) => (pruned = await trial.report(iteration, evaluation.map_iou)),
        });
        if (pruned) return { state: 'pruned' };
        // A trial resumed after its training had ended reports nothing new: its last recorded value.
        const step = lastStep({ ...trial, state: 'running', intermediate: trial.previous });
        const value = result.evaluations.at(-1)?.map_iou ?? (step === undefined ? undefined : trial.previous.get(step));
        if (value === undefined) throw new Error(`trial ${trial.number}: training ended without a validation MAP-IoU`);
        return { state: 'complete', value };
      },
    });
    io.stdout(await summarize(study, out, base, space));
    return 0;
  },
};
