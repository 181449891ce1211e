/**
 * The package as a user installs it: every subpath of `exports` resolves (by the package's own
 * name) to built JavaScript with its declarations beside it, and the manifest keeps the layout
 * the brief asks for. Needs `npm run build` first, as `npm test` does.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';

interface Manifest {
  type: string;
  sideEffects: boolean;
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  peerDependencies: Record<string, string>;
}

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as Manifest;
const built = existsSync(new URL('dist/rle/index.js', root));

describe('package manifest', () => {
  it('is ESM, side-effect free, ships dist only, and has the cellmask bin', () => {
    assert.equal(manifest.type, 'module');
    assert.equal(manifest.sideEffects, false);
    assert.deepEqual(manifest.files, ['dist']);
    assert.equal(manifest.bin.cellmask, 'dist/cli/main.js');
    assert.ok('@tensorflow/tfjs-core' in manifest.peerDependencies);
  });

  it('has the toolkit subpaths, types first in each', () => {
    for (const sub of ['structures', 'rle', 'metrics', 'ensemble', 'data']) {
      const entry = manifest.exports[`./${sub}`];
      assert.ok(typeof entry === 'object', `./${sub} is exported`);
      assert.deepEqual(Object.keys(entry), ['types', 'default'], `./${sub}: types first`);
    }
  });

  it('exports every module folder of src/ that has an index (all but the CLI and utils)', () => {
    const folders = readdirSync(new URL('src/', root), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(new URL(`src/${d.name}/index.ts`, root)))
      .map((d) => d.name);
    const missing = folders.filter((name) => !(`./${name}` in manifest.exports));
    assert.deepEqual(missing, []);
    assert.ok(folders.includes('train') && folders.includes('model'));
  });

  it('resolves every subpath by name to built modules with declarations', { skip: !built && 'dist/ not built (npm run build)' }, async () => {
    for (const [sub, entry] of Object.entries(manifest.exports)) {
      if (typeof entry === 'string') continue;
      assert.ok(existsSync(new URL(entry.types, root)), `${sub}: ${entry.types} exists`);
      const mod = (await import(`cellmask/${sub.slice(2)}`)) as Record<string, unknown>;
      assert.ok(Object.keys(mod).length > 0, `cellmask/${sub.slice(2)} exports something`);
    }
    const rleSpecifier = 'cellmask/rle'; // a variable, so that type-checking does not need dist/
    const rle = (await import(rleSpecifier)) as typeof import('../../src/rle/index.js');
    assert.equal(rle.kaggleRleEncode(Uint8Array.of(0, 1, 1, 0), 2, 2), '2 2');
  });
});
