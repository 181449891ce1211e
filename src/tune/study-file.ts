/**
 * The study file: one JSON object per line, appended as a study runs, so that a study survives
 * its process and several processes can share it.
 *
 *   {"event":"study","version":1,"direction":"maximize","sampler":"tpe","seed":0,"settings":{...}}
 *   {"event":"trial","number":0,"params":{"SOLVER.BASE_LR":0.0011,...}}
 *   {"event":"report","number":0,"step":2999,"value":0.274}
 *   {"event":"finish","number":0,"state":"complete","value":0.301}
 *
 * The first line describes the study (`settings` holds what every trial must share: the config,
 * the `--set` values, the space, the folds); then a `trial` line starts a trial, `report` lines
 * give its intermediate values (a later report at the same step replaces an earlier one, as a
 * resumed trial re-evaluates), and a `finish` line ends it as complete, pruned or failed. A trial
 * without `finish` is running. Each line is written whole with one `appendFile` (one `write` on
 * a file opened for appending); a last line cut short by a crash is ignored when reading, and
 * cut away before the next append.
 *
 * Two processes share the file through `proper-lockfile` (mkdir-based locks whose mtime is kept
 * fresh while held, so the lock of a process that died goes stale): the study's lock is held
 * while a process reads the file and starts or takes over a trial, and each trial's lock
 * (`trial-NNNN.lock` beside its directory) for as long as a process trains it. A running trial
 * whose lock is not held belonged to a process that died: the next process to look takes it over.
 */
import { appendFile, open, readFile, truncate } from 'node:fs/promises';

import lockfile from 'proper-lockfile';

import type { Params } from './space.js';
import type { Trial, TrialState } from './trial.js';

/** The study's first line. */
export interface StudyHeader {
  readonly event: 'study';
  readonly version: 1;
  readonly direction: 'maximize';
  /** The sampler the study was created with. */
  readonly sampler: string;
  /** Seeds the sampler's generator of each trial, with the trial's number. */
  readonly seed: number;
  /** What every trial must share (compared as JSON when a study is resumed). */
  readonly settings: Readonly<Record<string, unknown>>;
}

export type StudyEvent =
  | StudyHeader
  | { readonly event: 'trial'; readonly number: number; readonly params: Params }
  | { readonly event: 'report'; readonly number: number; readonly step: number; readonly value: number }
  | { readonly event: 'finish'; readonly number: number; readonly state: Exclude<TrialState, 'running'>; readonly value?: number; readonly error?: string };

/** A study as its file describes it. */
export interface Study {
  readonly header: StudyHeader;
  /** In trial-number order. */
  readonly trials: readonly Trial[];
}

/**
 * The study of the lines of a study file (see the module comment). `source` names the file in
 * errors. A last line that does not parse is taken as cut short by a crash and ignored.
 * @throws Error naming the source and the line for any other malformed line, an event about an
 *   unknown trial, a trial number out of sequence or an event after a trial's `finish`.
 */
export function parseStudy(text: string, source = 'study file'): Study | undefined {
  const lines = text.split('\n');
  const events: { event: StudyEvent; line: number }[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      if (i === lines.length - 1) return; // cut short by a crash
      throw new Error(`${source}:${i + 1}: not a JSON line: ${(error as Error).message}`, { cause: error });
    }
    events.push({ event: parsed as StudyEvent, line: i + 1 });
  });
  if (events.length === 0) return undefined;
  const [first, ...rest] = events;
  if (first.event.event !== 'study' || first.event.version !== 1) throw new Error(`${source}:1: expected the study line (event "study", version 1), got ${JSON.stringify(first.event)}`);
  type Building = { -readonly [K in keyof Trial]: Trial[K] } & { intermediate: Map<number, number> };
  const trials: Building[] = [];
  for (const { event, line } of rest) {
    const at = `${source}:${line}`;
    if (event.event === 'trial') {
      if (event.number !== trials.length) throw new Error(`${at}: trial ${event.number} started, expected trial ${trials.length}`);
      trials.push({ number: event.number, params: event.params, state: 'running', intermediate: new Map() });
      continue;
    }
    if (event.event === 'study') throw new Error(`${at}: a second study line`);
    const trial = trials[event.number];
    if (trial === undefined) throw new Error(`${at}: ${event.event} of trial ${event.number}, which was never started`);
    if (trial.state !== 'running') throw new Error(`${at}: ${event.event} of trial ${event.number}, which already finished (${trial.state})`);
    if (event.event === 'report') {
      trial.intermediate.set(event.step, event.value ?? NaN);
    } else if (event.event === 'finish') {
      trial.state = event.state;
      if (event.value !== undefined) trial.value = event.value;
      if (event.error !== undefined) trial.error = event.error;
    } else {
      throw new Error(`${at}: unknown event ${JSON.stringify((event as { event: unknown }).event)}`);
    }
  }
  return { header: first.event, trials };
}

/** The study in the file at `path`, or undefined when there is no file (or only a torn first line). */
export async function readStudy(path: string): Promise<Study | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseStudy(text, path);
}

/** JSON has no NaN: a NaN value is written as null and read back as NaN. */
function line(event: StudyEvent): string {
  return `${JSON.stringify(event, (_key, value: unknown) => (typeof value === 'number' && Number.isNaN(value) ? null : value))}\n`;
}

/**
 * Appends `event` as one line, in one write. A torn last line left by a crash is cut away first,
 * so that the new line starts a line of its own.
 */
export async function appendStudyEvent(path: string, event: StudyEvent): Promise<void> {
  await cutTornTail(path);
  await appendFile(path, line(event));
}

/** Truncates the file after its last newline when it does not end with one. */
async function cutTornTail(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let keep: number | undefined;
  try {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    const text = await handle.readFile();
    keep = text.lastIndexOf(0x0a) + 1;
  } finally {
    await handle.close();
  }
  await truncate(path, keep);
}

/** Runs `fn` holding the study file's lock (other processes wait for it, up to about a minute). */
export async function withStudyLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const release = await lockfile.lock(path, {
    realpath: false,
    lockfilePath: `${path}.lock`,
    retries: { retries: 60, factor: 1.5, minTimeout: 50, maxTimeout: 2000 },
  });
  try {
    return await fn();
  } finally {
    await release();
  }
}

/**
 * How long a trial's lock stays fresh without an update. A training step or an evaluation blocks
 * the event loop that refreshes it, so this is long: a process that died is noticed after it.
 */
export const TRIAL_LOCK_STALE_MS = 5 * 60 * 1000;

/**
 * Takes the lock that says a process is training the trial of directory `trialDir`; resolves to
 * its release, or undefined when another live process holds it. A lock refresh that comes late
 * is reported through `warn`, not thrown (the training goes on).
 */
export async function lockTrial(trialDir: string, warn: (message: string) => void): Promise<(() => Promise<void>) | undefined> {
  try {
    return await lockfile.lock(trialDir, {
      realpath: false,
      lockfilePath: `${trialDir}.lock`,
      stale: TRIAL_LOCK_STALE_MS,
      update: 30_000,
      onCompromised: (error) => warn(`the lock of ${trialDir} was compromised: ${error.message}`),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw error;
  }
}
