import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import ndarray from 'ndarray';
import { type Browser, chromium } from 'playwright-core';

import { UsageError } from '../../src/cli/command.js';
import { command } from '../../src/cli/report.js';
import { readPng, writePng } from '../../src/data/image.js';
import { capture } from './capture.js';
import { EXPECTED, GREY, H, PREDICTED, W, predictionJson, writeFixture } from './report-fixture.js';

/** The pixel (y, x) of an RGB PNG. */
async function pixelOf(path: string, y: number, x: number): Promise<number[]> {
  const image = await readPng(path);
  assert.deepEqual(image.shape, [H, W, 3], `${path} is not a ${H} x ${W} RGB image`);
  return [0, 1, 2].map((c) => image.get(y, x, c));
}

/** What the test reads of an <img> (the project compiles without the DOM's types). */
interface ImageElement {
  readonly naturalWidth: number;
  readonly naturalHeight: number;
}

/** Chromium to drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else `chromium` on the PATH. */
function findChromium(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, 'chromium'));
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', ...onPath].find((p) => p !== undefined && p !== '' && existsSync(p));
}

describe('cellmask report', () => {
  let dir: string;
  let files: Awaited<ReturnType<typeof writeFixture>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellmask-report-'));
    files = await writeFixture(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the command on the fixture with `changes` to its options; resolves to stdout. */
  async function report(out: string, changes: Record<string, string> = {}): Promise<string> {
    const options = { pred: files.pred, truth: files.truth, images: files.images, out, ...changes };
    const { io, out: stdout } = capture();
    const code = await command.run(Object.entries(options).flatMap(([k, v]) => [`--${k}`, v]), io);
    assert.equal(code, 0);
    return stdout.join('');
  }

  it('scores the per-image JSON and writes the page and one overlay per image of the truth', async () => {
    const out = join(dir, 'out-json');
    const stdout = await report(out);
    assert.equal(
      stdout,
      `MAP-IoU ${EXPECTED.mapIou.toFixed(4)} over 3 images (astro ${EXPECTED.astro.toFixed(4)}, shsy5y ${EXPECTED.shsy5y.toFixed(4)}); worst c 0.0000 -> ${join(out, 'index.html')}\n`,
    );
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    assert.deepEqual([...html.matchAll(/<tr data-id="([^"]*)">/g)].map((m) => m[1]), EXPECTED.order);
    for (const id of EXPECTED.order) assert.ok(html.includes(`<img src="overlays/${id}.png" width="${W}" height="${H}"`));
    assert.match(html, /<tr data-id="a"><td data-value="3">3<\/td>.*<td data-value="[0-9.]+">0\.6667<\/td><td data-value="2">2<\/td><td data-value="2">2<\/td>/); // MAP-IoU, true, predicted
  });

  it('draws the outlines on the image: both white, truth green, prediction magenta, tint inside predictions', async () => {
    const overlays = join(dir, 'out-json', 'overlays');
    assert.deepEqual(await pixelOf(join(overlays, 'a.png'), 1, 1), [255, 255, 255]); // corner of the exact match
    assert.deepEqual(await pixelOf(join(overlays, 'a.png'), 5, 9), [0, 255, 0]); // bottom row of the truth the prediction misses
    assert.deepEqual(await pixelOf(join(overlays, 'a.png'), 4, 9), [255, 0, 255]); // bottom of that prediction, inside the truth
    assert.deepEqual(await pixelOf(join(overlays, 'c.png'), 0, 0), [0, 255, 0]); // the unpredicted cell at the corner
    assert.deepEqual(await pixelOf(join(overlays, 'c.png'), 2, 2), [GREY, GREY, GREY]);
    // Inside b's false positive: 0.8 * 80 + 0.2 * 255 = 115 red and blue, 0.8 * 80 = 64 green.
    assert.deepEqual(await pixelOf(join(overlays, 'b.png'), 7, 11), [115, 64, 115]);
  });

  it('scores a submission.csv the same as the JSON files', async () => {
    const out = join(dir, 'out-csv');
    const stdout = await report(out, { pred: files.submission, fill: '0', title: 'fold <0>' });
    assert.match(stdout, new RegExp(`^MAP-IoU ${EXPECTED.mapIou.toFixed(4)} over 3 images`));
    assert.deepEqual(await pixelOf(join(out, 'overlays', 'b.png'), 7, 11), [GREY, GREY, GREY]); // --fill 0: no tint
    assert.match(readFileSync(join(out, 'index.html'), 'utf8'), /<h1>fold &#60;0&#62;<\/h1>/);
  });

  describe('names what is wrong', () => {
    /** A copy of the fixture's `name` folder with `changes` (file -> contents, or null to delete). */
    function variant(name: 'pred' | 'images', label: string, changes: Record<string, string | Uint8Array | null>): string {
      const copy = join(dir, `${name}-${label}`);
      cpSync(join(dir, name), copy, { recursive: true });
      for (const [file, contents] of Object.entries(changes)) {
        if (contents === null) rmSync(join(copy, file));
        else writeFileSync(join(copy, file), contents);
      }
      return copy;
    }
    const out = () => join(dir, 'out-error');

    it('a missing image file', async () => {
      const images = variant('images', 'missing', { 'c.png': null });
      await assert.rejects(report(out(), { images }), new RegExp(`missing image file .*${join(images, 'c.png')}`));
    });

    it('a corrupt or truncated PNG', async () => {
      const images = variant('images', 'corrupt', { 'b.png': 'not a png' });
      await assert.rejects(report(out(), { images }), new RegExp(`${join(images, 'b.png')}: not a PNG file`));
      const truncated = readFileSync(join(dir, 'images', 'b.png')).subarray(0, 40);
      const cut = variant('images', 'truncated', { 'b.png': truncated });
      await assert.rejects(report(out(), { images: cut }), new RegExp(`${join(cut, 'b.png')}: corrupt or truncated PNG`));
    });

    it('an image of another size than the truth gives it', async () => {
      const images = variant('images', 'small', {});
      await writePng(join(images, 'a.png'), ndarray(new Uint8Array(4 * W), [4, W]));
      await assert.rejects(report(out(), { images }), /a\.png is 4 x 16 \(height x width\) but .*train\.csv gives image a 12 x 16/);
    });

    it('malformed prediction JSON', async () => {
      const pred = variant('pred', 'syntax', { 'a.json': '{"boxes": [' });
      await assert.rejects(report(out(), { pred }), new RegExp(`${join(pred, 'a.json')}: .*JSON`));
      const masks = { ...predictionJson(PREDICTED.a), masks: ['1 2'] };
      const short = variant('pred', 'masks', { 'a.json': JSON.stringify(masks) });
      await assert.rejects(report(out(), { pred: short }), /a\.json: "masks" must be an array of 2 run-length strings/);
      const bigger = variant('pred', 'size', { 'a.json': JSON.stringify({ ...predictionJson([]), height: 10 }) });
      await assert.rejects(report(out(), { pred: bigger }), /a\.json: predictions are 10 x 16 \(height x width\) but image a is 12 x 16/);
      const { masks: _, ...noMasks } = predictionJson(PREDICTED.a) as { masks: string[] };
      const bare = variant('pred', 'no-masks', { 'a.json': JSON.stringify(noMasks) });
      await assert.rejects(report(out(), { pred: bare }), /a\.json: no "masks"/);
    });

    it('predictions for an image the truth does not have', async () => {
      const pred = variant('pred', 'unknown', { 'zz.json': JSON.stringify(predictionJson([])) });
      await assert.rejects(report(out(), { pred }), /predictions for 1 image id\(s\) not in the truth .*train\.csv: zz$/);
      const csv = join(dir, 'unknown.csv');
      writeFileSync(csv, 'id,predicted\na,1 3\nyy,\n');
      await assert.rejects(report(out(), { pred: csv }), /unknown\.csv: predictions for 1 image id\(s\) not in the truth .*: yy$/);
    });

    it('bad run-length text in a submission.csv, by line', async () => {
      const csv = join(dir, 'bad-rle.csv');
      writeFileSync(csv, `id,predicted\na,1 3\nb,${H * W} 5\n`);
      await assert.rejects(report(out(), { pred: csv }), /bad-rle\.csv:3: image b \(12 x 16\): column predicted: /);
    });

    it('bad options', async () => {
      await assert.rejects(command.run(['--pred', files.pred, '--images', files.images, '--out', out()], capture().io), /missing required option --truth/);
      await assert.rejects(report(out(), { fill: '2' }), UsageError);
      await assert.rejects(report(out(), { pred: join(dir, 'nothing') }), /cannot read predictions .*nothing/);
    });
  });

  describe('the page in headless Chromium', () => {
    const executable = findChromium();
    let browser: Browser | undefined;
    after(async () => {
      await browser?.close();
    });

    it(
      'loads with no console errors, shows every overlay at its size and the tables worst first',
      { skip: executable === undefined ? 'no chromium: set CHROMIUM_PATH or install chromium' : false, timeout: 120_000 },
      async () => {
        const out = join(dir, 'out-browser');
        await report(out);
        browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
        const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
        const errors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(`console: ${message.text()}`);
        });
        page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
        page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
        await page.goto(pathToFileURL(join(out, 'index.html')).href, { waitUntil: 'load' });

        const images = page.locator('img');
        assert.equal(await images.count(), 3);
        for (let k = 0; k < 3; k++) {
          // The overlays load lazily: bring each into view and wait for it.
          await images.nth(k).scrollIntoViewIfNeeded();
          await page.waitForFunction(`document.images[${k}].complete`, undefined, { timeout: 10_000 });
        }
        const sizes = await images.evaluateAll((imgs) => imgs.map((img) => [(img as unknown as ImageElement).naturalWidth, (img as unknown as ImageElement).naturalHeight]));
        assert.deepEqual(sizes, [[W, H], [W, H], [W, H]]);
        assert.deepEqual(errors, [], 'errors while loading');
        const sources = await images.evaluateAll((imgs) => imgs.map((img) => img.getAttribute('src')));
        assert.deepEqual(sources, EXPECTED.order.map((id) => `overlays/${id}.png`));

        const rowIds = () => page.locator('#image-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
        assert.deepEqual(await rowIds(), EXPECTED.order);
        assert.ok(await page.locator('#cell-type-table').isVisible());
        const types = await page.locator('#cell-type-table tbody td:first-child').allTextContents();
        assert.deepEqual(types, ['astro', 'shsy5y']);
        assert.match((await page.locator('#summary').textContent()) ?? '', /MAP-IoU 0\.3889 over 3 images/);

        // The script sorts by a clicked column: MAP-IoU ascending, then descending.
        const scoreHeader = page.locator('#image-table thead th', { hasText: 'MAP-IoU' });
        await scoreHeader.click();
        assert.deepEqual(await rowIds(), EXPECTED.order);
        await scoreHeader.click();
        assert.deepEqual(await rowIds(), [...EXPECTED.order].reverse());
        await page.locator('#image-table a', { hasText: 'b' }).click();
        assert.ok(await page.locator('#image-2').isVisible());

        assert.deepEqual(errors, [], 'errors while sorting and following a link');
      },
    );
  });
});
