import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

import { describeAdapter, isSoftwareAdapter } from '../../src/backend/adapter.js';
import { backendCandidates, nativeAddonReason } from '../../src/backend/candidates.js';
import { resolvePackage } from '../../src/backend/optional-peer.js';
import { type BackendCandidate, type BackendName, type BackendSetup, resolveBackend, selectBackend } from '../../src/backend/select.js';
import { unregisterWasmTrainingKernels } from '../../src/backend/wasm-training/register.js';

/** How a fake candidate behaves: a reason it is unavailable, its adapter, what its init does. */
interface FakeBehaviour {
  readonly unavailable?: string;
  readonly adapter?: string | Error;
  readonly init?: BackendSetup | Error;
}

/**
 * A candidate that records every call in `calls` ("wasm.available", "wasm.init") and, when it
 * initializes, makes the real cpu backend active (so that `tfBackend` is a real answer).
 */
function fake(name: BackendName, behaviour: FakeBehaviour, calls: string[]): BackendCandidate {
  const candidate: BackendCandidate = {
    name,
    async available() {
      calls.push(`${name}.available`);
      return behaviour.unavailable;
    },
    async init() {
      calls.push(`${name}.init`);
      if (behaviour.init instanceof Error) throw behaviour.init;
      await tf.setBackend('cpu');
      return behaviour.init ?? { detail: `${name} (fake)` };
    },
  };
  const { adapter } = behaviour;
  if (adapter === undefined) return candidate;
  return {
    ...candidate,
    async adapter() {
      calls.push(`${name}.adapter`);
      if (adapter instanceof Error) throw adapter;
      return adapter;
    },
  };
}

/** Node's default order, every one given `behaviours[name]` (default: available, initializes). */
function nodeFakes(behaviours: Partial<Record<BackendName, FakeBehaviour>>, calls: string[]): BackendCandidate[] {
  const names: BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu'];
  return names.map((name) => fake(name, behaviours[name] ?? {}, calls));
}

const NOT_INSTALLED = (pkg: string): FakeBehaviour => ({ unavailable: `${pkg} is not installed` });
const LLVMPIPE = 'OpenGL ES 3.2 Mesa 22.3.6 (llvmpipe-llvm-15-0-6-256-bits-)';

