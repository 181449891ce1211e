/**
 * A pipeline as a list of stages, each skipped when its outputs already exist, so that a run
 * interrupted anywhere continues where it stopped. What ran, and how long it took, is kept in a
 * journal (`reproduce.json`) that later runs add to.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

import { writeFileAtomic } from '../data/atomic.js';

export interface Stage {
  /** Unique within a pipeline, e.g. `finetune/fold-2`. */
  readonly name: string;
  /** What the stage does, for the log. */
  readonly description: string;
  /** True when every output of the stage exists (outputs are written atomically, last one last). */
  isDone(): Promise<boolean>;
  /** Makes the outputs; may continue from partial work a previous run left. */
  run(): Promise<void>;
}

/** One stage's entry in the journal. */
export interface StageRecord {
  /** `ran` this time, `skipped` (outputs found), or `ran` in an earlier run (kept from the journal). */
  readonly status: 'ran' | 'skipped';
  /** Wall time of the run that made the outputs (the run that continued it, after an interruption). */
  readonly seconds?: number;
  readonly finishedAt?: string;
}

export type Journal = Record<string, StageRecord>;

/** The journal at `path`, or an empty one when there is none. */
export async function readJournal(path: string): Promise<Journal> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    return (JSON.parse(text) as { stages: Journal }).stages;
  } catch (error) {
    throw new Error(`${path}: not a pipeline journal (${(error as Error).message}); delete it to start the journal again`, { cause: error });
  }
}

export interface RunStagesOptions {
  /** The journal file, rewritten after each stage that runs. */
  readonly journal: string;
  readonly log: (message: string) => void;
}

/**
 * Runs `stages` in order, skipping those whose outputs exist; resolves to the journal (every
 * stage's record). A stage that throws stops the pipeline with an error naming it; the journal
 * keeps the stages finished before.
 */
export async function runStages(stages: readonly Stage[], options: RunStagesOptions): Promise<Journal> {
  const names = new Set<string>();
  for (const stage of stages) {
    if (names.has(stage.name)) throw new Error(`runStages: two stages are named "${stage.name}"`);
    names.add(stage.name);
  }
  const journal: Record<string, StageRecord> = { ...(await readJournal(options.journal)) };
  const save = () => writeFileAtomic(options.journal, `${JSON.stringify({ stages: journal }, null, 2)}\n`);
  for (const [k, stage] of stages.entries()) {
    const prefix = `[${k + 1}/${stages.length}] ${stage.name}`;
    if (await stage.isDone()) {
      options.log(`${prefix}: skipped, its outputs exist`);
      journal[stage.name] = { ...journal[stage.name], status: 'skipped' };
      continue;
    }
    options.log(`${prefix}: ${stage.description}`);
    const started = performance.now();
    try {
      await stage.run();
    } catch (error) {
      await save();
      throw new Error(`stage ${stage.name} failed: ${(error as Error).message}`, { cause: error });
    }
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    journal[stage.name] = { status: 'ran', seconds, finishedAt: new Date().toISOString() };
    await save();
    options.log(`${prefix}: done in ${seconds} s`);
  }
  await save();
  return journal;
}
