/**
 * Splitting a list of images between N machines: shard K of N (0-based, as Slurm's
 * `SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)` and Kubernetes' `JOB_COMPLETION_INDEX` count)
 * takes the images at positions i with i % N === K of the list sorted by name. Round-robin
 * rather than contiguous runs, so that plates whose files are named in runs (one well after
 * another) are spread over every shard.
 */
import { basename } from 'node:path';

/** One shard of a split: `index` K in 0..count-1 of `count` N. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Checks a shard's numbers; the message says what was expected and what came. */
export function validateShard(shard: Shard): void {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`shard: N must be an integer >= 1, got ${count}`);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new Error(`shard: K must be an integer with 0 <= K < N = ${count}, got ${index}`);
  }
}

/**
 * Parses `K/N` (`0/3`, `2/3`): decimal digits only, 0 <= K < N.
 * @throws Error quoting the text and saying what is wrong (`3/3`, `a/b`, `-1/2`, `0/0`).
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match === null) throw new Error(`shard "${text}": expected K/N with 0 <= K < N, e.g. 0/4 (K is 0-based, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX)`);
  const shard = { index: Number(match[1]), count: Number(match[2]) };
  try {
    validateShard(shard);
  } catch (error) {
    throw new Error(`shard "${text}": ${(error as Error).message.replace(/^shard: /, '')}`);
  }
  return shard;
}

/**
 * `paths` sorted by file name (ties by full path), as `listImages` orders a directory: the order
 * shards are cut from and outputs are listed in.
 */
export function sortByFileName(paths: readonly string[]): string[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...paths].sort((a, b) => cmp(basename(a), basename(b)) || cmp(a, b));
}

/** The images of `shard`: positions i of `sorted` with i % count === index, in order. */
export function shardImages<T>(sorted: readonly T[], shard: Shard): T[] {
  validateShard(shard);
  return sorted.filter((_, i) => i % shard.count === shard.index);
}
