/**
 * A trial as a study records it, and the study's objective direction: cellmask maximizes the
 * validation MAP-IoU, so "better" is "larger" throughout.
 */
import type { Params } from './space.js';

/** running: started, not finished (or its process died); the others are final. */
export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

export interface Trial {
  /** 0, 1, 2, ... in the order trials were started. */
  readonly number: number;
  readonly params: Params;
  readonly state: TrialState;
  /** Validation MAP-IoU reported at training iterations: iteration -> value. */
  readonly intermediate: ReadonlyMap<number, number>;
  /** The final value (the last validation MAP-IoU) of a complete trial. */
  readonly value?: number;
  /** Why a failed trial failed. */
  readonly error?: string;
}

/** The largest step a trial reported at, or undefined before its first report. */
export function lastStep(trial: Trial): number | undefined {
  let last: number | undefined;
  for (const step of trial.intermediate.keys()) if (last === undefined || step > last) last = step;
  return last;
}
