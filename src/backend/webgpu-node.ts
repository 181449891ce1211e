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

import { type DawnRoute, type GpuLike, describeAdapter, describeRoute, dawnRoutes, findDawnAdapter } from './adapter.js';
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
interface DawnGpu extends GpuLike {
  getPreferredCanvasFormat?(): string;
  wgslLanguageFeatures?: unknown;
}
interface DawnModule {
  create(options: string[]): DawnGpu;
  globals: object;
}

/**
 * `navigator.gpu` for tfjs-backend-webgpu: `gpu` with `requestAdapter` asking along `route`
 * (the backend passes only a power preference), and the two members the backend may read.
 */
function installNavigator(gpu: DawnGpu, route: DawnRoute): void {
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
  const purpose = 'the WebGPU backend in Node';
  const dawn = await withOptionalPeer(WEBGPU_PACKAGE, purpose, async () => (await import(WEBGPU_PACKAGE)) as DawnModule);
  const found = await findDawnAdapter((toggles) => dawn.create(toggles), dawnRoutes(options.adapterOptions));
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
  const adapter = `${describeAdapter(found.info)} (${describeRoute(found.route)})`;
  if (!(await tf.setBackend('webgpu'))) throw new Error(`${op}: the webgpu backend failed to initialize on ${adapter}`);
  await tf.ready();
  return { adapter };
}
