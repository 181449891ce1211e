/**
 * The part of onnxruntime's JavaScript API the runtime uses, typed structurally so that
 * `onnxruntime-node` (Node) and `onnxruntime-web` (browsers) both fit and neither is needed to
 * compile against cellmask.
 */
import { withOptionalPeer } from '../backend/optional-peer.js';

/** A tensor as onnxruntime hands it over: CPU data for the CPU provider. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}

/** An inference session over one model. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** Session options cellmask sets (onnxruntime's names). */
export interface OrtSessionOptions {
  /** Providers in order of preference: `'cpu'` (default), `'webgpu'`, `'cuda'`, ... */
  readonly executionProviders?: readonly string[];
  /** Threads of one operator (default: onnxruntime's, the physical cores). */
  readonly intraOpNumThreads?: number;
  readonly interOpNumThreads?: number;
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  readonly enableCpuMemArena?: boolean;
}

/** An onnxruntime module: `onnxruntime-node` or `onnxruntime-web`. */
export interface OrtModule {
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  readonly InferenceSession: {
    create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession>;
  };
}

/** `onnxruntime-node`, or an error that says to install it. Node only. */
export async function loadOnnxRuntimeNode(): Promise<OrtModule> {
  const pkg = 'onnxruntime-node';
  const ort = await withOptionalPeer(pkg, 'the ONNX runtime (--runtime onnx)', () => import(pkg));
  return ((ort as { default?: OrtModule }).default ?? ort) as OrtModule;
}

/** The float32 data of an output, checked. */
export function float32Output(outputs: Record<string, OrtTensor>, name: string): Float32Array {
  const t = outputs[name];
  if (t === undefined || !(t.data instanceof Float32Array)) throw new Error(`onnxruntime returned no float32 output "${name}"`);
  return t.data;
}
