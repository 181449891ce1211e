/**
 * TensorFlow.js's WebGPU backend in Node, through Dawn's Node bindings (the npm package
 * `webgpu`).
 *
 * `@tensorflow/tfjs-backend-webgpu` registers its backend on import only when
 * `globalThis.navigator.gpu` exists, and its factory then calls
 * `navigator.gpu.requestAdapter({ powerPreference })` itself. Node has no `navigator` (20) or one
 * without `gpu` (21+), so this module gives it one backed by Dawn before importing the backend:
 * Dawn's WebGPU globals (`GPUBufferUsage`, ...), and a `gpu` whose `requestAdapter` returns the
 * adapter that was found to work here. Tried in order: Dawn's default (Vulkan on Linux: the GPU
 * machines), then OpenGL ES in WebGPU's compatibility mode (`featureLevel: 'compatibility'`),
 * which on a machine without a GPU runs on Mesa's llvmpipe (slowly, but the same shaders): that
 * one needs `EGL_PLATFORM=surfaceless` (set here when unset) to start without a display.
 *
 * The kernels cellmask needs that the backend lacks are registered by `registerWebGpuKernels`
 * (called here): RoIAlign and its gradient on the GPU (the JavaScript RoIAlign reads the
 * features back synchronously, which the WebGPU backend cannot do in Node).
 */
import * as tf from '@tensorflow/tfjs-core';

import { withOptionalPeer } from './optional-peer.js';
import { registerWebGpuKernels } from './webgpu/register.js';

/** Options of `initWebGpuBackendNode`. */
export interface WebGpuBackendOptions {
  /**
   * Dawn toggles to try, in order, each a list for `webgpu`'s `create` (e.g. `['backend=vulkan']`);
   * default: Dawn's default backend, then `['backend=opengles']` in compatibility mode.
   */
  readonly adapterOptions?: readonly string[];
}

/** What `initWebGpuBackendNode` set up. */
export interface WebGpuBackendInfo {
  /** The adapter in words: vendor, architecture, device, description, and the Dawn options that found it. */
  readonly adapter: string;
}

const WEBGPU_PACKAGE = 'webgpu';
const BACKEND_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/** The part of Dawn's `GPU` object used here (Node's lib has no WebGPU types). */
interface DawnGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<DawnAdapter | null>;
  getPreferredCanvasFormat?(): string;
  wgslLanguageFeatures?: unknown;
}
interface DawnAdapter {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}
interface DawnModule {
  create(options: string[]): DawnGpu;
  globals: object;
}

/** One way of asking Dawn for an adapter. */
interface AdapterRoute {
  /** `create`'s options. */
  readonly dawn: readonly string[];
  /** Extra `requestAdapter` options (the feature level). */
  readonly request: Readonly<Record<string, unknown>>;
}

/** The default routes: Dawn's own backend choice at full WebGPU, then OpenGL ES in compatibility mode. */
function defaultRoutes(): AdapterRoute[] {
  return [
    { dawn: [], request: {} },
    { dawn: ['backend=opengles'], request: { featureLevel: 'compatibility' } },
  ];
}

/** Routes for the toggles a caller gave: OpenGL ES ones in compatibility mode (full WebGPU is not offered there). */
function routesOf(adapterOptions: readonly string[]): AdapterRoute[] {
  const gles = adapterOptions.some((o) => /^backend=(opengles|opengl)$/.test(o));
  return [{ dawn: adapterOptions, request: gles ? { featureLevel: 'compatibility' } : {} }];
}

/** The adapter in words. */
function describeAdapter(adapter: DawnAdapter, route: AdapterRoute): string {
  const info = adapter.info ?? {};
  const words = [info.vendor, info.architecture, info.device, info.description].filter((w) => w !== undefined && w !== '');
  const how = route.dawn.length === 0 ? 'Dawn default backend' : route.dawn.join(' ');
  const level = route.request.featureLevel === 'compatibility' ? ', compatibility mode' : '';
  return `${[...new Set(words)].join(' ') || 'unnamed adapter'} (${how}${level})`;
}

