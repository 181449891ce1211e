/**
 * Overriding config values: `mergeConfig` (a nested object of overrides, as read from YAML or
 * JSON) and `setConfigValue` (one dotted key and its text, as given to `--set KEY=VALUE`).
 */
import { closestKey, coerceValue, show } from './coerce.js';
import { unmodelledKey } from './detectron2-unmodelled.js';
import { parseLiteral } from './literal.js';
import { CONFIG_SCHEMA, type LeafKind, isLeafKind, kindOf } from './schema.js';
import type { CellmaskConfig } from './types.js';

type Tree = { readonly [key: string]: unknown };

/**
 * A new config: `base` with the values of `overrides` (a nested object with Detectron2's keys,
 * any subset of the tree) put in. Values are checked against the key's type; strings where a list
 * or number is expected are read as Python literals (`"(210000, 250000)"`), as Detectron2 does.
 * Detectron2 keys that cellmask does not model are skipped when they have no effect here (see
 * `detectron2-unmodelled.ts`). `_BASE_` is not handled here (see `loadConfig`).
 * @param source names the origin of `overrides` in error messages (a file path, `--set`).
 * @throws Error naming the key for an unknown key (suggesting the closest one), a subtree given a
 *   value or a value of the wrong type.
 */
export function mergeConfig(base: CellmaskConfig, overrides: unknown, source = 'mergeConfig'): CellmaskConfig {
  if (!isPlainObject(overrides)) throw new Error(`${source}: overrides must be an object of config keys, got ${show(overrides)}`);
  return mergeTree(base as unknown as Tree, overrides, CONFIG_SCHEMA as unknown as Tree, '', source) as unknown as CellmaskConfig;
}

function mergeTree(base: Tree, overrides: Tree, schema: Tree, prefix: string, source: string): Tree {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const path = prefix + key;
    const kind = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (kind === undefined) {
      skipUnmodelled(path, value, source);
    } else if (isLeafKind(kind)) {
      out[key] = coerceValue(path, value, kind, source);
    } else {
      if (!isPlainObject(value)) throw new Error(`${source}: ${path} is a group of keys, got the value ${show(value)}`);
      out[key] = mergeTree(base[key] as Tree, value, kind as Tree, `${path}.`, source);
    }
  }
  return out;
}

function skipUnmodelled(path: string, value: unknown, source: string): void {
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) skipUnmodelled(`${path}.${k}`, v, source);
    return;
  }
  const verdict = unmodelledKey(path, value);
  if (verdict === 'skip') return;
  if (verdict === 'unknown') throw new Error(`${source}: unknown config key ${path} (did you mean ${closestKey(path)}?)`);
  throw new Error(
    `${source}: ${path} is a Detectron2 key cellmask does not implement; it must be ${show(verdict.required)}, got ${show(value)}`,
  );
}

/**
 * A new config with the key `key` (dotted, `MODEL.ROI_HEADS.SCORE_THRESH_TEST`) set from `text`,
 * parsed by the key's type: `0.4`, `1000`, `True`, `BGR` or `'BGR'`, `[[4], [8]]`, `(480, 520)`.
 * @throws Error naming the key (and the closest existing key) when there is no such key, or the
 *   key, the text and the expected type when the text does not parse as that type.
 */
export function setConfigValue(cfg: CellmaskConfig, key: string, text: string): CellmaskConfig {
  if (typeof key !== 'string' || typeof text !== 'string') {
    throw new Error(`setConfigValue: key and text must be strings, got ${show(key)} and ${show(text)}`);
  }
  const kind = kindOf(key);
  if (kind === undefined) {
    const hint = isGroup(key) ? `${key} is a group of keys, not a value` : `unknown config key ${key} (did you mean ${closestKey(key)}?)`;
    throw new Error(`setConfigValue: ${hint}`);
  }
  const value = parseText(text, kind);
  const overrides = key
    .split('.')
    .reduceRight<unknown>((inner, part) => ({ [part]: inner }), value);
  return mergeConfig(cfg, overrides, `setConfigValue(${key})`);
}

/**
 * Applies `--set` arguments (`KEY=VALUE`, split at the first `=`) in order.
 * @throws Error naming the argument when it has no `=`, or as {@link setConfigValue}.
 */
export function setConfigValues(cfg: CellmaskConfig, assignments: readonly string[]): CellmaskConfig {
  return assignments.reduce((current, assignment) => {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new Error(`setConfigValues: expected KEY=VALUE, got ${show(assignment)}`);
    return setConfigValue(current, assignment.slice(0, eq).trim(), assignment.slice(eq + 1));
  }, cfg);
}

function parseText(text: string, kind: LeafKind): unknown {
  const trimmed = text.trim();
  if (kind === 'string' || Array.isArray(kind)) {
    const quoted = parseLiteral(trimmed);
    return typeof quoted === 'string' ? quoted : trimmed;
  }
  return parseLiteral(trimmed) ?? text;
}

function isGroup(key: string): boolean {
  let node: unknown = CONFIG_SCHEMA;
  for (const part of key.split('.')) {
    if (!isPlainObject(node) || !Object.hasOwn(node, part)) return false;
    node = node[part];
  }
  return isPlainObject(node);
}

function isPlainObject(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
