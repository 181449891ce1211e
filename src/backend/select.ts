/**
 * Choosing TensorFlow.js's backend: `selectBackend` tries the candidates in order (the default
 * order, or the caller's), passes over the ones that cannot run here with the reason, and makes
 * the first that can the active backend. `resolveBackend` makes the same choice without
 * initializing anything, for a thread that only hands the name on to workers.
 *
 * The decision logic takes its candidates as plain objects (`BackendCandidate`), so that it can
 * be tested without the packages; `backendCandidates` builds the real ones.
 */
import { isSoftwareAdapter } from './adapter.js';
import { backendCandidates, isNode } from './candidates.js';
import { isMissingPackage, withOptionalPeer } from './optional-peer.js';

/** The backends, in the order `auto` tries them (those that apply to the platform). */
export const BACKEND_NAMES = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;

/**
 * A backend: `tfjs-node-gpu` and `tfjs-node` (libtensorflow, Node; both are tfjs's `tensorflow`
 * backend), `webgpu` (Dawn in Node, `navigator.gpu` in a browser), `webgl` (browser), `wasm`,
 * `cpu` (plain JavaScript).
 */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What to try: `auto` (the default order), one backend, or several in the order given. */
export type BackendPreference = 'auto' | BackendName | readonly BackendName[];

/** What a candidate set up. */
export interface BackendSetup {
  /** The backend in words: `wasm (2 threads)`, `webgpu (OpenGL ES 3.2 Mesa ... via Dawn)`. */
  readonly detail: string;
  /** The GPU adapter it runs on, in words (WebGPU), for the software-adapter rule. */
  readonly adapter?: string;
  /** Something the user should know that did not stop it (wasm without its threads). */
  readonly warning?: string;
}

/** One backend `selectBackend` may choose. */
export interface BackendCandidate {
  readonly name: BackendName;
  /**
   * Why it cannot run here (a package not installed, no `navigator.gpu`), told without
   * initializing TensorFlow.js; undefined when it may be tried.
   */
  available(): Promise<string | undefined>;
  /**
   * The GPU adapter it would run on, in words, found without initializing TensorFlow.js (asked
   * under `auto`, for the software-adapter rule); throws, with the reason, when there is none.
   */
  adapter?(): Promise<string>;
  /** Makes it TensorFlow.js's active backend; throws, with the reason, when it cannot. */
  init(): Promise<BackendSetup>;
}

/** A backend that was not chosen, and why. */
export interface PassedOver {
  readonly name: BackendName;
  readonly reason: string;
}

/** What `selectBackend` chose. */
export interface BackendSelection {
  readonly name: BackendName;
  /** TensorFlow.js's name of the active backend (`tf.getBackend()`): `tensorflow` for tfjs-node(-gpu). */
  readonly tfBackend: string;
  readonly detail: string;
  /** The candidates tried before it, in order, with the reason each was not used. */
  readonly passedOver: readonly PassedOver[];
  readonly warning?: string;
}

/** What `resolveBackend` chose: the backend to initialize, nothing initialized yet. */
export interface BackendResolution {
  readonly name: BackendName;
  readonly passedOver: readonly PassedOver[];
}

/** Options of `resolveBackend`. */
export interface ResolveBackendOptions {
  /** What to try (default `auto`). A backend named here may run on a software GPU adapter. */
  readonly prefer?: BackendPreference;
  /** Threads of the wasm backend (default: every core in Node; the browser's default there). */
  readonly threads?: number;
  /** Dawn's adapter toggles in Node (`backend=opengles`), for `webgpu`. */
  readonly adapterOptions?: readonly string[];
  /** Called with one line per candidate tried: chosen, or passed over and why. */
  readonly log?: (message: string) => void;
  /** The candidates, in default order (default: `backendCandidates` for this platform). */
  readonly candidates?: readonly BackendCandidate[];
}

