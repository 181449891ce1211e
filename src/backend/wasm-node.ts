/**
 * The WebAssembly backend of TensorFlow.js with its threads on, in Node.
 *
 * `@tensorflow/tfjs-backend-wasm` 4.22 ships a threaded SIMD build but never uses it in Node:
 * its `WASM_HAS_MULTITHREAD_SUPPORT` flag answers false there (tfjs issue 3830), and the
 * threaded build would hand `worker_threads` two scripts as `blob:` URLs, which Node's `Worker`
 * cannot load. This module turns the flag on and gives Node the same two scripts in forms it
 * can load, both shipped in the package itself: the pthread worker's source (run with
 * `eval: true`) and the Emscripten module file `wasm-out/tfjs-backend-wasm-threaded-simd.js`
 * (read by the worker's `importScripts`). Nothing is written to disk.
 *
 * How: the Emscripten glue assigns `globalThis.Worker = worker_threads.Worker` when it starts
 * (Node has no global `Worker` of its own). An accessor on `globalThis.Worker` hands the glue a
 * subclass of that `Worker` that swaps the `blob:` worker URL for the source, and the `blob`
 * module handle in the worker's "load" message for the module file's path; its workers are
 * unreferenced, so that the thread pool does not keep Node alive. It depends on the
 * glue's internals, so the package version is pinned and `test/backend/wasm-node.test.ts`
 * checks the threaded build runs and computes what the single-threaded one does.
 */
import * as tf from '@tensorflow/tfjs-core';

/** What `initWasmBackendNode` set up. */
export interface WasmBackendInfo {
  /** Threads the backend runs with (1: the single-threaded SIMD build). */
  readonly threads: number;
  /** Why the threaded build was not used, when it was not. */
  readonly fallbackReason?: string;
}

/** Options of `initWasmBackendNode`. */
export interface WasmBackendOptions {
  /** Threads to ask for; default: every core Node reports (`os.availableParallelism()`). 1 disables threads. */
  readonly threads?: number;
}

const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

interface WorkerLike {
  postMessage(message: unknown, transfer?: unknown): void;
  ref(): void;
  unref(): void;
}
type WorkerClass = new (url: string | URL, options?: Record<string, unknown>) => WorkerLike;

/**
 * Installs the `globalThis.Worker` accessor described above (once per process). `workerSource`
 * is the pthread worker's script; `moduleFile` the path of the Emscripten module file.
 */
function installWorkerShim(workerSource: string, moduleFile: string): void {
  const existing = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  if (existing?.get !== undefined && (existing.get as { cellmask?: boolean }).cellmask) return;
  if (existing !== undefined) throw new Error('initWasmBackendNode: globalThis.Worker is already defined; cannot shim it');
  let shim: WorkerClass | undefined;
  const get = () => shim;
  (get as { cellmask?: boolean }).cellmask = true;
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get,
    set(Real: WorkerClass) {
      shim = class extends Real {
        constructor(url: string | URL, options?: Record<string, unknown>) {
          const isBlob = String(url).startsWith('blob:');
          super(isBlob ? workerSource : url, isBlob ? { ...options, eval: true } : options);
          this.unref();
        }

        /**
         * The pool's threads live as long as the backend and only ever wait for work from the
         * main thread: they must not keep Node running once the program is done (Emscripten
         * refs a worker while it runs a pthread, which for a thread pool is forever).
         */
        override ref(): void {}

        override postMessage(message: unknown, transfer?: unknown): void {
          const m = message as { cmd?: unknown; urlOrBlob?: unknown };
          if (m !== null && typeof m === 'object' && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') {
            super.postMessage({ ...m, urlOrBlob: moduleFile }, transfer);
          } else {
            super.postMessage(message, transfer);
          }
        }
      };
    },
  });
}

/**
 * Registers nothing on import; call this once, before any other use of the wasm backend, to make
 * `wasm` the active backend in Node with its threaded SIMD build (falling back to the
 * single-threaded SIMD build, with the reason, if threads cannot start). Needs the optional peer
 * `@tensorflow/tfjs-backend-wasm` (4.22).
 */
export async function initWasmBackendNode(options: WasmBackendOptions = {}): Promise<WasmBackendInfo> {
  if (typeof process === 'undefined' || process.versions?.node === undefined) {
    throw new Error('initWasmBackendNode: this runs in Node only; in a browser use setWasmPaths and tf.setBackend("wasm")');
  }
  const [{ createRequire }, { dirname, join }, { default: os }] = await Promise.all([import('node:module'), import('node:path'), import('node:os')]);
  const require = createRequire(import.meta.url);
  const wasm = (await import(WASM_PACKAGE)) as typeof import('@tensorflow/tfjs-backend-wasm');
  const dist = dirname(require.resolve(`${WASM_PACKAGE}/dist/tfjs-backend-wasm-threaded-simd.wasm`));
  wasm.setWasmPaths(`${dist}/`);

  const wanted = options.threads ?? os.availableParallelism();
  if (!Number.isInteger(wanted) || wanted < 1) throw new Error(`initWasmBackendNode: threads must be an integer >= 1, got ${wanted}`);
  let fallbackReason: string | undefined;
  if (wanted > 1) {
    try {
      const wasmOut = join(dist, '..', 'wasm-out');
      const { wasmWorkerContents } = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
      // As tfjs does before making its Blob: the source holds "\n" escapes that must stay escaped.
      installWorkerShim(wasmWorkerContents.replace(/\n/g, '\\n'), join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js'));
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      wasm.setThreadsCount(wanted);
    } catch (error) {
      fallbackReason = `threaded build unavailable: ${(error as Error).message}`;
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
  } else {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    fallbackReason = 'one thread asked for';
  }
  // tfjs's C side sizes its thread pool as min(asked, logical cores / 2), and Emscripten counts
  // the cores with os.cpus(): while the backend starts (only then), report two per thread asked.
  const cpus = os.cpus;
  if (fallbackReason === undefined) {
    const reported = cpus();
    (os as { cpus: typeof cpus }).cpus = () => Array.from({ length: 2 * wanted }, (_, i) => reported[i % reported.length]);
  }
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('initWasmBackendNode: the wasm backend failed to initialize');
    await tf.ready();
  } finally {
    (os as { cpus: typeof cpus }).cpus = cpus;
  }
  const threads = wasm.getThreadsCount();
  return fallbackReason === undefined ? { threads } : { threads, fallbackReason };
}
