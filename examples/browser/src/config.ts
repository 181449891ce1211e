/**
 * A model's config from the text of a YAML or JSON file (what `cellmask train` writes as
 * config.yaml, or the demo's model.config.json), as `loadConfig` reads a file but without a file
 * system: a `_BASE_` may name a preset, not another file.
 */
import { parse } from 'yaml';

import { mergeConfig } from '../../../src/config/merge.js';
import { DETECTRON2_DEFAULTS, getPreset } from '../../../src/config/presets.js';
import type { CellmaskConfig } from '../../../src/config/types.js';
import { validateConfig } from '../../../src/config/validate.js';

/**
 * The config in `text` (YAML or JSON): its keys override its `_BASE_` preset, or Detectron2's
 * defaults without one. The result is validated.
 * @param name the file's name for error messages.
 * @throws Error naming the file for text that does not parse, a `_BASE_` that is not a preset,
 *   unknown keys, wrong types and invalid values.
 */
export function configFromText(text: string, name: string): CellmaskConfig {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new Error(`${name} is not valid YAML or JSON: ${(error as Error).message}`, { cause: error });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error(`${name} must hold a mapping of config keys`);
  const { _BASE_: base, ...overrides } = data as Record<string, unknown>;
  if (base !== undefined && typeof base !== 'string') throw new Error(`${name}: _BASE_ must be a preset name, got ${JSON.stringify(base)}`);
  const start = base === undefined ? DETECTRON2_DEFAULTS : getPreset(base);
  const config = mergeConfig(start, overrides, name);
  validateConfig(config, name);
  return config;
}
