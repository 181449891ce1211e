/**
 * Search spaces: which config keys a study tunes and over what values, as Optuna's
 * `suggest_float(log=...)`, `suggest_int(step=...)` and `suggest_categorical` describe them.
 * Keys are Detectron2's dotted config keys, so a sampled value is applied with `--set KEY=VALUE`.
 */
import { readFile } from 'node:fs/promises';

import { parse } from 'yaml';

/** A real number in [low, high]; with `log`, sampled and modelled as log(x) (low > 0). */
export interface FloatParam {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
}

/** An integer in {low, low + step, ..., high}; with `log` (step 1 only), modelled as log(x). */
export interface IntParam {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly step?: number;
  readonly log?: boolean;
}

/** One of a list of values; unordered, so 96 and 128 are as far apart as any two choices. */
export interface CategoricalParam {
  readonly type: 'categorical';
  readonly choices: readonly Choice[];
}

export type Choice = number | string | boolean;
export type Param = FloatParam | IntParam | CategoricalParam;
/** A search space: config key -> its range. */
export type SearchSpace = Readonly<Record<string, Param>>;
/** One point of a search space: config key -> value. */
export type Params = Readonly<Record<string, Choice>>;

/**
 * The space the solution tuned with Optuna (SOLUTION.md, Finetune table): the learning rate on a
 * log scale, the rest as the sets of values it tried.
 */
export const SOLUTION_SPACE: SearchSpace = {
  'SOLVER.BASE_LR': { type: 'float', low: 0.0005, high: 0.01, log: true },
  'SOLVER.MAX_ITER': { type: 'categorical', choices: [20000, 24000] },
  'SOLVER.WARMUP_ITERS': { type: 'categorical', choices: [100, 500, 1000] },
  'MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE': { type: 'categorical', choices: [96, 128] },
  'MODEL.ROI_HEADS.SCORE_THRESH_TEST': { type: 'categorical', choices: [0.3, 0.4, 0.5] },
};

/**
 * A search space from plain data (a parsed YAML or JSON file): a mapping of config keys to
 * `{type: float, low, high, log?}`, `{type: int, low, high, step?, log?}` or
 * `{type: categorical, choices: [...]}`.
 * @param source names the origin in error messages.
 * @throws Error naming the source and the key for anything else.
 */
export function parseSearchSpace(data: unknown, source = 'search space'): SearchSpace {
  if (!isRecord(data)) throw new Error(`${source}: expected a mapping of config keys to ranges, got ${shown(data)}`);
  const space: Record<string, Param> = {};
  for (const [key, spec] of Object.entries(data)) space[key] = parseParam(spec, `${source}: ${key}`);
  if (Object.keys(space).length === 0) throw new Error(`${source}: the search space is empty`);
  return space;
}

function parseParam(spec: unknown, where: string): Param {
  if (!isRecord(spec)) throw new Error(`${where}: expected {type: float|int|categorical, ...}, got ${shown(spec)}`);
  const allowed: Record<string, readonly string[]> = { float: ['type', 'low', 'high', 'log'], int: ['type', 'low', 'high', 'step', 'log'], categorical: ['type', 'choices'] };
  const type = spec.type;
  if (typeof type !== 'string' || !(type in allowed)) throw new Error(`${where}: type must be float, int or categorical, got ${shown(type)}`);
  const extra = Object.keys(spec).filter((k) => !allowed[type].includes(k));
  if (extra.length > 0) throw new Error(`${where}: unknown field(s) ${extra.join(', ')} for type ${type} (allowed: ${allowed[type].join(', ')})`);
  if (type === 'categorical') {
    const { choices } = spec;
    if (!Array.isArray(choices) || choices.length === 0) throw new Error(`${where}: choices must be a non-empty list, got ${shown(choices)}`);
    for (const c of choices) {
      if (!['number', 'string', 'boolean'].includes(typeof c) || (typeof c === 'number' && !Number.isFinite(c))) {
        throw new Error(`${where}: each choice must be a finite number, a string or a boolean, got ${shown(c)}`);
      }
    }
    if (new Set(choices).size !== choices.length) throw new Error(`${where}: choices repeat a value: ${shown(choices)}`);
    return { type: 'categorical', choices: choices as Choice[] };
  }
  const { low, high } = spec;
  const log = spec.log ?? false;
  if (typeof low !== 'number' || typeof high !== 'number' || !Number.isFinite(low) || !Number.isFinite(high) || !(low <= high)) {
    throw new Error(`${where}: low and high must be finite numbers with low <= high, got low=${shown(low)}, high=${shown(high)}`);
  }
  if (typeof log !== 'boolean') throw new Error(`${where}: log must be true or false, got ${shown(log)}`);
  if (log && !(low > 0)) throw new Error(`${where}: a log-scale range needs low > 0, got ${low}`);
  if (type === 'float') return log ? { type: 'float', low, high, log } : { type: 'float', low, high };
  const step = spec.step ?? 1;
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new Error(`${where}: an int range needs integer low and high, got ${low} and ${high}`);
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 1) throw new Error(`${where}: step must be an integer >= 1, got ${shown(step)}`);
  if (log && step !== 1) throw new Error(`${where}: a log-scale int range needs step 1, got ${step}`);
  if ((high - low) % step !== 0) throw new Error(`${where}: high - low (${high - low}) must be a multiple of step ${step}`);
  return { type: 'int', low, high, ...(step !== 1 ? { step } : {}), ...(log ? { log } : {}) };
}

/**
 * The search space of a YAML or JSON file (see {@link parseSearchSpace}), e.g.
 * `SOLVER.MAX_ITER: {type: categorical, choices: [40, 60]}`.
 * @throws Error naming the file when it cannot be read or parsed, or as `parseSearchSpace`.
 */
export async function loadSearchSpace(path: string): Promise<SearchSpace> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`loadSearchSpace: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new Error(`loadSearchSpace: ${path} is not valid YAML or JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseSearchSpace(data, path);
}

/**
 * Whether `value` lies in `param`'s range (a float inside [low, high], an int on its grid, one
 * of the choices).
 */
export function inSpace(param: Param, value: unknown): boolean {
  if (param.type === 'categorical') return param.choices.includes(value as Choice);
  if (typeof value !== 'number' || value < param.low || value > param.high) return false;
  return param.type === 'float' || (Number.isInteger(value) && (value - param.low) % (param.step ?? 1) === 0);
}

/** `params` as `--set` assignments (`KEY=VALUE`), in the space's key order. */
export function paramsToAssignments(space: SearchSpace, params: Params): string[] {
  return Object.keys(space).map((key) => {
    if (!Object.hasOwn(params, key)) throw new Error(`paramsToAssignments: no value for ${key}`);
    const value = params[key];
    return `${key}=${typeof value === 'string' ? JSON.stringify(value) : typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value)}`;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
