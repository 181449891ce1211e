/**
 * The toolkit subpaths must stay free of TensorFlow.js: a user who imports `cellmask/rle` or
 * `cellmask/metrics` in a browser should not download tfjs. Each entry is bundled with esbuild
 * and the bundle's inputs are checked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Bundles `entry` as a browser would get it: returns the paths of every module that went in and
 * the external imports left out (Node built-ins).
 */
async function bundle(entry: string): Promise<{ inputs: string[]; externals: string[] }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    // Node's built-ins stay out of the bundle (tfjs-core's Node platform file names some).
    external: ['node:*', ...builtinModules],
    logLevel: 'silent',
    absWorkingDir: root,
    nodePaths: [join(root, 'node_modules')],
  });
  const inputs = result.metafile.inputs;
  const externals = Object.values(inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
  return { inputs: Object.keys(inputs), externals };
}

const tfFree = ['rle', 'metrics', 'structures', 'ensemble'];

describe('subpaths without TensorFlow.js', () => {
  for (const subpath of tfFree) {
    it(`cellmask/${subpath} bundles without any @tensorflow module or Node built-in`, async () => {
      const { inputs, externals } = await bundle(join(root, 'src', subpath, 'index.ts'));
      assert.ok(inputs.some((p) => p.includes(`src/${subpath}/`)), `the bundle holds src/${subpath}`);
      const tf = inputs.filter((p) => p.includes('@tensorflow'));
      assert.deepEqual(tf, [], `cellmask/${subpath} pulls in ${tf.join(', ')}`);
      assert.deepEqual(externals, [], `cellmask/${subpath} should run in a browser but imports ${externals.join(', ')}`);
    });
  }

  it('detects @tensorflow when a module does import it (the check can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellmask-bundle-'));
    const entry = join(dir, 'uses-tf.ts');
    writeFileSync(entry, `import { tensor1d } from '@tensorflow/tfjs-core';\nexport const t = () => tensor1d([1]);\n`);
    const { inputs, externals } = await bundle(entry);
    assert.ok(inputs.some((p) => p.includes('@tensorflow/tfjs-core')));
    assert.ok(externals.includes('util'), 'tfjs-core names Node built-ins, which the check sees');
  });

  it('cellmask/onnx bundles without any @tensorflow module: the ONNX runtime needs no TensorFlow.js', async () => {
    const { inputs, externals } = await bundle(join(root, 'src', 'onnx', 'index.ts'));
    assert.ok(inputs.some((p) => p.includes('src/onnx/runtime.ts')), 'the bundle holds the runtime');
    assert.ok(inputs.some((p) => p.includes('onnx-proto')), 'and the ONNX schema');
    const tf = inputs.filter((p) => p.includes('@tensorflow'));
    assert.deepEqual(tf, [], `cellmask/onnx pulls in ${tf.join(', ')}`);
    // Files (export, load) are Node's; onnxruntime-node is imported by a name held in a variable
    // (esbuild's '<runtime>'), so that a browser bundler leaves it out, only when no runtime is passed.
    const allowed = new Set(['<runtime>', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    assert.deepEqual(externals.filter((e) => !allowed.has(e)), []);
    // The export and the runtime themselves read no file: a browser exports a checkpoint's bytes.
    for (const file of ['export.ts', 'runtime.ts']) {
      const browser = await bundle(join(root, 'src', 'onnx', file));
      assert.deepEqual(browser.externals.filter((e) => e !== '<runtime>'), [], `src/onnx/${file} imports Node modules`);
    }
  });
});
