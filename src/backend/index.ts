/**
 * `cellmask/backend`: setting up a TensorFlow.js backend. Nothing is registered on import; the
 * application calls what it wants.
 */
export { type WasmBackendInfo, type WasmBackendOptions, initWasmBackendNode } from './wasm-node.js';
export { type WebGpuBackendInfo, type WebGpuBackendOptions, initWebGpuBackendNode } from './webgpu-node.js';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './wasm-training/register.js';
export {
  type BackendCandidate,
  type BackendName,
  type BackendPreference,
  type BackendResolution,
  type BackendSelection,
  type BackendSetup,
  type PassedOver,
  type ResolveBackendOptions,
  type SelectBackendOptions,
  BACKEND_NAMES,
  resolveBackend,
  selectBackend,
} from './select.js';
export { type CandidateOptions, backendCandidates } from './candidates.js';
export { describeAdapter, isSoftwareAdapter } from './adapter.js';
