/**
 * examples/browser: the site builds with Vite (the wasm binaries and the shipped model, config and
 * image in it); in headless Chromium (skipped without one) `?example=1&backend=wasm` runs the
 * shipped model on the example image with no console error, page error or failed request, and
 * draws as many instances as the same model finds in Node on the same pixels.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, extname, join, resolve, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';

import { configFromText } from '../../examples/browser/src/config.js';
import { FILL_OPACITY, instanceColour, overlayPixels } from '../../examples/browser/src/draw.js';
import { initWasmBackendNode } from '../../src/backend/index.js';
import { decodePng, pictureFromPng } from '../../src/data/image.js';
import { MaskRcnn } from '../../src/model/index.js';
import { loadWeightsFromBytes } from '../../src/weights/index.js';

const DEMO = resolve(import.meta.dirname, '../../examples/browser');
const PUBLIC = join(DEMO, 'public');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.safetensors': 'application/octet-stream',
};

/** Chromium to drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else `chromium` on the PATH. */
function findChromium(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, 'chromium'));
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', ...onPath].find((p) => p !== undefined && p !== '' && existsSync(p));
}

/** A static file server of `root` on a free local port (wasm must come over http with its MIME type). */
async function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = resolve(root, `.${path.endsWith('/') ? `${path}index.html` : path}`);
    if (!file.startsWith(root + sep) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

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
  readonly backend: string;
  readonly instances: number;
  readonly predictMs: number;
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

  it('builds a static site with the wasm binaries, the model, its config and the example image', () => {
    const assets = readdirSync(join(site, 'assets'));
    for (const binary of ['tfjs-backend-wasm', 'tfjs-backend-wasm-simd', 'tfjs-backend-wasm-threaded-simd']) {
      assert.ok(assets.some((f) => f.startsWith(`${binary}-`) && f.endsWith('.wasm')), `no ${binary} binary in ${assets.join(', ')}`);
    }
    for (const file of ['index.html', 'model.safetensors', 'model.config.json', 'example.png']) assert.ok(existsSync(join(site, file)), `${file} missing from the site`);
    assert.ok(readFileSync(join(PUBLIC, 'model.safetensors')).length < 2_000_000, 'the shipped model must stay under 2 MB');
  });

  describe('in headless Chromium', () => {
    const executable = findChromium();
    let browser: Browser | undefined;
    let server: Server | undefined;
    after(async () => {
      await browser?.close();
      server?.close();
    });

    it(
      'runs the example on wasm with no error and draws the instances the model finds in Node',
      { skip: executable === undefined ? 'no chromium: set CHROMIUM_PATH or install chromium' : false, timeout: 120_000 },
      async (t) => {
        const expected = await instancesInNode();
        assert.ok(expected > 0, 'the shipped model finds no cell on the example image');
        const served = await serve(site);
        server = served.server;
        browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(`console: ${message.text()}`);
        });
        page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
        page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
        page.on('response', (response) => {
          if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
        });
        await page.goto(`${served.url}index.html?example=1&backend=wasm`);
        await page.waitForFunction("['done', 'error'].includes(document.getElementById('result').dataset.state)", undefined, { timeout: 90_000 });
        const status = await page.locator('#status').textContent();
        assert.equal(await page.locator('#result').getAttribute('data-state'), 'done', `the page reports: ${status}`);
        const result = (await page.evaluate('window.__cellmaskDemo')) as DemoResult;
        assert.deepEqual(errors, [], 'errors while running the example');

        assert.equal(result.backend, 'wasm');
        assert.equal(await page.locator('#result').getAttribute('data-backend'), 'wasm');
        assert.match((await page.locator('#backend').textContent()) ?? '', /^wasm \(/);
        assert.equal(result.instances, expected, 'instances in the browser and in Node');
        assert.equal(await page.locator('#result').getAttribute('data-instances'), `${expected}`);
        assert.match((await page.locator('#time').textContent()) ?? '', /^\d+ ms to predict/);

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
        })()`)) as { width: number; height: number; coloured: number; greys: number };
        const picture = decodePng(readFileSync(join(PUBLIC, 'example.png')), 'example.png');
        assert.deepEqual([canvas.height, canvas.width], picture.shape.slice(0, 2), 'the canvas has the image size');
        assert.ok(canvas.greys > 10, `the image is not drawn: ${canvas.greys} grey levels`);
        assert.ok(canvas.coloured > 20 * expected, `${expected} instances but only ${canvas.coloured} coloured pixels`);
        t.diagnostic(`${expected} instances in Node and in Chromium (${result.backend}, ${result.predictMs.toFixed(0)} ms to predict)`);
      },
    );
  });
});
