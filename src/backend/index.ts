/**
 * `cellmask/backend`: setting up a TensorFlow.js backend. Nothing is registered on import; the
 * application calls what it wants.
 */
export { type WasmBackendInfo, type WasmBackendOptions, initWasmBackendNode } from './wasm-node.js';
export { type WebGpuBackendInfo, type WebGpuBackendOptions, initWebGpuBackendNode } from './webgpu-node.js';
export { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './wasm-training/register.js';