/** Options of `selectBackend`. */
export interface SelectBackendOptions extends ResolveBackendOptions {
  /**
   * Also set up what training needs: tfjs's gradient functions (the union package
   * `@tensorflow/tfjs`) and, on wasm, cellmask's faster training kernels.
   */
  readonly training?: boolean;
}

/** The names to try, and whether the caller named them (which lifts the software-adapter rule). */
function plan(prefer: BackendPreference | undefined, candidates: readonly BackendCandidate[]): { names: readonly BackendName[]; byName: boolean } {
  if (prefer === undefined || prefer === 'auto') return { names: candidates.map((c) => c.name), byName: false };
  const names: readonly string[] = typeof prefer === 'string' ? [prefer] : prefer;
  if (names.length === 0) throw new Error('selectBackend: prefer is an empty list; give at least one backend, or auto');
  for (const name of names) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new Error(`selectBackend: unknown backend "${name}"; expected auto or one of ${BACKEND_NAMES.join(', ')}`);
    }
  }
  return { names: names as readonly BackendName[], byName: true };
}

/** Why the software adapter `adapter` is passed over when `auto` meets it. */
function softwareReason(adapter: string): string {
  return `the adapter is a software renderer on the CPU (${adapter}), slower than wasm; ask for webgpu by name to use it anyway`;
}

/**
 * Under `auto` (`byName` false), the candidate's adapter when it is a software one, asked for
 * before anything is initialized; undefined otherwise. Throws when the candidate finds no adapter.
 */
async function softwareAdapter(candidate: BackendCandidate, byName: boolean): Promise<string | undefined> {
  if (byName || candidate.adapter === undefined) return undefined;
  const adapter = await candidate.adapter();
  return isSoftwareAdapter(adapter) ? adapter : undefined;
}

/** The error when nothing could be chosen: the one reason when one backend was asked for, else all of them. */
function noBackendError(passedOver: readonly PassedOver[], exactlyOne: boolean): Error {
  if (exactlyOne) return new Error(`selectBackend: ${passedOver[0].name} was asked for, but ${passedOver[0].reason}`);
  const reasons = passedOver.map((p) => `${p.name}: ${p.reason}`).join('; ');
  return new Error(`selectBackend: none of the backends could be used (${reasons})`);
}

/** The candidate named `name`, or why there is none on this platform. */
function candidateOf(name: BackendName, candidates: readonly BackendCandidate[]): BackendCandidate | string {
  const candidate = candidates.find((c) => c.name === name);
  if (candidate !== undefined) return candidate;
  return `not a backend of this platform (${isNode() ? 'Node' : 'a browser'}: ${candidates.map((c) => c.name).join(', ')})`;
}

/** An error's message, with "not installed" said plainly for a missing package. */
function reasonOf(error: unknown, candidate: BackendName): string {
  const message = error instanceof Error ? error.message : String(error);
  const pkg = /Cannot find (?:package|module) '([^']+)'/.exec(message)?.[1];
  if (pkg !== undefined && isMissingPackage(error, pkg)) return `${pkg} is not installed (npm install ${pkg})`;
  return message === '' ? `${candidate} failed without a message` : message;
}

/**
 * Walks the plan: each candidate is checked with `available`, then `probe` decides whether it is
 * the one (a reason when it is not). Stops at the first that is.
 */
