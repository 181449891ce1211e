/**
 * The benchmark harness: times a cellmask function and the reference implementation
 * (numpy or torchvision, run by benchmarks/reference/reference.py) on the same inputs in the
 * same run, checks that both computed the same thing, and reports the ratio.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One benchmark: `prepare` writes the reference's inputs to `dir` and returns the timed function. */
export interface BenchCase {
  readonly name: string;
  /** What is timed, in words, for the results table. */
  readonly description: string;
  prepare(dir: string, quick: boolean): { run: () => unknown; check: (ours: unknown, reference: unknown) => string | undefined };
}

export interface BenchResult {
  name: string;
  description: string;
  ms: number;
  reps: number;
  reference: { impl: string; ms: number } | { unavailable: string };
  /** reference ms / ours: how many times faster cellmask is. */
  speedup?: number;
  /** Set when the two sides disagree: then the timing compares different work. */
  mismatch?: string;
}

/**
 * Median wall time of `reps` calls of `fn`, after warming it up (at least 5 calls and 200 ms)
 * so that the JIT has compiled the hot paths, as numpy's are compiled ahead of time.
 */
export function medianMs(fn: () => unknown, reps: number): { ms: number; out: unknown } {
  let out: unknown;
  const warmupStart = performance.now();
  for (let calls = 0; calls < 5 || performance.now() - warmupStart < 200; calls++) out = fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return { ms: times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2, out };
}

const referenceScript = fileURLToPath(new URL('./reference/reference.py', import.meta.url));

/** The Python that has numpy (and torchvision for NMS): $CELLMASK_PYTHON, Debian's, or the PATH's. */
function findPython(): string | undefined {
  for (const candidate of [process.env.CELLMASK_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!candidate) continue;
    const probe = spawnSync(candidate, ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

const python = findPython();

function runReference(name: string, dir: string, reps: number): { ms: number; impl: string; result: unknown } | string {
  if (python === undefined) return 'no Python with numpy found (set CELLMASK_PYTHON)';
  const proc = spawnSync(python, [referenceScript, name, dir, String(reps)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (proc.status !== 0) return `reference failed: ${proc.stderr.trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(proc.stdout) as { ms: number; impl: string; result: unknown };
}

export function runCase(c: BenchCase, quick: boolean): BenchResult {
  const dir = mkdtempSync(join(tmpdir(), `cellmask-bench-${c.name}-`));
  try {
    const { run, check } = c.prepare(dir, quick);
    const reps = quick ? 3 : 10;
    const ours = medianMs(run, reps);
    const ref = runReference(c.name, dir, quick ? 2 : 5);
    const result: BenchResult = { name: c.name, description: c.description, ms: ours.ms, reps, reference: { unavailable: '' } };
    if (typeof ref === 'string') {
      result.reference = { unavailable: ref };
    } else {
      result.reference = { impl: ref.impl, ms: ref.ms };
      result.speedup = ref.ms / ours.ms;
      const mismatch = check(ours.out, ref.result);
      if (mismatch !== undefined) result.mismatch = mismatch;
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fixed-width table of results for the terminal. */
export function formatTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    `${r.ms.toFixed(2)} ms`,
    'impl' in r.reference ? `${r.reference.ms.toFixed(2)} ms (${r.reference.impl})` : `n/a (${r.reference.unavailable})`,
    r.speedup !== undefined ? `${r.speedup.toFixed(1)}x` : '-',
    r.mismatch !== undefined ? `MISMATCH: ${r.mismatch}` : r.description,
  ]);
  const header = ['case', 'cellmask', 'reference', 'speedup', 'what'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
