/**
 * `node --import tsx benchmarks/browser/bench.ts [--rounds 3] [--reps 10] [--configs tfjs,onnx,onnx-isolated] [--out DIR]`:
 * the browser demo's model on its example image in headless Chromium (playwright-core; Debian's
 * /usr/bin/chromium or $CHROMIUM_PATH), TensorFlow.js's wasm backend against onnxruntime-web's
 * wasm execution provider, through the demo's own code (benchmarks/browser/page.ts).
 *
 * The page is built once with Vite (minified, as `npm run demo:browser:build` builds the demo)
 * and served by a local static server, with the cross-origin isolation headers for the
 * `-isolated` configurations (threads need SharedArrayBuffer). Each page load runs one runtime:
 * set-up, model load, one warm-up prediction, then `reps` timed predictions. The configurations
 * take turns, `rounds` times, in alternating order, so that load from other work on the machine
 * falls on all of them; the table shows medians over every timed prediction of every round.
 * A configuration whose page fails is reported with its errors, and the run exits with 1.
 *
 * Configurations: `tfjs` (wasm backend, the demo's `?backend=wasm`: 1 thread, the demo is not
 * isolated), `onnx` (1 thread), `onnx-isolated` (threads: every core), `tfjs-isolated` (the
 * backend's threaded build).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Browser, chromium } from 'playwright-core';
import { build } from 'vite';

import { type ServedSite, findChromium, serveSite } from '../../examples/browser/serve-built.js';
import type { StageTimes } from '../../src/model/mask-rcnn.js';
import type { BenchPageResult } from './page.js';

const HERE = import.meta.dirname;
const DEMO_PUBLIC = resolve(HERE, '../../examples/browser/public');

interface Configuration {
  readonly name: string;
  readonly query: string;
  readonly isolated: boolean;
}

const CONFIGURATIONS: Record<string, Configuration> = {
  tfjs: { name: 'tfjs', query: 'runtime=tfjs', isolated: false },
  onnx: { name: 'onnx', query: 'runtime=onnx', isolated: false },
  'onnx-isolated': { name: 'onnx-isolated', query: `runtime=onnx&threads=${cpus().length}`, isolated: true },
  'tfjs-isolated': { name: 'tfjs-isolated', query: 'runtime=tfjs', isolated: true },
};

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    reps: { type: 'string', default: '10' },
    configs: { type: 'string', default: 'tfjs,onnx,onnx-isolated' },
    out: { type: 'string', default: 'bench-results' },
    timeout: { type: 'string', default: '120' },
  },
});
const rounds = Number(values.rounds);
const reps = Number(values.reps);
const pageTimeoutMs = Number(values.timeout) * 1000;
const configs = values.configs.split(',').map((name) => {
  const config = CONFIGURATIONS[name];
  if (config === undefined) throw new Error(`--configs: no configuration ${name}; there are ${Object.keys(CONFIGURATIONS).join(', ')}`);
  return config;
});
if (!(Number.isInteger(rounds) && rounds >= 1 && Number.isInteger(reps) && reps >= 1)) throw new Error('--rounds and --reps must be integers >= 1');
const executable = findChromium();
if (executable === undefined) throw new Error('no chromium: install it (apt-get install chromium) or set CHROMIUM_PATH');

/** One page load: its result, or why it failed. */
type PageRun = { readonly result: BenchPageResult; readonly errors: readonly string[] } | { readonly failed: string; readonly errors: readonly string[] };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Opens `url` (the bench page with its query) and waits for its result, `pageTimeoutMs` at most. */
async function loadPage(browser: Browser, url: string): Promise<PageRun> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
  try {
    await page.goto(url);
    await page.waitForFunction("['done', 'error'].includes(document.getElementById('result').dataset.state)", undefined, { timeout: pageTimeoutMs });
    if ((await page.locator('#result').getAttribute('data-state')) !== 'done') return { failed: (await page.locator('#result').textContent()) ?? '', errors };
    return { result: (await page.evaluate('window.__cellmaskBench')) as BenchPageResult, errors };
  } catch (error) {
    return { failed: (error as Error).message.split('\n')[0], errors };
  } finally {
    await page.close();
  }
}

