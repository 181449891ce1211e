/**
 * The URLs of the wasm binaries in the built site: Vite copies each file a `?url` import names
 * into the build and gives its URL, so the page serves its own binaries (instead of the
 * libraries' default, a CDN).
 */
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import ortMjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

/** For tfjs-backend-wasm's `setWasmPaths`: each binary's name to its URL. */
export const WASM_FILE_URLS = {
  'tfjs-backend-wasm.wasm': plain,
  'tfjs-backend-wasm-simd.wasm': simd,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd,
} as const;

/**
 * onnxruntime-web's wasm build (SIMD, threads when the page is cross-origin isolated): the binary
 * and the Emscripten module that loads it, relative to the page (`env.wasm.wasmPaths` wants them absolute).
 */
export const ORT_WASM_FILE_URLS = { wasm: ortWasm, mjs: ortMjs } as const;
