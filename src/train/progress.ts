/**
 * The training loop's progress line:
 * `iter 120/300 [=======>           ]  40%  eta 0:04:50  1.61 s/it  total 1.234 rpn_cls 0.10 ...  lr 1.0e-3`
 * — `formatProgress` builds the text, `ProgressLine` shows it: rewritten in place on a terminal,
 * a line every few seconds in a log file.
 */
import { describe } from '../utils/describe.js';

/** Where training stands, for one progress line. */
export interface ProgressState {
  /** Iterations completed, 0 to `maxIter`. */
  readonly iteration: number;
  /** Iterations in the run, >= 1. */
  readonly maxIter: number;
  /** Seconds since training started. */
  readonly elapsedSeconds: number;
  /**
   * Seconds per iteration, smoothed (such as a running median over the last iterations). When
   * undefined, NaN or <= 0, `elapsedSeconds / iteration` stands in.
   */
  readonly secondsPerIter?: number;
  /**
   * Loss terms by Detectron2 name (`loss_rpn_cls`, ..., `loss_mask`); `total_loss` if present,
   * else the sum of the others, is shown as the total.
   */
  readonly losses: Readonly<Record<string, number>>;
  /** The current learning rate. */
  readonly lr: number;
}

/** Short names of Detectron2's loss terms, in the order shown; other `loss_*` terms drop the prefix and follow. */
const SHORT_LOSS_NAMES: Readonly<Record<string, string>> = {
  loss_rpn_cls: 'rpn_cls',
  loss_rpn_loc: 'rpn_loc',
  loss_cls: 'cls',
  loss_box_reg: 'box',
  loss_mask: 'mask',
};

const FULL_BAR_WIDTH = 20;
const NARROWEST_BAR_WIDTH = 8;

/** Seconds as h:mm:ss (hours unbounded); `-:--:--` when not known. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-:--:--';
  const whole = Math.round(seconds);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(whole / 3600)}:${two(Math.floor(whole / 60) % 60)}:${two(whole % 60)}`;
}

function formatNumber(value: number, decimals: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  // Small terms (an RPN box loss late in training) would read 0.00 with fixed decimals.
  return value !== 0 && Math.abs(value) < 0.01 ? value.toExponential(1) : value.toFixed(decimals);
}

function progressBar(fraction: number, width: number): string {
  if (fraction >= 1) return `[${'='.repeat(width)}]`;
  const filled = Math.floor(fraction * width);
  return `[${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}]`;
}

function checkState(state: ProgressState): void {
  const fail = (what: string, value: unknown): never => {
    throw new Error(`formatProgress: ${what}, got ${describe(value)}`);
  };
  if (typeof state !== 'object' || state === null) fail('state must be an object', state);
  const { iteration, maxIter } = state;
  if (!Number.isInteger(maxIter) || maxIter < 1) fail('maxIter must be an integer >= 1', maxIter);
  if (!Number.isInteger(iteration) || iteration < 0 || iteration > maxIter) fail(`iteration must be an integer from 0 to maxIter (${maxIter})`, iteration);
  if (!Number.isFinite(state.elapsedSeconds) || state.elapsedSeconds < 0) fail('elapsedSeconds must be a finite number >= 0', state.elapsedSeconds);
  if (state.secondsPerIter !== undefined && typeof state.secondsPerIter !== 'number') fail('secondsPerIter must be a number', state.secondsPerIter);
  if (typeof state.losses !== 'object' || state.losses === null) fail('losses must be an object of numbers', state.losses);
  for (const [name, value] of Object.entries(state.losses)) if (typeof value !== 'number') fail(`losses.${name} must be a number`, value);
  if (typeof state.lr !== 'number') fail('lr must be a number', state.lr);
}

/**
 * One progress line of at most `columns` characters (default 120):
 * `iter 120/300 [=======>   ]  40%  eta 0:04:50  1.61 s/it  total 1.234 rpn_cls 0.10 ...  lr 1.0e-3`.
 * ETA is the remaining iterations times the seconds per iteration, as h:mm:ss. When the line is
 * too long the bar narrows, then goes; then loss terms drop from the end (the total stays), then
 * s/it and lr; past that the text is cut. Throws for an iteration outside 0..maxIter or
 * malformed fields; NaN losses show as `nan`.
 */
