/**
 * The entry of a worker thread whose script is a sibling module of the code that starts it.
 * Compiled (`dist/`), the sibling `<name>.js`. Under tsx (tests, benchmarks, examples) the sibling
 * is `<name>.ts`, but Node 20 does not apply `--import tsx` to a worker's entry module, so the
 * worker starts from a one-line ES module that registers tsx's loader and then imports the `.ts`
 * file.
 *
 * @param importerUrl `import.meta.url` of the module that starts the worker.
 * @param name the sibling's file name without extension (`worker`, `predict-worker`).
 */
export function siblingWorkerEntry(importerUrl: string, name: string): URL {
  if (!importerUrl.endsWith('.ts')) return new URL(`./${name}.js`, importerUrl);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, importerUrl).href;
  const boot = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(entry)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}
