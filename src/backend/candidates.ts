/**
 * The real backend candidates of `selectBackend`, for Node and for a browser. Every package is
 * imported when its candidate is initialized, never before: they are optional peers.
 */
import { type GpuLike, probeDawnAdapter, requestAdapterDescription } from './adapter.js';
import { firstMissing, resolvePackage } from './optional-peer.js';
import type { BackendCandidate, BackendSetup } from './select.js';

/** What the candidates are built with. */
export interface CandidateOptions {
  /** Threads of the wasm backend (default: every core in Node; the browser's default there). */
  readonly threads?: number;
  /** Dawn's adapter toggles in Node (`backend=opengles`), for `webgpu`. */
  readonly adapterOptions?: readonly string[];
}

/** Whether this runs in Node (else: a browser or a browser-like worker). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

type TfCore = typeof import('@tensorflow/tfjs-core');

/** Makes `name` the active backend of TensorFlow.js; throws if it fails to initialize. */
async function activate(name: string): Promise<TfCore> {
  const tf = await import('@tensorflow/tfjs-core');
  if (!(await tf.setBackend(name))) throw new Error(`TensorFlow.js's ${name} backend failed to initialize`);
  await tf.ready();
  return tf;
}

/** "N thread(s)". */
function threadWords(threads: number): string {
  return `${threads} thread${threads === 1 ? '' : 's'}`;
}

/** Why `pkg` is not usable when installed without its native addon, or undefined when it has it. */
export async function nativeAddonReason(pkg: string, packageRoot: URL): Promise<string | undefined> {
  const { readdir } = await import('node:fs/promises');
  const lib = new URL('lib/', packageRoot);
  const napi = await readdir(lib).then((entries) => entries.filter((e) => e.startsWith('napi-v')), () => []);
  for (const dir of napi) {
    const files = await readdir(new URL(`${dir}/`, lib)).catch((): string[] => []);
    if (files.includes('tfjs_binding.node')) return undefined;
  }
  return `${pkg} is installed without its native addon (no lib/napi-v*/tfjs_binding.node: its install script downloads libtensorflow, see TFJS_NODE_CDN_STORAGE)`;
}

/** tfjs-node or tfjs-node-gpu: libtensorflow through tfjs's `tensorflow` backend. */
function tfjsNode(name: 'tfjs-node' | 'tfjs-node-gpu'): BackendCandidate {
  const pkg = `@tensorflow/${name}`;
  return {
    name,
    async available() {
      const entry = resolvePackage(pkg);
      if (entry === undefined) return `${pkg} is not installed (npm install ${pkg})`;
      // The entry is <root>/dist/index.js.
      return nativeAddonReason(pkg, new URL('../', entry));
    },
    async init() {
      await import(pkg);
      await activate('tensorflow');
      return { detail: `tensorflow (libtensorflow through ${pkg}${name === 'tfjs-node-gpu' ? ', CUDA' : ', CPU'})` };
    },
  };
}

/** WebGPU in Node: Dawn (the optional peer `webgpu`), set up by `initWebGpuBackendNode`. */
function webgpuNode(options: CandidateOptions): BackendCandidate {
  const { adapterOptions } = options;
  return {
    name: 'webgpu',
    async available() {
      const missing = firstMissing(['webgpu', '@tensorflow/tfjs-backend-webgpu']);
      return missing === undefined ? undefined : `${missing} is not installed (npm install webgpu @tensorflow/tfjs-backend-webgpu)`;
    },
    adapter: () => probeDawnAdapter(adapterOptions),
    async init() {
      const { initWebGpuBackendNode } = await import('./webgpu-node.js');
      const { adapter } = await initWebGpuBackendNode(adapterOptions === undefined ? {} : { adapterOptions });
      return { detail: `webgpu (${adapter} via Dawn)`, adapter };
    },
  };
}