describe('selectBackend: the decision, with injected candidates', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('auto tries the default order, passes over each unusable one with its reason, logs one line each, and stops at the first usable', async () => {
    const calls: string[] = [];
    const log: string[] = [];
    const candidates = nodeFakes({ 'tfjs-node-gpu': NOT_INSTALLED('@tensorflow/tfjs-node-gpu'), 'tfjs-node': NOT_INSTALLED('@tensorflow/tfjs-node'), webgpu: { unavailable: 'webgpu is not installed' } }, calls);
    const chosen = await selectBackend({ candidates, log: (m) => log.push(m) });
    assert.equal(chosen.name, 'wasm');
    assert.equal(chosen.detail, 'wasm (fake)');
    assert.equal(chosen.tfBackend, 'cpu', 'tf.getBackend() after the fake init');
    assert.deepEqual(chosen.passedOver, [
      { name: 'tfjs-node-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
      { name: 'tfjs-node', reason: '@tensorflow/tfjs-node is not installed' },
      { name: 'webgpu', reason: 'webgpu is not installed' },
    ]);
    assert.deepEqual(calls, ['tfjs-node-gpu.available', 'tfjs-node.available', 'webgpu.available', 'wasm.available', 'wasm.init'], 'cpu is never looked at');
    assert.deepEqual(log, [
      'backend tfjs-node-gpu: passed over: @tensorflow/tfjs-node-gpu is not installed',
      'backend tfjs-node: passed over: @tensorflow/tfjs-node is not installed',
      'backend webgpu: passed over: webgpu is not installed',
      'backend wasm: chosen: wasm (fake)',
    ]);
  });

  it('prefer as a list is tried in the order given, not the default order', async () => {
    const calls: string[] = [];
    const chosen = await selectBackend({ prefer: ['cpu', 'wasm'], candidates: nodeFakes({ cpu: { unavailable: 'no cpu here' } }, calls) });
    assert.equal(chosen.name, 'wasm');
    assert.deepEqual(chosen.passedOver, [{ name: 'cpu', reason: 'no cpu here' }]);
    assert.deepEqual(calls, ['cpu.available', 'wasm.available', 'wasm.init']);
    const first = await selectBackend({ prefer: ['cpu', 'wasm'], candidates: nodeFakes({}, []) });
    assert.equal(first.name, 'cpu');
  });

  it('a candidate that fails to initialize is passed over with its error, and the next is tried', async () => {
    const calls: string[] = [];
    const candidates = nodeFakes({ 'tfjs-node-gpu': { init: new Error('libcudart.so.11.0: cannot open shared object file') } }, calls);
    const chosen = await selectBackend({ candidates });
    assert.equal(chosen.name, 'tfjs-node');
    assert.deepEqual(chosen.passedOver, [{ name: 'tfjs-node-gpu', reason: 'libcudart.so.11.0: cannot open shared object file' }]);
    assert.deepEqual(calls, ['tfjs-node-gpu.available', 'tfjs-node-gpu.init', 'tfjs-node.available', 'tfjs-node.init']);
  });

  it('a missing package met while initializing reads "not installed"', async () => {
    const missing = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from /x/candidates.ts"), { code: 'ERR_MODULE_NOT_FOUND' });
    const chosen = await selectBackend({ candidates: nodeFakes({ 'tfjs-node-gpu': { unavailable: 'gone' }, 'tfjs-node': { init: missing } }, []) });
    assert.equal(chosen.passedOver[1].reason, '@tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node)');
  });

  it('one backend asked for: its failure is an error naming it and why, nothing else is tried', async () => {
    const calls: string[] = [];
    await assert.rejects(
      selectBackend({ prefer: 'tfjs-node', candidates: nodeFakes({ 'tfjs-node': NOT_INSTALLED('@tensorflow/tfjs-node') }, calls) }),
      /^Error: selectBackend: tfjs-node was asked for, but @tensorflow\/tfjs-node is not installed$/,
    );
    assert.deepEqual(calls, ['tfjs-node.available']);
    await assert.rejects(selectBackend({ prefer: 'wasm', candidates: nodeFakes({ wasm: { init: new Error('out of memory') } }, []) }), /wasm was asked for, but out of memory/);
    await assert.rejects(selectBackend({ prefer: ['wasm'], candidates: nodeFakes({ wasm: { unavailable: 'nope' } }, []) }), /wasm was asked for, but nope/);
  });

  it('nothing usable: the error lists every reason', async () => {
    const all = { unavailable: 'missing' };
    const candidates = nodeFakes({ 'tfjs-node-gpu': all, 'tfjs-node': all, webgpu: all, wasm: all, cpu: all }, []);
    await assert.rejects(selectBackend({ candidates }), /none of the backends could be used \(tfjs-node-gpu: missing; tfjs-node: missing; webgpu: missing; wasm: missing; cpu: missing\)/);
    await assert.rejects(selectBackend({ prefer: ['webgpu', 'cpu'], candidates }), /none of the backends could be used \(webgpu: missing; cpu: missing\)$/);
  });

  it('auto passes over WebGPU on a software adapter before initializing it; asked for by name (alone or in a list), it runs there', async () => {
    const calls: string[] = [];
    const behaviours = { 'tfjs-node-gpu': { unavailable: 'x' }, 'tfjs-node': { unavailable: 'y' }, webgpu: { adapter: LLVMPIPE, init: { detail: `webgpu (${LLVMPIPE} via Dawn)`, adapter: LLVMPIPE } } };
    const chosen = await selectBackend({ candidates: nodeFakes(behaviours, calls) });
    assert.equal(chosen.name, 'wasm');
    assert.match(chosen.passedOver[2].reason, /^the adapter is a software renderer on the CPU \(OpenGL ES 3\.2 Mesa 22\.3\.6 \(llvmpipe-llvm-15-0-6-256-bits-\)\), slower than wasm; ask for webgpu by name/);
    assert.ok(!calls.includes('webgpu.init'), 'the software adapter is not initialized');

    const named = await selectBackend({ prefer: 'webgpu', candidates: nodeFakes(behaviours, []) });
    assert.equal(named.name, 'webgpu');
    assert.equal(named.detail, `webgpu (${LLVMPIPE} via Dawn)`);
    const listed = await selectBackend({ prefer: ['webgpu', 'wasm'], candidates: nodeFakes(behaviours, []) });
    assert.equal(listed.name, 'webgpu');
  });

  it('auto chooses WebGPU on a hardware adapter, and passes it over when the adapter reported after init is a software one', async () => {
    const h100 = 'NVIDIA H100 80GB HBM3 (nvidia, hopper)';
    const gpu = await selectBackend({ candidates: nodeFakes({ 'tfjs-node-gpu': { unavailable: 'x' }, 'tfjs-node': { unavailable: 'y' }, webgpu: { adapter: h100, init: { detail: `webgpu (${h100})`, adapter: h100 } } }, []) });
    assert.equal(gpu.name, 'webgpu');
    // A candidate that cannot tell its adapter beforehand: the check after init still applies.
    const swiftshader = 'SwiftShader Device (Subzero) (google, swiftshader)';
    const late = await selectBackend({ candidates: nodeFakes({ 'tfjs-node-gpu': { unavailable: 'x' }, 'tfjs-node': { unavailable: 'y' }, webgpu: { init: { detail: 'webgpu', adapter: swiftshader } } }, []) });
    assert.equal(late.name, 'wasm');
    assert.match(late.passedOver[2].reason, /software renderer on the CPU \(SwiftShader/);
  });

  it('an adapter probe that finds none passes WebGPU over with its message', async () => {
    const chosen = await selectBackend({ candidates: nodeFakes({ 'tfjs-node-gpu': { unavailable: 'x' }, 'tfjs-node': { unavailable: 'y' }, webgpu: { adapter: new Error('Dawn found no WebGPU adapter (tried [default])') } }, []) });
    assert.deepEqual(chosen.passedOver[2], { name: 'webgpu', reason: 'Dawn found no WebGPU adapter (tried [default])' });
  });

  it('a backend of the other platform, asked for, is passed over naming this platform', async () => {
    const chosen = await selectBackend({ prefer: ['webgl', 'cpu'], candidates: nodeFakes({}, []) });
    assert.equal(chosen.name, 'cpu');
    assert.equal(chosen.passedOver[0].reason, 'not a backend of this platform (Node: tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu)');
    await assert.rejects(selectBackend({ prefer: 'webgl', candidates: nodeFakes({}, []) }), /webgl was asked for, but not a backend of this platform/);
  });

  it('rejects unknown names and an empty list, saying what it expected', async () => {
    await assert.rejects(selectBackend({ prefer: 'gpu' as BackendName, candidates: nodeFakes({}, []) }), /unknown backend "gpu"; expected auto or one of tfjs-node-gpu, tfjs-node, webgpu, webgl, wasm, cpu/);
    await assert.rejects(selectBackend({ prefer: [], candidates: nodeFakes({}, []) }), /prefer is an empty list/);
  });
});

describe('resolveBackend: the same choice, nothing initialized', () => {
  it('checks availability and, under auto, the adapter; never calls init', async () => {
    const calls: string[] = [];
    const behaviours = { 'tfjs-node-gpu': { unavailable: 'x' }, 'tfjs-node': { unavailable: 'y' }, webgpu: { adapter: LLVMPIPE } };
    const resolved = await resolveBackend({ prefer: ['tfjs-node-gpu', 'webgpu', 'wasm'], candidates: nodeFakes(behaviours, calls) });
    assert.deepEqual(resolved, { name: 'webgpu', passedOver: [{ name: 'tfjs-node-gpu', reason: 'x' }] }, 'webgpu named in the list: its software adapter is fine, and not even asked for');
    assert.deepEqual(calls, ['tfjs-node-gpu.available', 'webgpu.available']);

    const auto = await resolveBackend({ candidates: nodeFakes(behaviours, calls) });
    assert.equal(auto.name, 'wasm');
    assert.match(auto.passedOver[2].reason, /software renderer/);
    assert.ok(!calls.some((c) => c.endsWith('.init')));
  });
});

describe('backendCandidates: Node and browser sets', () => {
  it('in Node: tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu', () => {
    assert.deepEqual(backendCandidates().map((c) => c.name), ['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'cpu']);
  });

  it('in a browser (no process.versions.node): webgpu through navigator.gpu, webgl, wasm, cpu; each says why it cannot run', async () => {
    const versions = Object.getOwnPropertyDescriptor(process, 'versions')!;
    Object.defineProperty(process, 'versions', { value: {}, configurable: true });
    try {
      const candidates = backendCandidates();
      assert.deepEqual(candidates.map((c) => c.name), ['webgpu', 'webgl', 'wasm', 'cpu']);
      const reasons = await Promise.all(candidates.map((c) => c.available()));
      // Node has a navigator (21+) without gpu, or none (20); no document; WebAssembly.
      assert.deepEqual(reasons, ['this browser has no navigator.gpu (WebGPU)', 'no canvas here (neither document nor OffscreenCanvas)', undefined, undefined]);
      const resolved = await resolveBackend({ candidates });
      assert.equal(resolved.name, 'wasm');
    } finally {
      Object.defineProperty(process, 'versions', versions);
    }
  });
});

describe('adapters', () => {
  it('describes an adapter without repeating itself, and tells software renderers', () => {
    assert.equal(describeAdapter({ vendor: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL ES 3.2 Mesa 22.3.6' }), 'OpenGL ES 3.2 Mesa 22.3.6 (llvmpipe-llvm-15-0-6-256-bits-)');
    assert.equal(describeAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3', device: 'NVIDIA H100 80GB HBM3' }), 'NVIDIA H100 80GB HBM3 (nvidia, hopper)');
    assert.equal(describeAdapter({}), 'unnamed adapter');
    for (const soft of ['OpenGL ES 3.2 Mesa 22.3.6 (llvmpipe-llvm-15-0-6-256-bits-)', 'llvmpipe OpenGL ES (backend=opengles, compatibility mode)', 'lavapipe (LLVM 15.0.6, 256 bits)', 'google swiftshader', 'Microsoft Basic Render Driver', 'x, fallback adapter']) {
      assert.ok(isSoftwareAdapter(soft), soft);
    }
    for (const hard of ['NVIDIA H100 80GB HBM3 (nvidia, hopper)', 'AMD Radeon Pro (amd, rdna-3)', 'Intel(R) Arc(tm) (intel, gen-12lp)']) {
      assert.ok(!isSoftwareAdapter(hard), hard);
    }
  });
});

describe('tfjs-node without its native addon', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cellmask-select-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is unusable until lib/napi-v*/tfjs_binding.node exists', async () => {
    const root = pathToFileURL(`${dir}/`);
    assert.match((await nativeAddonReason('@tensorflow/tfjs-node', root))!, /@tensorflow\/tfjs-node is installed without its native addon/);
    await mkdir(join(dir, 'lib', 'napi-v8'), { recursive: true });
    assert.match((await nativeAddonReason('@tensorflow/tfjs-node', root))!, /without its native addon/);
    await writeFile(join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
    assert.equal(await nativeAddonReason('@tensorflow/tfjs-node', root), undefined);
  });
});

describe('selectBackend: the real backends on this machine', () => {
  after(async () => {
    unregisterWasmTrainingKernels();
    await tf.setBackend('cpu');
  });

  it('auto resolves to wasm here, saying why tfjs-node-gpu, tfjs-node and webgpu were passed over', async () => {
    const log: string[] = [];
    const chosen = await selectBackend({ threads: 1, log: (m) => log.push(m) });
    const reasons = new Map(chosen.passedOver.map((p) => [p.name, p.reason]));
    for (const pkg of ['tfjs-node-gpu', 'tfjs-node'] as const) {
      if (resolvePackage(`@tensorflow/${pkg}`) === undefined) assert.equal(reasons.get(pkg), `@tensorflow/${pkg} is not installed (npm install @tensorflow/${pkg})`);
    }
    // No GPU here: Dawn finds Mesa's llvmpipe through OpenGL ES, or nothing at all.
    assert.match(reasons.get('webgpu') ?? '', /software renderer on the CPU|no WebGPU adapter/);
    assert.deepEqual(chosen.passedOver.map((p) => p.name), ['tfjs-node-gpu', 'tfjs-node', 'webgpu']);
    assert.equal(chosen.name, 'wasm');
    assert.equal(chosen.tfBackend, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(chosen.detail, 'wasm (1 thread)');
    assert.equal(log.length, 4);
    assert.equal(log[3], 'backend wasm: chosen: wasm (1 thread)');
    assert.deepEqual(await resolveBackend(), { name: 'wasm', passedOver: chosen.passedOver }, 'resolveBackend agrees');
  });

  it('cpu and wasm by name, switching back and forth without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    for (const name of ['cpu', 'wasm', 'cpu', 'wasm'] as const) {
      const chosen = await selectBackend({ prefer: name, threads: 1 });
      assert.deepEqual({ name: chosen.name, tfBackend: chosen.tfBackend, passedOver: chosen.passedOver }, { name, tfBackend: name, passedOver: [] });
      assert.equal(chosen.detail, name === 'cpu' ? 'cpu' : 'wasm (1 thread)');
      const sum = tf.tidy(() => tf.sum(tf.square(tf.tensor1d([1, 2, 3]))));
      assert.equal((await sum.data())[0], 14);
      sum.dispose();
      assert.equal(tf.memory().numTensors, before, `after ${name}`);
    }
  });

  it('training on wasm registers the gradients and the wasm training kernels', async () => {
    const chosen = await selectBackend({ prefer: 'wasm', threads: 1, training: true });
    assert.equal(chosen.name, 'wasm');
    assert.notEqual(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined, 'the kernel wasm lacks is registered');
    const x = tf.tensor1d([1, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(t)))(x);
    assert.deepEqual(Array.from(await g.data()), [2, 4]);
    tf.dispose([x, g]);
  });
});
