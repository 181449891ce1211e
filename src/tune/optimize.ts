/**
 * Running a study, as Optuna's `study.optimize(objective, n_trials)`: start (or take over) a
 * trial, sample its parameters, let the objective report intermediate values to the pruner, and
 * record how it ended, until the study holds `nTrials` trials. The study lives in its file (see
 * `study-file.ts`), so stopping and running again continues it: complete, pruned and failed
 * trials stay done, and a trial left running by a process that died is taken over with its
 * parameters (its objective is told so, to resume its own work).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import { Random } from '../utils/random.js';
import type { Pruner } from './pruner.js';
import type { Sampler } from './samplers.js';
import type { Params, SearchSpace } from './space.js';
import { type Study, type StudyHeader, TRIAL_LOCK_STALE_MS, appendStudyEvent, lockTrial, readStudy, withStudyLock } from './study-file.js';
import type { Trial } from './trial.js';

/** What the objective is given for one trial. */
export interface TrialRun {
  readonly number: number;
  readonly params: Params;
  /** True when the trial was started before (by a process that died): resume its work. */
  readonly resumed: boolean;
  /** The intermediate values it reported before it was resumed (step -> value); empty for a new trial. */
  readonly previous: ReadonlyMap<number, number>;
  /**
   * Records an intermediate value at `step` and resolves to the pruner's answer: true when the
   * trial should stop (the objective then returns `{ state: 'pruned' }`).
   */
  report(step: number, value: number): Promise<boolean>;
}

export type ObjectiveResult = { readonly state: 'complete'; readonly value: number } | { readonly state: 'pruned' };

export interface OptimizeOptions {
  /** The study file; created with `header` when missing. */
  readonly path: string;
  /** The study line of a new study; an existing study's must have the same `settings`. */
  readonly header: StudyHeader;
  readonly space: SearchSpace;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  /** The number of trials the study should hold in the end, whatever their state. */
  readonly nTrials: number;
  /** Where trial `number` keeps its work; its lock is `<dir>.lock`. */
  readonly trialDir: (number: number) => string;
  readonly objective: (trial: TrialRun) => Promise<ObjectiveResult>;
  /** Errors that fail the trial and let the study go on (others fail it and are thrown). */
  readonly catch?: (error: unknown) => boolean;
  readonly log?: (message: string) => void;
}

/** The generator of trial `number`'s sampler: a function of the study's seed and the number only. */
export function trialRandom(seed: number, number: number): Random {
  return new Random(((seed >>> 0) ^ Math.imul(number + 1, 0x9e3779b9)) >>> 0);
}

/** `a` and `b` as canonical JSON (object keys sorted), to compare settings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * The study of `path`, created with `header` when the file does not exist.
 * @throws Error naming each setting that differs when the file holds a study with other settings.
 */
export async function openStudy(path: string, header: StudyHeader): Promise<Study> {
  await mkdir(dirname(path), { recursive: true });
  return withStudyLock(path, async () => {
    const existing = await readStudy(path);
    if (existing === undefined) {
      await appendStudyEvent(path, header);
      return { header, trials: [] };
    }
    const differ = [...new Set([...Object.keys(existing.header.settings), ...Object.keys(header.settings)])].filter(
      (key) => canonicalJson(existing.header.settings[key]) !== canonicalJson(header.settings[key]),
    );
    if (differ.length > 0) {
      const lines = differ.map((key) => `  ${key}: the study has ${canonicalJson(existing.header.settings[key])}, now ${canonicalJson(header.settings[key])}`);
      throw new Error(`${path} holds a study with other settings; use another output directory, or the study's settings:\n${lines.join('\n')}`);
    }
    return existing;
  });
}

/** Runs the study to `nTrials` trials (see the module comment); resolves to the study as it ends. */
export async function optimize(options: OptimizeOptions): Promise<Study> {
  const log = options.log ?? (() => {});
  const { path, space } = options;
  const { header } = await openStudy(path, options.header);
  for (;;) {
    const claimed = await claimTrial(options, header);
    if (claimed === undefined) break;
    const { trial, resumed, release } = claimed;
    const finish = (state: 'complete' | 'pruned' | 'failed', extra: { value?: number; error?: string }) =>
      withStudyLock(path, () => appendStudyEvent(path, { event: 'finish', number: trial.number, state, ...extra }));
    try {
      log(`trial ${trial.number}${resumed ? ' (resumed)' : ''}: ${Object.entries(trial.params).map(([k, v]) => `${k}=${v}`).join(' ')}`);
      const run: TrialRun = {
        number: trial.number,
        params: trial.params,
        resumed,
        previous: trial.intermediate,
        report: (step, value) =>
          withStudyLock(path, async () => {
            await appendStudyEvent(path, { event: 'report', number: trial.number, step, value });
            const study = (await readStudy(path)) as Study;
            return options.pruner(study.trials[trial.number], study.trials);
          }),
      };
      let result: ObjectiveResult;
      try {
        result = await options.objective(run);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await finish('failed', { error: message });
        log(`trial ${trial.number} failed: ${message}`);
        if (options.catch?.(error) === true) continue;
        throw error;
      }
      await finish(result.state, result.state === 'complete' ? { value: result.value } : {});
      log(`trial ${trial.number} ${result.state === 'complete' ? `complete: ${result.value}` : 'pruned'}`);
    } finally {
      await release();
    }
  }
  const study = (await readStudy(path)) as Study;
  const held = study.trials.filter((t) => t.state === 'running');
  if (held.length > 0) {
    log(`trial(s) ${held.map((t) => t.number).join(', ')} still running in another process (or in one that died less than ${TRIAL_LOCK_MINUTES} minutes ago: run again later to continue them)`);
  }
  return study;
}

const TRIAL_LOCK_MINUTES = TRIAL_LOCK_STALE_MS / 60_000;

/**
 * Under the study's lock: a running trial nobody holds (taken over), else a new trial when the
 * study has fewer than `nTrials`, else undefined.
 */
async function claimTrial(options: OptimizeOptions, header: StudyHeader): Promise<{ trial: Trial; resumed: boolean; release: () => Promise<void> } | undefined> {
  const warn = options.log ?? (() => {});
  return withStudyLock(options.path, async () => {
    const study = (await readStudy(options.path)) as Study;
    for (const trial of study.trials) {
      if (trial.state !== 'running') continue;
      const release = await lockTrial(options.trialDir(trial.number), warn);
      if (release !== undefined) return { trial, resumed: true, release };
    }
    if (study.trials.length >= options.nTrials) return undefined;
    const number = study.trials.length;
    const params = options.sampler(options.space, study.trials, trialRandom(header.seed, number));
    const release = await lockTrial(options.trialDir(number), warn);
    if (release === undefined) throw new Error(`${options.trialDir(number)}.lock is held, but the study has no trial ${number}: is another study writing to this directory?`);
    await appendStudyEvent(options.path, { event: 'trial', number, params });
    return { trial: { number, params, state: 'running', intermediate: new Map() }, resumed: false, release };
  });
}
