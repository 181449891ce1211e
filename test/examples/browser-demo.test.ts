/**
 * examples/browser: the site builds with Vite (the wasm binaries of both runtimes and the shipped
 * model, config and image in it); in headless Chromium (skipped without one) `?example=1` runs the
 * shipped model on the example image, on TensorFlow.js's wasm backend (`&backend=wasm`) and on
 * onnxruntime-web (`&runtime=onnx`), each with no console error, page error or failed request,
 * and each draws as many instances as the same model finds in Node on the same pixels.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';

import { findChromium, serveSite } from '../../examples/browser/serve-built.js';
import { configFromText } from '../../examples/browser/src/config.js';
import { FILL_OPACITY, instanceColour, overlayPixels } from '../../examples/browser/src/draw.js';
import { initWasmBackendNode } from '../../src/backend/index.js';
import { decodePng, pictureFromPng } from '../../src/data/image.js';
import { MaskRcnn } from '../../src/model/index.js';
import { loadWeightsFromBytes } from '../../src/weights/index.js';

const DEMO = resolve(import.meta.dirname, '../../examples/browser');
const PUBLIC = join(DEMO, 'public');

/** The instances the shipped model finds on the example image in Node (wasm, 1 thread as in the page). */
async function instancesInNode(): Promise<number> {
  await initWasmBackendNode({ threads: 1 });
  const config = configFromText(readFileSync(join(PUBLIC, 'model.config.json'), 'utf8'), 'model.config.json');
  const { weights } = loadWeightsFromBytes(readFileSync(join(PUBLIC, 'model.safetensors')), { poolerResolution: config.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
  const model = new MaskRcnn(weights, config);
  try {
    const picture = pictureFromPng(decodePng(readFileSync(join(PUBLIC, 'example.png')), 'example.png'), 'example.png');
    return (await model.predict(picture)).masks?.length ?? 0;
  } finally {
    model.dispose();
  }
}

/** What the test reads of the page's result: `window.__cellmaskDemo` resolved. */
interface DemoResult {
  readonly runtime: string;
  readonly backend: string;
  readonly instances: number;
  readonly loadMs: number;
  readonly predictMs: number;
}

/** What the page showed after a run of the example. */
interface ExampleRun {
  /** The run on load. */
  readonly firstResult: DemoResult;
  /** The last run: the one on load, or the second with `again`. */
  readonly result: DemoResult;
  /** Console errors, page errors, failed requests and HTTP errors, in order. */
  readonly errors: readonly string[];
  readonly attributes: { readonly runtime: string | null; readonly backend: string | null; readonly instances: string | null };
  readonly texts: { readonly runtime: string; readonly backend: string; readonly time: string };
  /** The canvas's size, its pixels with colour (the example is grey) and its grey levels. */
  readonly canvas: { readonly width: number; readonly height: number; readonly coloured: number; readonly greys: number };
}

/**
 * Opens `index.html?example=1&<query>` and waits for the run to end; with `again`, then runs the
 * example once more (its button) and reads that second run.
 * @throws AssertionError with the page's status when a run ends in an error.
 */
async function runExample(browser: Browser, siteUrl: string, query: string, options: { readonly again?: boolean } = {}): Promise<ExampleRun> {
  const page = await browser.newPage();
  const settled = async (): Promise<DemoResult> => {
    await page.waitForFunction("['done', 'error'].includes(document.getElementById('result').dataset.state)", undefined, { timeout: 90_000 });
    const status = await page.locator('#status').textContent();
    assert.equal(await page.locator('#result').getAttribute('data-state'), 'done', `?${query}: the page reports: ${status}`);
    return (await page.evaluate('window.__cellmaskDemo')) as DemoResult;
  };
  try {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await page.goto(`${siteUrl}index.html?example=1&${query}`);
    const firstResult = await settled();
    let result = firstResult;
    if (options.again === true) {
      await page.locator('#example').click();
      result = await settled();
    }
    const attribute = (name: string) => page.locator('#result').getAttribute(name);
    const text = async (id: string) => (await page.locator(`#${id}`).textContent()) ?? '';
    // The example image is grey: pixels with colour are the instances drawn over it.
    const canvas = (await page.evaluate(`(() => {
      const canvas = document.getElementById('canvas');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let coloured = 0;
      const greys = new Set();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i] !== data[i + 1] || data[i + 1] !== data[i + 2]) coloured++;
        else greys.add(data[i]);
      }
      return { width: canvas.width, height: canvas.height, coloured, greys: greys.size };
    })()`)) as ExampleRun['canvas'];
    return {
      firstResult,
      result,
      errors,
      attributes: { runtime: await attribute('data-runtime'), backend: await attribute('data-backend'), instances: await attribute('data-instances') },
      texts: { runtime: await text('runtime'), backend: await text('backend'), time: await text('time') },
      canvas,
    };
  } finally {
    await page.close();
  }
}

/** Checks that `run` drew `expected` instances over the whole example image. */
function assertDrawn(run: ExampleRun, expected: number): void {
  const picture = decodePng(readFileSync(join(PUBLIC, 'example.png')), 'example.png');
  assert.deepEqual([run.canvas.height, run.canvas.width], picture.shape.slice(0, 2), 'the canvas has the image size');
  assert.ok(run.canvas.greys > 10, `the image is not drawn: ${run.canvas.greys} grey levels`);
  assert.ok(run.canvas.coloured > 20 * expected, `${expected} instances but only ${run.canvas.coloured} coloured pixels`);
}

describe('examples/browser', () => {
  it('draws a mask filled inside and outlined on its border, over the grey image', () => {
    // A 5 x 5 grey image of value 100 and one 3 x 3 mask in its middle: rows 1-3, columns 1-3.
    const picture = { data: new Uint8Array(25).fill(100), height: 5, width: 5, channels: 1 };
    const counts = Uint32Array.of(6, 3, 2, 3, 2, 3, 6); // row-major runs: 6 out, 3 in, 2 out, ...
    const pixels = overlayPixels(picture, [counts]);
    const at = (y: number, x: number): number[] => [...pixels.subarray(4 * (5 * y + x), 4 * (5 * y + x) + 4)];
    const colour = instanceColour(0);
    assert.deepEqual(at(0, 0), [100, 100, 100, 255]); // outside
    assert.deepEqual(at(1, 1), [...colour, 255]); // the mask's corner: outline
    assert.deepEqual(at(2, 2), [...Uint8ClampedArray.from(colour, (c) => (1 - FILL_OPACITY) * 100 + FILL_OPACITY * c), 255]); // inside: 35% of the colour
    assert.notDeepEqual(instanceColour(1), colour);
  });

  let site: string;
  before(async () => {
    site = mkdtempSync(join(tmpdir(), 'cellmask-browser-demo-'));
    await build({ configFile: join(DEMO, 'vite.config.ts'), logLevel: 'warn', build: { outDir: site, emptyOutDir: true } });
  });
  after(() => rmSync(site, { recursive: true, force: true }));

  it('builds a static site with both runtimes\' wasm binaries, the model, its config and the example image', () => {
    const assets = readdirSync(join(site, 'assets'));
    const binaries = ['tfjs-backend-wasm', 'tfjs-backend-wasm-simd', 'tfjs-backend-wasm-threaded-simd', 'ort-wasm-simd-threaded'].map((b) => [b, '.wasm']);
    for (const [binary, ext] of [...binaries, ['ort-wasm-simd-threaded', '.mjs']]) {
      assert.ok(assets.some((f) => f.startsWith(`${binary}-`) && f.endsWith(ext)), `no ${binary}${ext} in ${assets.join(', ')}`);
    }
    for (const file of ['index.html', 'model.safetensors', 'model.config.json', 'example.png']) assert.ok(existsSync(join(site, file)), `${file} missing from the site`);
    assert.ok(readFileSync(join(PUBLIC, 'model.safetensors')).length < 2_000_000, 'the shipped model must stay under 2 MB');
  });

  describe('in headless Chromium', () => {
    const executable = findChromium();
    const skip = executable === undefined ? 'no chromium: set CHROMIUM_PATH or install chromium' : false;
    let browser: Browser | undefined;
    let server: Server | undefined;
    let siteUrl = '';
    let expected = 0;
    /** Instances on TensorFlow.js in Chromium, for the onnxruntime run to match. */
    let onTfjs: number | undefined;
    before(async () => {
      if (executable === undefined) return;
      expected = await instancesInNode();
      const served = await serveSite(site);
      server = served.server;
      siteUrl = served.url;
      browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
    });
    after(async () => {
      await browser?.close();
      server?.close();
    });

    it('runs the example on TensorFlow.js wasm with no error and draws the instances the model finds in Node', { skip, timeout: 120_000 }, async (t) => {
      assert.ok(expected > 0, 'the shipped model finds no cell on the example image');
      const run = await runExample(browser as Browser, siteUrl, 'backend=wasm');
      assert.deepEqual(run.errors, [], 'errors while running the example');
      assert.equal(run.result.runtime, 'tfjs');
      assert.equal(run.result.backend, 'wasm');
      assert.deepEqual([run.attributes.runtime, run.attributes.backend], ['tfjs', 'wasm']);
      assert.equal(run.texts.runtime, 'TensorFlow.js');
      assert.match(run.texts.backend, /^wasm \(/);
      assert.equal(run.result.instances, expected, 'instances in the browser and in Node');
      assert.equal(run.attributes.instances, `${expected}`);
      assert.match(run.texts.time, /^\d+ ms to predict/);
      assertDrawn(run, expected);
      onTfjs = run.result.instances;
      t.diagnostic(`${expected} instances in Node and in Chromium (TensorFlow.js ${run.result.backend}, ${run.result.predictMs.toFixed(0)} ms to predict)`);
    });

    it('runs the example on onnxruntime-web with no error, twice, and draws as many instances as TensorFlow.js', { skip, timeout: 120_000 }, async (t) => {
      const run = await runExample(browser as Browser, siteUrl, 'runtime=onnx', { again: true });
      assert.deepEqual(run.errors, [], 'errors while running the example');
      assert.equal(run.result.runtime, 'onnx');
      assert.equal(run.result.backend, 'wasm');
      assert.deepEqual([run.attributes.runtime, run.attributes.backend], ['onnx', 'wasm']);
      assert.match(run.texts.runtime, /^onnxruntime-web \d+\.\d+\.\d+$/);
      assert.equal(run.texts.backend, 'wasm (1 thread)', 'the site is not cross-origin isolated: one thread');
      if (onTfjs !== undefined) assert.equal(run.result.instances, onTfjs, 'instances on onnxruntime-web and on TensorFlow.js in Chromium');
      assert.equal(run.result.instances, expected, 'instances in the browser and in Node');
      assert.equal(run.attributes.instances, `${expected}`);
      assert.match(run.texts.time, /^\d+ ms to predict/);
      assertDrawn(run, expected);
      // The second run keeps the first's model: no export, no sessions (milliseconds against seconds).
      assert.equal(run.firstResult.instances, expected);
      assert.ok(run.result.loadMs < run.firstResult.loadMs / 10, `the second run loaded the model again: ${run.result.loadMs.toFixed(0)} ms, the first ${run.firstResult.loadMs.toFixed(0)} ms`);
      t.diagnostic(
        `${run.result.instances} instances on onnxruntime-web (${run.texts.backend}; first run ${run.firstResult.loadMs.toFixed(0)} ms to load, ${run.firstResult.predictMs.toFixed(0)} ms to predict; second ${run.result.loadMs.toFixed(0)} and ${run.result.predictMs.toFixed(0)} ms)`,
      );
    });
  });
});
