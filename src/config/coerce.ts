/**
 * Checking one config value against the kind of its key, and the key lookups shared by
 * `setConfigValue`, `mergeConfig` and `validateConfig`.
 */
import { type LeafKind, configKeys, kindName } from './schema.js';
import { parseLiteral } from './literal.js';

/**
 * `value` (from YAML, JSON or a parsed `--set`) as the kind of `key`. A string where a
 * non-string is expected is read as a Python literal first, as Detectron2 reads
 * `STEPS: (210000, 250000)` in YAML. Integers are accepted for floats.
 * @throws Error naming the key, the value and the expected type.
 */
export function coerceValue(key: string, value: unknown, kind: LeafKind, source: string): unknown {
  const isStringKind = kind === 'string' || Array.isArray(kind);
  const v = typeof value === 'string' && !isStringKind ? (parseLiteral(value) ?? value) : value;
  const fail = (): never => {
    throw new Error(`${source}: ${key} must be ${kindName(kind)}, got ${show(value)}`);
  };
  const number = (x: unknown, int: boolean): number =>
    typeof x === 'number' && Number.isFinite(x) && (!int || Number.isInteger(x)) ? x : fail();
  const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : fail());
  switch (kind) {
    case 'int':
      return number(v, true);
    case 'float':
      return number(v, false);
    case 'bool':
      return typeof v === 'boolean' ? v : fail();
    case 'string':
      return typeof v === 'string' ? v : fail();
    case 'int[]':
      return list(v).map((x) => number(x, true));
    case 'float[]':
      return list(v).map((x) => number(x, false));
    case 'string[]':
      return list(v).map((x) => (typeof x === 'string' ? x : fail()));
    case 'float[][]':
      return list(v).map((row) => list(row).map((x) => number(x, false)));
    default:
      return typeof v === 'string' && kind.includes(v) ? v : fail();
  }
}

/** A value as it reads in an error message. */
export function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The existing key closest to `key` (edit distance over the dotted path), for "did you mean". */
export function closestKey(key: string): string {
  let best = '';
  let bestDistance = Infinity;
  for (const candidate of configKeys()) {
    // A long shared prefix (the same group, the start of the name) counts for more than spelling.
    const d = editDistance(key.toUpperCase(), candidate) - 0.5 * commonPrefixLength(key.toUpperCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function commonPrefixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