async function walk<T>(
  options: ResolveBackendOptions,
  probe: (candidate: BackendCandidate, byName: boolean) => Promise<{ chosen: T; line: string } | { reason: string }>,
): Promise<{ chosen: T; passedOver: PassedOver[] }> {
  const candidates = options.candidates ?? backendCandidates(options);
  const { names, byName } = plan(options.prefer, candidates);
  const passedOver: PassedOver[] = [];
  const passOver = (name: BackendName, reason: string) => {
    passedOver.push({ name, reason });
    options.log?.(`backend ${name}: passed over: ${reason}`);
  };
  for (const name of names) {
    const candidate = candidateOf(name, candidates);
    if (typeof candidate === 'string') {
      passOver(name, candidate);
      continue;
    }
    const unavailable = await candidate.available().catch((error: unknown) => reasonOf(error, name));
    if (unavailable !== undefined) {
      passOver(name, unavailable);
      continue;
    }
    const outcome = await probe(candidate, byName).catch((error: unknown) => ({ reason: reasonOf(error, name) }));
    if ('reason' in outcome) {
      passOver(name, outcome.reason);
      continue;
    }
    options.log?.(`backend ${name}: chosen: ${outcome.line}`);
    return { chosen: outcome.chosen, passedOver };
  }
  throw noBackendError(passedOver, byName && names.length === 1);
}

/**
 * The backend `selectBackend` would choose, without initializing TensorFlow.js or any backend:
 * packages are looked for and, under `auto`, a WebGPU adapter is asked for (a software one is
 * passed over), nothing more. A backend chosen so can still fail when it is initialized
 * (a broken install): initialize it with `selectBackend({ prefer: name })`, which says why.
 * @throws Error naming why, when no candidate is left (with the one reason when one was asked for).
 */
export async function resolveBackend(options: ResolveBackendOptions = {}): Promise<BackendResolution> {
  const { chosen, passedOver } = await walk<BackendName>(options, async (candidate, byName) => {
    const software = await softwareAdapter(candidate, byName);
    if (software !== undefined) return { reason: softwareReason(software) };
    return { chosen: candidate.name, line: candidate.name };
  });
  return { name: chosen, passedOver };
}

/** TensorFlow.js's core, or an error that names the missing peer. */
function importTfCore(): Promise<typeof import('@tensorflow/tfjs-core')> {
  return withOptionalPeer('@tensorflow/tfjs-core', 'selectBackend', () => import('@tensorflow/tfjs-core'));
}

/** Registers tfjs's gradient functions (the union package), naming it when it is missing. */
async function importGradients(): Promise<void> {
  await withOptionalPeer('@tensorflow/tfjs', 'selectBackend (training, for the gradient functions)', () => import('@tensorflow/tfjs'));
}

/**
 * Makes the first usable backend of `options.prefer` (default `auto`: tfjs-node-gpu, tfjs-node,
 * webgpu, wasm, cpu in Node; webgpu, webgl, wasm, cpu in a browser) TensorFlow.js's active
 * backend, and returns it with the reasons the ones before it were passed over (also logged, one
 * line per candidate tried, through `options.log`). A candidate that fails to initialize is
 * passed over with its error, and the next one is tried. Under `auto`, WebGPU on a software
 * adapter (llvmpipe, lavapipe, SwiftShader) is passed over too: it is the CPU, slower than wasm.
 * The adapter is asked for before the backend is initialized, and checked again after (a
 * backend passed over after initializing stays registered with TensorFlow.js, inactive).
 * @throws Error naming why, when no candidate is left: with one backend asked for, its reason.
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const tf = await importTfCore();
  if (options.training === true) await importGradients();
  const { chosen, passedOver } = await walk<{ name: BackendName; setup: BackendSetup }>(options, async (candidate, byName) => {
    const software = await softwareAdapter(candidate, byName);
    if (software !== undefined) return { reason: softwareReason(software) };
    const setup = await candidate.init();
    if (!byName && setup.adapter !== undefined && isSoftwareAdapter(setup.adapter)) return { reason: softwareReason(setup.adapter) };
    return { chosen: { name: candidate.name, setup }, line: setup.detail };
  });
  if (options.training === true && chosen.name === 'wasm') {
    const { registerWasmTrainingKernels } = await import('./wasm-training/register.js');
    registerWasmTrainingKernels();
  }
  const { name, setup } = chosen;
  const selection = { name, tfBackend: tf.getBackend(), detail: setup.detail, passedOver };
  return setup.warning === undefined ? selection : { ...selection, warning: setup.warning };
}
