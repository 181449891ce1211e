/**
 * The shape of a `cellmask` subcommand. Each lives in its own file under `src/cli/` and is
 * listed in `main.ts`; a command parses its own arguments (with `node:util`'s `parseArgs`),
 * writes results to stdout and returns an exit code. Problems are thrown as `UsageError`
 * (bad arguments: exit 2) or any other `Error` (bad input or failure: exit 1); `main.ts`
 * prints them to stderr.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  /** The subcommand, as typed after `cellmask`. */
  readonly name: string;
  /** One line for `cellmask --help`. */
  readonly summary: string;
  /** The full text of `cellmask <name> --help`. */
  readonly help: string;
  /** Runs with the arguments after the subcommand name; resolves to the exit code. */
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Where a command writes; tests pass their own to capture output. */
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Bad command-line arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The option specs a command declares, as `parseArgs` takes them. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** What `parseArgs` returns for options `O` in strict mode. */
export type ParsedArgs<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & { help: { type: 'boolean'; short: 'h' } }; allowPositionals: boolean; strict: true }>
>;

/**
 * `parseArgs` in strict mode with `--help`/`-h` added, turning its errors into `UsageError`.
 * Returns `undefined` when help was asked for (the caller prints its help and exits 0).
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, allowPositionals = false): ParsedArgs<O> | undefined {
  let parsed: ParsedArgs<O>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean' as const, short: 'h' as const } },
      allowPositionals,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if ((parsed.values as Record<string, unknown>).help === true) return undefined;
  return parsed;
}

/** The value of a required string option, or a `UsageError` naming it. */
export function requireOption(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`missing required option --${name}`);
  return v;
}

/** Parses an integer option, or throws a `UsageError` naming it. */
export function intOption(value: string | undefined, name: string, fallback: number, min = -Infinity): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer${min > -Infinity ? ` >= ${min}` : ''}, got "${value}"`);
  }
  return n;
}

/** Parses a number option, or throws a `UsageError` naming it. */
export function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${value}"`);
  return n;
}

/** Comma-separated numbers of an option (`0.17,0.30,0.60`), or a `UsageError` naming it and the bad item. */
export function numberListOption(text: string, name: string): number[] {
  return text.split(',').map((item, k) => {
    const v = Number(item);
    if (item.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name}: item ${k + 1} "${item}" is not a number (expected e.g. 0.17,0.30,0.60)`);
    return v;
  });
}