/** wasm in Node, threads on (`initWasmBackendNode`). */
function wasmNode(options: CandidateOptions): BackendCandidate {
  return {
    name: 'wasm',
    async available() {
      return firstMissing(['@tensorflow/tfjs-backend-wasm']) === undefined ? undefined : '@tensorflow/tfjs-backend-wasm is not installed (npm install @tensorflow/tfjs-backend-wasm)';
    },
    async init() {
      const { initWasmBackendNode } = await import('./wasm-node.js');
      const info = await initWasmBackendNode(options.threads === undefined ? {} : { threads: options.threads });
      const setup: BackendSetup = { detail: `wasm (${threadWords(info.threads)})` };
      const warned = info.fallbackReason !== undefined && options.threads !== 1;
      return warned ? { ...setup, warning: `wasm runs on one thread: ${info.fallbackReason}` } : setup;
    },
  };
}

/** The cpu backend: plain JavaScript, on every platform. */
function cpu(): BackendCandidate {
  return {
    name: 'cpu',
    async available() {
      return isNode() && firstMissing(['@tensorflow/tfjs-backend-cpu']) !== undefined ? '@tensorflow/tfjs-backend-cpu is not installed (npm install @tensorflow/tfjs-backend-cpu)' : undefined;
    },
    async init() {
      await import('@tensorflow/tfjs-backend-cpu');
      await activate('cpu');
      return { detail: 'cpu' };
    },
  };
}

/** `navigator.gpu` in a browser, if there is one. */
function browserGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

/** WebGPU in a browser, through `navigator.gpu`. */
function webgpuBrowser(): BackendCandidate {
  const adapter = async () => {
    const gpu = browserGpu();
    if (gpu === undefined) throw new Error('this browser has no navigator.gpu (WebGPU)');
    const described = await requestAdapterDescription(gpu);
    if (described === undefined) throw new Error('navigator.gpu found no WebGPU adapter');
    return described;
  };
  return {
    name: 'webgpu',
    async available() {
      return browserGpu() === undefined ? 'this browser has no navigator.gpu (WebGPU)' : undefined;
    },
    adapter,
    async init() {
      const described = await adapter();
      await import('@tensorflow/tfjs-backend-webgpu');
      await activate('webgpu');
      return { detail: `webgpu (${described})`, adapter: described };
    },
  };
}

/** WebGL in a browser. */
function webgl(): BackendCandidate {
  return {
    name: 'webgl',
    async available() {
      const g = globalThis as { document?: unknown; OffscreenCanvas?: unknown };
      return g.document === undefined && g.OffscreenCanvas === undefined ? 'no canvas here (neither document nor OffscreenCanvas)' : undefined;
    },
    async init() {
      await import('@tensorflow/tfjs-backend-webgl');
      await activate('webgl');
      return { detail: 'webgl' };
    },
  };
}

/** wasm in a browser; the application sets where the .wasm files are (`setWasmPaths`). */
function wasmBrowser(options: CandidateOptions): BackendCandidate {
  return {
    name: 'wasm',
    async available() {
      return typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object' ? undefined : 'this browser has no WebAssembly';
    },
    async init() {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.threads !== undefined) wasm.setThreadsCount(options.threads);
      await activate('wasm');
      return { detail: `wasm (${threadWords(wasm.getThreadsCount())})` };
    },
  };
}

/**
 * This platform's candidates in `auto`'s order: in Node tfjs-node-gpu, tfjs-node, webgpu (Dawn),
 * wasm, cpu; in a browser webgpu (`navigator.gpu`), webgl, wasm, cpu.
 */
export function backendCandidates(options: CandidateOptions = {}): BackendCandidate[] {
  if (isNode()) return [tfjsNode('tfjs-node-gpu'), tfjsNode('tfjs-node'), webgpuNode(options), wasmNode(options), cpu()];
  return [webgpuBrowser(), webgl(), wasmBrowser(options), cpu()];
}
