/**
 * The toolkit subpaths must stay free of TensorFlow.js: a user who imports `cellmask/rle` or
 * `cellmask/metrics` in a browser should not download tfjs. Each entry is bundled with esbuild
 * and the bundle's inputs are checked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Bundles `entry` as a browser would get it and returns the paths of every module that went in. */
async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external: ['node:*'],
    logLevel: 'silent',
    absWorkingDir: root,
    nodePaths: [join(root, 'node_modules')],
  });
  return Object.keys(result.metafile.inputs);
}

const tfFree = ['rle', 'metrics', 'structures', 'ensemble'];

describe('subpaths without TensorFlow.js', () => {
  for (const subpath of tfFree) {
    it(`cellmask/${subpath} bundles without any @tensorflow module`, async () => {
      const inputs = await bundledInputs(join(root, 'src', subpath, 'index.ts'));
      assert.ok(inputs.some((p) => p.includes(`src/${subpath}/`)), `the bundle holds src/${subpath}`);
      const tf = inputs.filter((p) => p.includes('@tensorflow'));
      assert.deepEqual(tf, [], `cellmask/${subpath} pulls in ${tf.join(', ')}`);
    });
  }

  it('detects @tensorflow when a module does import it (the check can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellmask-bundle-'));
    const entry = join(dir, 'uses-tf.ts');
    writeFileSync(entry, `import { tensor1d } from '@tensorflow/tfjs-core';\nexport const t = () => tensor1d([1]);\n`);
    const inputs = await bundledInputs(entry);
    assert.ok(inputs.some((p) => p.includes('@tensorflow/tfjs-core')));
  });
});