const site = mkdtempSync(join(tmpdir(), 'cellmask-browser-bench-'));
const servers: ServedSite[] = [];
const browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
try {
  await build({
    configFile: false,
    root: HERE,
    base: './',
    publicDir: DEMO_PUBLIC,
    logLevel: 'error',
    build: { outDir: site, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 16384 },
  });
  const plain = await serveSite(site);
  const isolated = await serveSite(site, { isolated: true });
  servers.push(plain, isolated);

  const runs = new Map<string, PageRun[]>(configs.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? configs : [...configs].reverse();
    for (const config of order) {
      const run = await loadPage(browser, `${(config.isolated ? isolated : plain).url}index.html?${config.query}&reps=${reps}`);
      runs.get(config.name)?.push(run);
      const line = 'result' in run ? `median ${median(run.result.warmMs).toFixed(0)} ms, first ${run.result.firstMs.toFixed(0)} ms, load ${run.result.loadMs.toFixed(0)} ms, ${run.result.instances} instances` : `failed: ${run.failed}`;
      console.error(`round ${round + 1}/${rounds} ${config.name}: ${line}`);
    }
  }

  const summaries = configs.map((config) => summarize(config, runs.get(config.name) ?? []));
  const first = summaries.find((s) => s.userAgent !== undefined);
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, browser: browser.version(), userAgent: first?.userAgent, webgpu: first?.webgpu };
  console.log(formatTable(summaries, machine));
  mkdirSync(values.out, { recursive: true });
  const file = join(values.out, 'browser-runtimes.json');
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), rounds, reps, machine, summaries, runs: Object.fromEntries(runs) }, null, 2)}\n`);
  console.log(`\nresults written to ${file}`);
  const counts = new Set(summaries.flatMap((s) => (s.instances === undefined ? [] : [s.instances])));
  if (counts.size > 1) console.error(`the configurations found different numbers of instances: ${summaries.map((s) => `${s.name} ${s.instances}`).join(', ')}`);
  if (summaries.some((s) => s.failed !== undefined) || counts.size > 1) process.exitCode = 1;
} finally {
  await browser.close();
  for (const { server } of servers) server.close();
  rmSync(site, { recursive: true, force: true });
}

/** A configuration's runs in a few numbers (milliseconds, medians over its page loads; `warm` over every timed prediction). */
interface Summary {
  readonly name: string;
  readonly detail?: string;
  readonly userAgent?: string;
  readonly webgpu?: string;
  readonly instances?: number;
  readonly warm?: number;
  /** The median of the second half of every page's timed predictions: after V8 has finished optimizing the wasm code. */
  readonly laterHalf?: number;
  /** The median of each round, to show the spread. */
  readonly warmPerRound?: readonly number[];
  readonly first?: number;
  readonly load?: number;
  readonly setup?: number;
  readonly exportMs?: number;
  /** Per prediction. */
  readonly stages?: StageTimes;
  readonly failed?: string;
}

function summarize(config: Configuration, runs: readonly PageRun[]): Summary {
  const done = runs.flatMap((r) => ('result' in r ? [r.result] : []));
  const failures = runs.flatMap((r) => ('failed' in r ? [`${r.failed}${r.errors.length > 0 ? ` (${r.errors.slice(0, 3).join('; ')})` : ''}`] : []));
  const errors = runs.flatMap((r) => ('result' in r ? r.errors : []));
  const failed = [...failures, ...errors.map((e) => `with errors: ${e}`)];
  if (done.length === 0) return { name: config.name, failed: failed.join(' | ') };
  const stages = Object.fromEntries(
    (Object.keys(done[0].stages) as (keyof StageTimes)[]).map((stage) => [stage, median(done.map((r) => r.stages[stage] / r.warmMs.length))]),
  ) as StageTimes;
  const exportTimes = done.flatMap((r) => (r.exportMs === undefined ? [] : [r.exportMs]));
  return {
    name: config.name,
    detail: done[0].detail,
    userAgent: done[0].userAgent,
    webgpu: done[0].webgpu,
    instances: done[0].instances,
    warm: median(done.flatMap((r) => r.warmMs)),
    laterHalf: median(done.flatMap((r) => r.warmMs.slice(r.warmMs.length >> 1))),
    warmPerRound: done.map((r) => median(r.warmMs)),
    first: median(done.map((r) => r.firstMs)),
    load: median(done.map((r) => r.loadMs)),
    setup: median(done.map((r) => r.setupMs)),
    ...(exportTimes.length > 0 ? { exportMs: median(exportTimes) } : {}),
    stages,
    ...(failed.length > 0 ? { failed: failed.join(' | ') } : {}),
  };
}

function formatTable(summaries: readonly Summary[], machine: Record<string, unknown>): string {
  const ms = (v: number | undefined) => (v === undefined ? '' : v.toFixed(0));
  const lines = [
    `Chromium ${machine.browser} (headless), ${machine.cpus} cores (${machine.cpu}), WebGPU: ${machine.webgpu}; ${rounds} rounds x ${reps} timed predictions after 1 warm-up`,
    '',
    '| configuration | runtime | instances | warm ms/image (median) | per round | later half | first prediction | model load | set-up | preprocess | backbone | rpn | box head | mask head | paste |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of summaries) {
    if (s.detail === undefined) {
      lines.push(`| ${s.name} | failed: ${s.failed} |`);
      continue;
    }
    const st = s.stages;
    lines.push(
      `| ${s.name} | ${s.detail} | ${s.instances} | ${ms(s.warm)} | ${s.warmPerRound?.map(ms).join(', ')} | ${ms(s.laterHalf)} | ${ms(s.first)} | ${ms(s.load)}${s.exportMs === undefined ? '' : ` (export ${ms(s.exportMs)})`} | ${ms(s.setup)} | ${ms(st?.preprocess)} | ${ms(st?.backbone)} | ${ms(st?.rpn)} | ${ms(st?.boxHead)} | ${ms(st?.maskHead)} | ${ms(st?.paste)} |`,
    );
    if (s.failed !== undefined) lines.push(`|  | ${s.failed} |`);
  }
  return lines.join('\n');
}