/** The first route that gives an adapter, and its `GPU`; the tries that failed, in words, when none does. */
async function findAdapter(dawn: DawnModule, routes: readonly AdapterRoute[]): Promise<{ gpu: DawnGpu; route: AdapterRoute; adapter: DawnAdapter } | string[]> {
  const failures: string[] = [];
  for (const route of routes) {
    try {
      const gpu = dawn.create([...route.dawn]);
      const adapter = await gpu.requestAdapter({ ...route.request });
      if (adapter !== null) return { gpu, route, adapter };
      failures.push(`[${route.dawn.join(' ') || 'default'}]: no adapter`);
    } catch (error) {
      failures.push(`[${route.dawn.join(' ') || 'default'}]: ${(error as Error).message}`);
    }
  }
  return failures;
}

/**
 * `navigator.gpu` for tfjs-backend-webgpu: `gpu` with `requestAdapter` asking along `route`
 * (the backend passes only a power preference), and the two members the backend may read.
 */
function installNavigator(gpu: DawnGpu, route: AdapterRoute): void {
  const wrapped = {
    requestAdapter: (options?: Record<string, unknown>) => gpu.requestAdapter({ ...options, ...route.request }),
    getPreferredCanvasFormat: () => gpu.getPreferredCanvasFormat?.() ?? 'rgba8unorm',
    get wgslLanguageFeatures() {
      return gpu.wgslLanguageFeatures ?? new Set<string>();
    },
  };
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped }, configurable: true, writable: true });
  } else {
    Object.defineProperty(existing, 'gpu', { value: wrapped, configurable: true, writable: true });
  }
}

/**
 * Makes `webgpu` TensorFlow.js's active backend in Node, on Dawn (see the module comment), and
 * registers cellmask's WebGPU kernels. Call it once, before any other use of the backend. Needs
 * the optional peers `webgpu` (0.6) and `@tensorflow/tfjs-backend-webgpu` (4.22).
 *
 * @throws when a package is missing (naming it), when no adapter is found (listing each try), or
 *   when the backend fails to start.
 */
export async function initWebGpuBackendNode(options: WebGpuBackendOptions = {}): Promise<WebGpuBackendInfo> {
  const op = 'initWebGpuBackendNode';
  if (typeof process === 'undefined' || process.versions?.node === undefined) {
    throw new Error(`${op}: this runs in Node only; in a browser import ${BACKEND_PACKAGE} and call tf.setBackend("webgpu")`);
  }
  if (options.adapterOptions !== undefined && (!Array.isArray(options.adapterOptions) || options.adapterOptions.some((o) => typeof o !== 'string'))) {
    throw new Error(`${op}: adapterOptions: expected an array of Dawn toggles such as ['backend=vulkan'], got ${JSON.stringify(options.adapterOptions)}`);
  }
  // Dawn's OpenGL ES backend opens EGL, which without this looks for a display.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const purpose = 'the WebGPU backend in Node';
  const dawn = await withOptionalPeer(WEBGPU_PACKAGE, purpose, async () => (await import(WEBGPU_PACKAGE)) as DawnModule);
  const routes = options.adapterOptions === undefined ? defaultRoutes() : routesOf(options.adapterOptions);
  const found = await findAdapter(dawn, routes);
  if (Array.isArray(found)) {
    throw new Error(`${op}: no WebGPU adapter found; tried ${found.join('; ')}. On a GPU machine, Vulkan needs the GPU's driver and loader (../shared/tools/gpu/README.md)`);
  }
  Object.assign(globalThis, dawn.globals);
  installNavigator(found.gpu, found.route);
  await withOptionalPeer(BACKEND_PACKAGE, purpose, () => import(BACKEND_PACKAGE));
  if (tf.findBackendFactory('webgpu') === null) {
    throw new Error(`${op}: ${BACKEND_PACKAGE} did not register the 'webgpu' backend (it was imported before navigator.gpu existed: import it only through ${op})`);
  }
  registerWebGpuKernels();
  if (!(await tf.setBackend('webgpu'))) throw new Error(`${op}: the webgpu backend failed to initialize on ${describeAdapter(found.adapter, found.route)}`);
  await tf.ready();
  return { adapter: describeAdapter(found.adapter, found.route) };
}
