import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import { UsageError } from '../../src/cli/command.js';
import { main } from '../../src/cli/main.js';
import { BACKEND_HELP, backendOptions, useBackend } from '../../src/cli/setup.js';
import { capture } from './capture.js';

describe('backendOptions: --backend and --threads', () => {
  it('defaults to auto; takes one name or a comma-separated list', () => {
    assert.deepEqual(backendOptions({}), { backend: 'auto', threads: undefined });
    assert.deepEqual(backendOptions({ backend: 'tfjs-node-gpu' }), { backend: 'tfjs-node-gpu', threads: undefined });
    assert.deepEqual(backendOptions({ backend: 'webgpu,wasm', threads: '2' }), { backend: ['webgpu', 'wasm'], threads: 2 });
    assert.deepEqual(backendOptions({ backend: 'auto', threads: '1' }), { backend: 'auto', threads: 1 });
  });

  it('is a usage error for an unknown backend, webgl (a browser one), and --threads without wasm', () => {
    assert.throws(() => backendOptions({ backend: 'tpu' }), (e: unknown) => e instanceof UsageError && /--backend must be auto, one of tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu, or a comma-separated list of them; got "tpu"/.test(e.message));
    assert.throws(() => backendOptions({ backend: 'webgpu,tpu' }), /got "webgpu,tpu"/);
    assert.throws(() => backendOptions({ backend: 'webgl' }), /--backend webgl runs in a browser only/);
    assert.throws(() => backendOptions({ backend: 'cpu', threads: '2' }), /--threads applies to --backend wasm only \(it sets the wasm threads\), got --backend cpu/);
    assert.throws(() => backendOptions({ backend: 'webgpu,cpu', threads: '2' }), /--threads applies to --backend wasm only/);
    assert.throws(() => backendOptions({ threads: '0' }), /--threads must be an integer >= 1, got "0"/);
  });

  it('the help names every backend', () => {
    for (const name of ['auto', 'tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu', '--threads']) assert.ok(BACKEND_HELP.includes(name), name);
  });
});

describe('every model command: --backend', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cellmask-setup-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an unknown --backend is exit 2 with the usage, before anything runs; --help lists the backends', async () => {
    const out = join(dir, 'out');
    const commands: string[][] = [
      ['predict', '--weights', 'w.safetensors', '--config', 'sartorius_finetune', '--input', dir, '--out', out],
      ['train', '--config', 'sartorius_finetune', '--data', dir, '--out', out],
      ['tune', '--config', 'sartorius_finetune', '--data', dir, '--out', out],
      ['reproduce', '--scale', 'toy', '--out', out],
    ];
    for (const argv of commands) {
      const { io, err } = capture();
      assert.equal(await main([...argv, '--backend', 'tpu'], io), 2, argv[0]);
      assert.match(err.join(''), new RegExp(`^cellmask ${argv[0]}: --backend must be auto, one of tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu`), argv[0]);
      const help = capture();
      assert.equal(await main([argv[0], '--help'], help.io), 0);
      assert.match(help.out.join(''), /--backend NAME +TensorFlow\.js backend.*auto \(default\),\s+tfjs-node-gpu,\s+tfjs-node,\s+webgpu/s, argv[0]);
    }
  });
});

describe('useBackend', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('prints the passed-over backends with their reasons and the choice to stderr, and returns the selection', async () => {
    const { io, err, out } = capture();
    const chosen = await useBackend(['tfjs-node', 'cpu'], undefined, io);
    assert.equal(chosen.name, 'cpu');
    assert.equal(chosen.detail, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.deepEqual(out, []);
    assert.deepEqual(err, ['backend tfjs-node: passed over: @tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node)\n', 'backend cpu: chosen: cpu\n']);
  });

  it('one backend that cannot run is an error saying why', async () => {
    await assert.rejects(useBackend('tfjs-node-gpu', undefined, capture().io), /tfjs-node-gpu was asked for, but @tensorflow\/tfjs-node-gpu is not installed \(npm install @tensorflow\/tfjs-node-gpu\)/);
  });
});
