/**
 * WebGPU adapters, looked at without TensorFlow.js: what one is in words, whether it is a
 * software rasterizer (the CPU posing as a GPU), and asking Dawn (Node) or `navigator.gpu`
 * (browser) for one.
 */

/** The fields of `GPUAdapterInfo` read here (all strings, often empty: browsers hide some). */
export interface AdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  /** True for the browser's or Dawn's own fallback (software) adapter. */
  readonly isFallbackAdapter?: boolean;
}

/** The part of `GPU` (WebGPU's `navigator.gpu`) used here. */
export interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<{ readonly info?: AdapterInfoLike } | null>;
}

/**
 * Renderers that run on the CPU: Mesa's llvmpipe (OpenGL) and lavapipe (Vulkan), Google's
 * SwiftShader (Chrome's and Dawn's fallback), Microsoft's WARP.
 */
const SOFTWARE_RENDERERS = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render|\bwarp\b/i;

/** The adapter in words: its description, then the device and vendor where they add something. */
export function describeAdapter(info: AdapterInfoLike): string {
  const parts = [info.description, info.device, info.vendor, info.architecture].filter((s): s is string => typeof s === 'string' && s.trim() !== '');
  const unique = parts.filter((part, i) => parts.findIndex((other) => other.includes(part)) === i);
  const words = unique.length === 0 ? 'unnamed adapter' : unique.length === 1 ? unique[0] : `${unique[0]} (${unique.slice(1).join(', ')})`;
  return info.isFallbackAdapter === true ? `${words}, fallback adapter` : words;
}

/** Whether an adapter described by `describeAdapter` renders on the CPU. */
export function isSoftwareAdapter(description: string): boolean {
  return SOFTWARE_RENDERERS.test(description) || description.endsWith('fallback adapter');
}

/** Asks `gpu` for an adapter with `request` (a feature level); returns it in words, or undefined when there is none. */
export async function requestAdapterDescription(gpu: GpuLike, request: { featureLevel?: string } = {}): Promise<string | undefined> {
  const adapter = await gpu.requestAdapter(request);
  return adapter === null ? undefined : describeAdapter(adapter.info ?? {});
}

/** One way of asking Dawn (Node) for an adapter. */
export interface DawnRoute {
  /** Dawn's `create` options (toggles such as `backend=opengles`). */
  readonly dawn: readonly string[];
  /** Extra `requestAdapter` options (the feature level). */
  readonly request: { readonly featureLevel?: string };
}

/**
 * The ways to ask Dawn for an adapter: with `adapterOptions` when given (OpenGL ES ones in
 * WebGPU's compatibility mode, the only level Dawn offers there), else Dawn's default backend at
 * full WebGPU and then OpenGL ES in compatibility mode (what a machine without a GPU driver has:
 * Mesa's llvmpipe).
 */
export function dawnRoutes(adapterOptions?: readonly string[]): DawnRoute[] {
  if (adapterOptions === undefined) {
    return [
      { dawn: [], request: {} },
      { dawn: ['backend=opengles'], request: { featureLevel: 'compatibility' } },
    ];
  }
  const gles = adapterOptions.some((o) => /^backend=(opengles|opengl)$/.test(o));
  return [{ dawn: adapterOptions, request: gles ? { featureLevel: 'compatibility' } : {} }];
}

/** A route in words: `default` or its toggles, and the feature level when it is not full WebGPU. */
export function describeRoute(route: DawnRoute): string {
  const how = route.dawn.length === 0 ? 'Dawn default backend' : route.dawn.join(' ');
  return route.request.featureLevel === 'compatibility' ? `${how}, compatibility mode` : how;
}

/**
 * The first of `routes` along which Dawn (`create`, the `webgpu` package's) gives an adapter,
 * with the `GPU` it came from; or the tries that failed, in words, when none does. Dawn's OpenGL
 * ES backend opens EGL, which looks for a display unless `EGL_PLATFORM=surfaceless` (set here
 * when unset).
 */
export async function findDawnAdapter<G extends GpuLike>(
  create: (options: string[]) => G,
  routes: readonly DawnRoute[],
): Promise<{ gpu: G; route: DawnRoute; info: AdapterInfoLike } | string[]> {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const failures: string[] = [];
  for (const route of routes) {
    const tried = `[${route.dawn.join(' ') || 'default'}]`;
    try {
      const gpu = create([...route.dawn]);
      const adapter = await gpu.requestAdapter({ ...route.request });
      if (adapter !== null) return { gpu, route, info: adapter.info ?? {} };
      failures.push(`${tried}: no adapter`);
    } catch (error) {
      failures.push(`${tried}: ${(error as Error).message}`);
    }
  }
  return failures;
}

/**
 * The adapter `initWebGpuBackendNode` would find in Node, in words, asked of Dawn (the optional
 * peer `webgpu`) along the same routes (`dawnRoutes`) and without TensorFlow.js.
 * @throws Error when the package is missing or Dawn finds no adapter.
 */
export async function probeDawnAdapter(adapterOptions?: readonly string[]): Promise<string> {
  const { create } = (await import('webgpu')) as unknown as { create(options: string[]): GpuLike };
  const found = await findDawnAdapter(create, dawnRoutes(adapterOptions));
  if (Array.isArray(found)) throw new Error(`Dawn found no WebGPU adapter (tried ${found.join('; ')})`);
  return `${describeAdapter(found.info)} (${describeRoute(found.route)})`;
}
