/**
 * What the model commands (`predict`, `export`, `train`, `tune`, `reproduce`) share: the config from
 * `--config` and `--set`, and the TensorFlow.js backend from `--backend` / `--threads`.
 *
 * TensorFlow.js and its backends are optional peers of the package, so they are imported only
 * when a command that needs them runs; a missing one is named with the command that needs it.
 */
import { stat } from 'node:fs/promises';

import { withOptionalPeer } from '../backend/optional-peer.js';
import type { BackendName, BackendPreference, BackendSelection } from '../backend/select.js';
import { type CellmaskConfig, isPresetName, loadConfig, presets, setConfigValues, validateConfig } from '../config/index.js';
import { type CommandIO, UsageError, intOption } from './command.js';

/**
 * The config of `--config` with every `--set` applied in order, validated. A bad `--set` is a
 * `UsageError` naming the assignment; an unreadable or invalid config file an `Error` naming it.
 */
export async function configWithOverrides(name: string, assignments: readonly string[]): Promise<CellmaskConfig> {
  let cfg: CellmaskConfig;
  try {
    cfg = await loadConfig(name);
  } catch (error) {
    const known = isPresetName(name) || (await stat(name).then(() => true, () => false));
    if (known) throw error;
    throw new Error(`--config ${name}: neither a preset (${Object.keys(presets).join(', ')}) nor a readable file`, { cause: error });
  }
  return withOverrides(cfg, assignments, `--config ${name}`);
}

/**
 * `cfg` with every `--set` applied in order, validated when there are any (`source` says where
 * `cfg` came from). A bad `--set` is a `UsageError` naming the assignment.
 */
export function withOverrides(cfg: CellmaskConfig, assignments: readonly string[], source: string): CellmaskConfig {
  for (const assignment of assignments) {
    try {
      cfg = setConfigValues(cfg, [assignment]);
    } catch (error) {
      throw new UsageError(`--set ${assignment}: ${(error as Error).message.replace(/^setConfigValues?(\([^)]*\))?: /, '')}`);
    }
  }
  if (assignments.length > 0) {
    try {
      validateConfig(cfg, `${source} with the --set values`);
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/^validateConfig: /, ''));
    }
  }
  return cfg;
}

/** A backend the commands can run on (Node's backends; `webgl` is a browser's). */
export type Backend = BackendName;

/** `--backend`'s names, in `auto`'s order. */
const CLI_BACKENDS: readonly BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];

/** The backend options every model command takes, for its help text. */
export const BACKEND_HELP = `  --backend NAME        TensorFlow.js backend: auto (default), tfjs-node-gpu, tfjs-node, webgpu,
                        wasm, cpu, or several in the order to try them (webgpu,wasm). auto
                        tries tfjs-node-gpu, tfjs-node, webgpu (not on a software adapter),
                        wasm, cpu, and says why it passed one over. Each is an optional peer
                        dependency: @tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node, webgpu with
                        @tensorflow/tfjs-backend-webgpu, @tensorflow/tfjs-backend-wasm,
                        @tensorflow/tfjs-backend-cpu (see docs/backends.md)
  --threads N           threads of the wasm backend (default: every core)`;

/** `--backend`'s value: `auto`, one name, or a comma-separated list; a `UsageError` naming what is wrong. */
function parseBackend(value: string): BackendPreference {
  if (value === 'auto') return 'auto';
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (name === 'webgl') throw new UsageError('--backend webgl runs in a browser only; in Node use webgpu, wasm or cpu');
    if (!(CLI_BACKENDS as readonly string[]).includes(name)) {
      throw new UsageError(`--backend must be auto, one of ${CLI_BACKENDS.join(', ')}, or a comma-separated list of them; got "${value}"`);
    }
  }
  return names.length === 1 ? (names[0] as BackendName) : (names as BackendName[]);
}

/** `--backend` and `--threads`, checked. */
export function backendOptions(values: { backend?: string; threads?: string }): { backend: BackendPreference; threads: number | undefined } {
  const backend = parseBackend(values.backend ?? 'auto');
  const wasmPossible = backend === 'auto' || backend === 'wasm' || (Array.isArray(backend) && backend.includes('wasm'));
  if (values.threads !== undefined && !wasmPossible) throw new UsageError(`--threads applies to --backend wasm only (it sets the wasm threads), got --backend ${values.backend}`);
  const threads = values.threads === undefined ? undefined : intOption(values.threads, 'threads', 0, 1);
  return { backend, threads };
}

/**
 * `selectBackend` for a command: makes the first usable backend of `backend` TensorFlow.js's
 * active backend, printing to stderr each backend passed over and why, the one chosen (one line
 * each), and any warning (wasm without its threads). With `training`, also registers tfjs's
 * gradient functions and, on wasm, cellmask's training kernels.
 */
export async function useBackend(backend: BackendPreference, threads: number | undefined, io: CommandIO, training = false): Promise<BackendSelection> {
  const { selectBackend } = await import('../backend/select.js');
  const selection = await selectBackend({
    prefer: backend,
    ...(threads === undefined ? {} : { threads }),
    training,
    log: (message) => io.stderr(`${message}\n`),
  });
  if (selection.warning !== undefined) io.stderr(`warning: ${selection.warning}\n`);
  return selection;
}
