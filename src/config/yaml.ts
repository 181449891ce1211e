/**
 * Writing a config as YAML that `loadConfig` (and Detectron2's `merge_from_file`) read back to the
 * same values: nested mappings, one key per line, values in flow style, floats with a decimal
 * point so that Python's YAML reads them as floats.
 */
import { type LeafKind, CONFIG_SCHEMA, isLeafKind } from './schema.js';
import type { CellmaskConfig } from './types.js';

/** `cfg` as YAML text (every key, in the schema's order). */
export function configToYaml(cfg: CellmaskConfig): string {
  const lines: string[] = [];
  const walk = (node: Record<string, unknown>, schema: Record<string, unknown>, indent: string): void => {
    for (const [key, kind] of Object.entries(schema)) {
      if (isLeafKind(kind)) lines.push(`${indent}${key}: ${formatValue(node[key], kind)}`);
      else {
        lines.push(`${indent}${key}:`);
        walk(node[key] as Record<string, unknown>, kind as Record<string, unknown>, `${indent}  `);
      }
    }
  };
  walk(cfg as unknown as Record<string, unknown>, CONFIG_SCHEMA as unknown as Record<string, unknown>, '');
  return `${lines.join('\n')}\n`;
}

function formatValue(value: unknown, kind: LeafKind): string {
  const float = kind === 'float' || kind === 'float[]' || kind === 'float[][]';
  const format = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(format).join(', ')}]`;
    if (typeof v === 'number' && float) return floatText(v);
    return JSON.stringify(v);
  };
  return format(value);
}

function floatText(v: number): string {
  const text = String(v);
  if (Number.isInteger(v) && !text.includes('e')) return `${text}.0`;
  // "1e-7" is a string to YAML 1.1 (PyYAML): write the mantissa with a decimal point.
  return text.includes('e') && !text.split('e')[0].includes('.') ? text.replace('e', '.0e') : text;
}
