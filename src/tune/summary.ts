/** What a study found: its best trial and how its trials ended. */
import type { Params } from './space.js';
import type { Study } from './study-file.js';
import type { Trial, TrialState } from './trial.js';

export interface StudySummary {
  /** The complete trial with the largest value (the earliest on ties); undefined before one completes. */
  readonly best?: { readonly number: number; readonly value: number; readonly params: Params };
  /** How many trials are in each state. */
  readonly counts: Readonly<Record<TrialState, number>>;
  readonly total: number;
}

/** The summary of `study`. */
export function summarizeStudy(study: Study): StudySummary {
  const counts: Record<TrialState, number> = { complete: 0, pruned: 0, failed: 0, running: 0 };
  let best: Trial | undefined;
  for (const trial of study.trials) {
    counts[trial.state]++;
    if (trial.state === 'complete' && (best === undefined || (trial.value as number) > (best.value as number))) best = trial;
  }
  return {
    counts,
    total: study.trials.length,
    best: best === undefined ? undefined : { number: best.number, value: best.value as number, params: best.params },
  };
}

/** The summary in words, one fact a line, for the terminal. */
export function formatSummary(summary: StudySummary): string {
  const { counts } = summary;
  const lines = [`trials: ${summary.total} (${counts.complete} complete, ${counts.pruned} pruned, ${counts.failed} failed, ${counts.running} running)`];
  if (summary.best === undefined) {
    lines.push('best trial: none complete yet');
  } else {
    lines.push(`best trial: ${summary.best.number}, validation MAP-IoU ${summary.best.value.toFixed(4)}`);
    for (const [key, value] of Object.entries(summary.best.params)) lines.push(`  ${key}: ${typeof value === 'number' ? formatNumber(value) : String(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A number as short as it reads exactly enough: 0.0011234 -> 0.001123, 24000 -> 24000. */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
