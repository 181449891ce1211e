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
  requestAdapter(options?: { featureLevel?: string }): Promise<{ readonly info?: AdapterInfoLike } | null>;
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

/**
 * The adapter `initWebGpuBackendNode` would find in Node, in words, asked of Dawn (the optional
 * peer `webgpu`) the same ways and without TensorFlow.js: with `adapterOptions` (Dawn toggles,
 * OpenGL ES ones in compatibility mode) when given, else Dawn's default backend and then OpenGL
 * ES in compatibility mode (which needs `EGL_PLATFORM=surfaceless` without a display: set when
 * unset, as `initWebGpuBackendNode` does).
 * @throws Error when the package is missing or Dawn finds no adapter.
 */
export async function probeDawnAdapter(adapterOptions?: readonly string[]): Promise<string> {
  const { create } = (await import('webgpu')) as unknown as { create(options: string[]): GpuLike };
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const compatibility = (toggles: readonly string[]) => toggles.some((t) => /^backend=(opengles|opengl)$/.test(t));
  const routes = adapterOptions === undefined ? [[], ['backend=opengles']] : [adapterOptions];
  for (const toggles of routes) {
    const description = await requestAdapterDescription(create([...toggles]), compatibility(toggles) ? { featureLevel: 'compatibility' } : {});
    if (description !== undefined) return description;
  }
  throw new Error(`Dawn found no WebGPU adapter (tried ${routes.map((t) => `[${t.join(' ') || 'default'}]`).join(', ')})`);
}
