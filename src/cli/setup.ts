/**
 * What the model commands (`predict`, `train`) share: the config from `--config` and `--set`,
 * and the TensorFlow.js backend from `--backend` / `--threads`.
 *
 * TensorFlow.js and its backends are optional peers of the package, so they are imported only
 * when a command that needs them runs; a missing one is named with the command that needs it.
 */
import { stat } from 'node:fs/promises';

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
  for (const assignment of assignments) {
    try {
      cfg = setConfigValues(cfg, [assignment]);
    } catch (error) {
      throw new UsageError(`--set ${assignment}: ${(error as Error).message.replace(/^setConfigValues?(\([^)]*\))?: /, '')}`);
    }
  }
  if (assignments.length > 0) {
    try {
      validateConfig(cfg, `--config ${name} with the --set values`);
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/^validateConfig: /, ''));
    }
  }
  return cfg;
}

/** Node's error for a package that is not installed, recognised by its code and the package's name. */
function isMissingPackage(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${pkg}`);
}

/**
 * Runs `load`, turning "package `pkg` not found" into an error that says what needs it and how
 * to install it.
 */
export async function withOptionalPeer<T>(pkg: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, pkg)) throw error;
    throw new Error(`${purpose} needs the optional peer dependency ${pkg}, which is not installed (npm install ${pkg})`, { cause: error });
  }
}

export type Backend = 'wasm' | 'cpu';

/** The backend options every model command takes, for its help text. */
export const BACKEND_HELP = `  --backend wasm|cpu    TensorFlow.js backend (default wasm); each is an optional peer
                        dependency: @tensorflow/tfjs-backend-wasm, @tensorflow/tfjs-backend-cpu
  --threads N           threads of the wasm backend (default: every core)`;

/** `--backend` and `--threads`, checked. */
export function backendOptions(values: { backend?: string; threads?: string }): { backend: Backend; threads: number | undefined } {
  const backend = (values.backend ?? 'wasm') as Backend;
  if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got "${backend}"`);
  if (values.threads !== undefined && backend !== 'wasm') throw new UsageError('--threads applies to --backend wasm only');
  const threads = values.threads === undefined ? undefined : intOption(values.threads, 'threads', 0, 1);
  return { backend, threads };
}

/**
 * Makes `backend` TensorFlow.js's active backend; returns it in words for the summary. With
 * `training`, also registers tfjs's gradient functions (the union package `@tensorflow/tfjs`)
 * and, on wasm, cellmask's training kernels.
 */
export async function useBackend(backend: Backend, threads: number | undefined, io: CommandIO, training = false): Promise<string> {
  const purpose = training ? 'cellmask train' : 'cellmask predict';
  const tf = await withOptionalPeer('@tensorflow/tfjs-core', purpose, () => import('@tensorflow/tfjs-core'));
  if (training) await withOptionalPeer('@tensorflow/tfjs', `${purpose} (for its gradient functions)`, () => import('@tensorflow/tfjs'));
  if (backend === 'cpu') {
    // Importing the package registers the backend.
    await withOptionalPeer('@tensorflow/tfjs-backend-cpu', '--backend cpu', () => import('@tensorflow/tfjs-backend-cpu'));
    if (!(await tf.setBackend('cpu'))) throw new Error('--backend cpu: the cpu backend failed to initialize');
    await tf.ready();
    return 'cpu';
  }
  const { initWasmBackendNode, registerWasmTrainingKernels } = await import('../backend/index.js');
  const info = await withOptionalPeer('@tensorflow/tfjs-backend-wasm', '--backend wasm', () =>
    initWasmBackendNode(threads === undefined ? {} : { threads }),
  );
  if (info.fallbackReason !== undefined && threads !== 1) io.stderr(`warning: wasm runs on one thread: ${info.fallbackReason}\n`);
  if (training) registerWasmTrainingKernels();
  return `wasm (${info.threads} thread${info.threads === 1 ? '' : 's'})`;
}