export function formatProgress(state: ProgressState, columns = 120): string {
  checkState(state);
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`formatProgress: columns must be an integer >= 1, got ${describe(columns)}`);
  const { iteration, maxIter, losses } = state;
  const fraction = iteration / maxIter;
  const smoothed = state.secondsPerIter;
  const rate = smoothed !== undefined && smoothed > 0 ? smoothed : iteration > 0 ? state.elapsedSeconds / iteration : Number.NaN;

  const head = `iter ${String(iteration).padStart(String(maxIter).length)}/${maxIter}`;
  const percent = `${String(Math.floor(100 * fraction)).padStart(3)}%`;
  const eta = `eta ${formatDuration((maxIter - iteration) * rate)}`;
  const speed = `${Number.isFinite(rate) ? formatNumber(rate, 2) : '-'} s/it`;
  const termNames = Object.keys(losses).filter((name) => name !== 'total_loss');
  const ordered = [
    ...Object.keys(SHORT_LOSS_NAMES).filter((name) => name in losses),
    ...termNames.filter((name) => !(name in SHORT_LOSS_NAMES)),
  ];
  const total = losses.total_loss ?? termNames.reduce((sum, name) => sum + losses[name], 0);
  const terms = [
    `total ${formatNumber(total, 3)}`,
    ...ordered.map((name) => `${SHORT_LOSS_NAMES[name] ?? name.replace(/^loss_/, '')} ${formatNumber(losses[name], 2)}`),
  ];
  const lr = `lr ${Number.isFinite(state.lr) ? state.lr.toExponential(1).replace('e+', 'e') : formatNumber(state.lr, 1)}`;

  const line = (barWidth: number, termCount: number, withSpeed: boolean, withLr: boolean): string =>
    [
      barWidth > 0 ? `${head} ${progressBar(fraction, barWidth)} ${percent}` : `${head} ${percent}`,
      eta,
      ...(withSpeed ? [speed] : []),
      ...(termCount > 0 ? [terms.slice(0, termCount).join(' ')] : []),
      ...(withLr ? [lr] : []),
    ].join('  ');
  const candidates = [
    ...[FULL_BAR_WIDTH, 16, 12, NARROWEST_BAR_WIDTH].map((width) => line(width, terms.length, true, true)),
    ...terms.map((_, dropped) => line(0, terms.length - dropped, true, true)),
    line(0, 1, false, true),
    line(0, 1, false, false),
    line(0, 0, false, false),
  ];
  const fitting = candidates.find((candidate) => candidate.length <= columns);
  return fitting ?? candidates[candidates.length - 1].slice(0, columns);
}

/** What `ProgressLine` writes to: a `process.stdout`-like stream. */
export interface ProgressStream {
  write(text: string): unknown;
  /** True for a terminal: the line is rewritten in place. */
  readonly isTTY?: boolean;
  /** Terminal width; lines are cut to one less so they never wrap. */
  readonly columns?: number;
}

/** How often `ProgressLine` prints, and its clock. */
export interface ProgressLineOptions {
  /** On a non-terminal, the least seconds between two printed lines; 10 by default. */
  readonly intervalSeconds?: number;
  /** Milliseconds since some origin; `Date.now` by default (tests pass a fake clock). */
  readonly now?: () => number;
}

const CLEAR_TO_END_OF_LINE = '\x1b[K';

/**
 * One status line on a stream. On a terminal each `update` rewrites it (carriage return, the
 * text cut to the terminal width, clear to end of line); elsewhere (a log file, a CI log) the
 * first update is printed as a line and later ones at most every `intervalSeconds`, and `done`
 * prints the last one if it was held back. `done` ends the line; a later `update` starts anew.
 */
export class ProgressLine {
  private readonly stream: ProgressStream;
  private readonly intervalMs: number;
  private readonly now: () => number;
  /** On a terminal: the text on screen, undefined when no line is open. */
  private shown: string | undefined;
  /** Off a terminal: when the last line was printed, and the newest text not printed since. */
  private lastPrintMs: number | undefined;
  private pending: string | undefined;

  constructor(stream: ProgressStream, options: ProgressLineOptions = {}) {
    if (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function') {
      throw new Error(`ProgressLine: stream must have a write method, got ${describe(stream)}`);
    }
    const intervalSeconds = options.intervalSeconds ?? 10;
    if (!Number.isFinite(intervalSeconds) || intervalSeconds < 0) {
      throw new Error(`ProgressLine: options.intervalSeconds must be a finite number >= 0, got ${describe(intervalSeconds)}`);
    }
    this.stream = stream;
    this.intervalMs = intervalSeconds * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Shows `text` (one line; newlines become spaces). */
  update(text: string): void {
    const line = String(text).replace(/\r?\n|\r/g, ' ');
    if (this.stream.isTTY) {
      const { columns } = this.stream;
      const fitted = columns !== undefined && columns > 1 ? line.slice(0, columns - 1) : line;
      if (fitted === this.shown) return;
      this.stream.write(`\r${fitted}${CLEAR_TO_END_OF_LINE}`);
      this.shown = fitted;
      return;
    }
    const now = this.now();
    if (this.lastPrintMs === undefined || now - this.lastPrintMs >= this.intervalMs) {
      this.stream.write(`${line}\n`);
      this.lastPrintMs = now;
      this.pending = undefined;
    } else {
      this.pending = line;
    }
  }

  /** Ends the line: a newline on a terminal, the held-back text elsewhere. */
  done(): void {
    if (this.stream.isTTY) {
      if (this.shown !== undefined) this.stream.write('\n');
      this.shown = undefined;
      return;
    }
    if (this.pending !== undefined) this.stream.write(`${this.pending}\n`);
    this.pending = undefined;
    this.lastPrintMs = undefined;
  }
}
