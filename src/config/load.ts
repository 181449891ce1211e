/**
 * Reading config files: YAML (Detectron2's format) or JSON, with Detectron2's `_BASE_`
 * inheritance. Node only (reads files).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';

import { parse } from 'yaml';

import { mergeConfig } from './merge.js';
import { DETECTRON2_DEFAULTS, getPreset, isPresetName } from './presets.js';
import type { CellmaskConfig } from './types.js';
import { validateConfig } from './validate.js';

/**
 * The config named by `pathOrPresetName`: a preset's name, or a YAML or JSON file whose keys
 * override Detectron2's defaults (as `get_cfg()` then `merge_from_file` do). A file's `_BASE_`
 * (a path relative to the file, or a preset name) is loaded first and the file's keys override
 * it, recursively. The result is validated.
 * @throws Error naming the file for unreadable or unparsable files, `_BASE_` cycles, unknown
 *   keys, wrong types and invalid values.
 */
export async function loadConfig(pathOrPresetName: string): Promise<CellmaskConfig> {
  if (typeof pathOrPresetName !== 'string' || pathOrPresetName.length === 0) {
    throw new Error(`loadConfig: expected a preset name or a file path, got ${JSON.stringify(pathOrPresetName)}`);
  }
  if (isPresetName(pathOrPresetName)) return getPreset(pathOrPresetName);
  const cfg = await loadFile(resolve(pathOrPresetName), []);
  validateConfig(cfg, pathOrPresetName);
  return cfg;
}

async function loadFile(path: string, chain: readonly string[]): Promise<CellmaskConfig> {
  if (chain.includes(path)) throw new Error(`loadConfig: _BASE_ cycle: ${[...chain, path].join(' -> ')}`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const via = chain.length > 0 ? ` (the _BASE_ of ${chain[chain.length - 1]})` : '';
    throw new Error(`loadConfig: cannot read ${path}${via}: ${(error as Error).message}`, { cause: error });
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new Error(`loadConfig: ${path} is not valid YAML or JSON: ${(error as Error).message}`, { cause: error });
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error(`loadConfig: ${path} must hold a mapping of config keys`);
  const { _BASE_: base, ...overrides } = data as Record<string, unknown>;
  let start = DETECTRON2_DEFAULTS;
  if (base !== undefined) {
    if (typeof base !== 'string' || base.length === 0) throw new Error(`loadConfig: ${path}: _BASE_ must be a path or preset name`);
    start = isPresetName(base) ? getPreset(base) : await loadFile(isAbsolute(base) ? base : resolve(dirname(path), base), [...chain, path]);
  }
  return mergeConfig(start, overrides, path);
}
