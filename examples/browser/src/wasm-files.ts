/**
 * The URLs of tfjs-backend-wasm's binaries in the built site: Vite copies each file a `?url`
 * import names into the build and gives its URL, so the page serves its own binaries (instead of
 * tfjs's default, a CDN).
 */
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** For `setWasmPaths`: each binary's name to its URL. */
export const WASM_FILE_URLS = {
  'tfjs-backend-wasm.wasm': plain,
  'tfjs-backend-wasm-simd.wasm': simd,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd,
} as const;
