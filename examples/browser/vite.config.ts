/**
 * Vite's config for the browser demo: `npx vite examples/browser` serves it, `npx vite build
 * examples/browser` writes the static site to examples/browser/dist/. Relative URLs (`base: './'`)
 * let the built site be served from any folder. The wasm binaries (tfjs-backend-wasm's and
 * onnxruntime-web's) enter the build through the `?url` imports of src/wasm-files.ts; public/
 * (the demo model, its config and the example image) is copied as it is.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  publicDir: resolve(here, 'public'),
  build: { outDir: resolve(here, 'dist'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
  // The page imports the library from the repository's src/, outside this folder.
  server: { fs: { allow: [resolve(here, '../..')] } },
});
