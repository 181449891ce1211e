/**
 * Mask R-CNN R50-FPN inference on the CPU, three ways, same run, same seeded random weights, same
 * synthetic 520 x 704 picture, same settings (torchvision_maskrcnn_resnet50_fpn, 3 classes,
 * MIN_SIZE_TEST 928, i.e. 928 x 1256, score threshold 0.4), with up to 100 and up to 1000
 * detections (TEST.DETECTIONS_PER_IMAGE / box_detections_per_img):
 *
 *   torchvision on the CPU, 2 threads       (benchmarks/reference/model_reference.py --load)
 *   cellmask on tfjs-backend-wasm, 2 threads (benchmarks/inference-child.ts --runtime wasm)
 *   cellmask on onnxruntime-node, 2 intra-op threads (inference-child.ts --runtime onnx)
 *
 * Each side runs in a process of its own, one after the other, so that its peak resident memory
 * (Python's ru_maxrss, Node's resourceUsage().maxRSS) is its own. The weights and the picture are
 * written once (model_reference.py --write-only: its BatchNorm calibration takes a while) and
 * read by every process. Times: per stage, medians of `reps` predictions after `warmups` untimed
 * ones (2: onnxruntime's arena and kernels settle over the first two predictions, ~1.7x slower
 * than later ones), per prediction (`totalMs`, the median of the stages' sums), and the first
 * prediction whole (`firstMs`: what a one-image run pays). The stages are model.bench.ts's,
 * except that onnxruntime's backbone stage also runs the RPN head (it is in the features graph)
 * and its rpn stage is the proposal selection alone. The goal of issue 7: onnxruntime at most
 * 0.6x torchvision's time per image. Detection counts that differ by more than `COUNT_TOLERANCE`
 * between any two sides, or a side that fails, are problems that fail the run.
 *
 * `quick`: MIN_SIZE_TEST 520 (the picture's own size) and one timed prediction.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { StageTimes } from '../src/model/mask-rcnn.js';
import type { InferenceRun } from './inference-child.js';

const STAGES: readonly (keyof StageTimes)[] = ['preprocess', 'backbone', 'rpn', 'boxHead', 'maskHead', 'paste'];

/** The three sides, in the order they run and are shown. */
const SIDES = ['torchvision', 'wasm', 'onnx'] as const;
type Side = (typeof SIDES)[number];

/** Detection counts may differ by this much: scores within float noise of the threshold. */
const COUNT_TOLERANCE = 3;

/** The goal of issue 7: onnxruntime's time per image at most this times torchvision's. */
export const ONNX_GOAL_RATIO = 0.6;

/** A side that did not finish: why. */
export interface FailedRun {
  readonly failed: string;
}

export interface OnnxBenchCap {
  /** TEST.DETECTIONS_PER_IMAGE. */
  readonly detectionsPerImage: number;
  readonly sides: Record<Side, InferenceRun | FailedRun>;
  /** onnx totalMs / torchvision totalMs, when both ran (goal: <= ONNX_GOAL_RATIO). */
  readonly onnxOverTorchvision?: number;
}

export interface OnnxBenchResult {
  readonly name: string;
  readonly settings: Record<string, unknown>;
  /** Set when the weights could not be written (no torch): then nothing ran. */
  readonly unavailable?: string;
  readonly caps: readonly OnnxBenchCap[];
  /** What fails the run: a side that failed, detection counts that disagree. */
  readonly problems: readonly string[];
}

const referenceScript = fileURLToPath(new URL('./reference/model_reference.py', import.meta.url));
const childScript = fileURLToPath(new URL('./inference-child.ts', import.meta.url));

/** The last line a failed process wrote to stderr, or how it ended. */
function whyFailed(proc: SpawnSyncReturns<string>): string {
  if (proc.error !== undefined) return proc.error.message;
  const last = proc.stderr.trim().split('\n').slice(-1)[0];
  const end = proc.signal !== null ? `killed by ${proc.signal}` : `exit code ${proc.status}`;
  return last ? `${end}: ${last}` : end;
}

/** Runs `command` and parses the last line of its stdout as JSON, or says why it failed. */
function runJson<T>(command: string, args: readonly string[]): T | FailedRun {
  const proc = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (proc.status !== 0) return { failed: whyFailed(proc) };
  const last = proc.stdout.trim().split('\n').slice(-1)[0];
  try {
    return JSON.parse(last) as T;
  } catch {
    return { failed: `printed no JSON line: ${last.slice(0, 200)}` };
  }
}

/** Runs the three sides for each detection cap (see the module comment). */
export function benchOnnx(quick: boolean): OnnxBenchResult {
  const [height, width] = [520, 704];
  const minSize = quick ? 520 : 928;
  const settings = { height, width, minSize, maxSize: 1333, scoreThresh: 0.4, detectionsPerImage: [100, 1000], reps: quick ? 1 : 3, warmups: 2, threads: 2 };
  const name = `mask-rcnn R50-FPN, ${height} x ${width} at MIN_SIZE_TEST ${minSize}, score > ${settings.scoreThresh}, CPU`;
  const python = process.env.CELLMASK_PYTHON ?? '/usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'cellmask-bench-onnx-'));
  const [weights, image] = [join(dir, 'weights.safetensors'), join(dir, 'image.bin')];
  const pythonArgs = (mode: string, detections: number) =>
    [referenceScript, mode, dir, height, width, minSize, settings.maxSize, settings.scoreThresh, detections, settings.reps, settings.warmups].map(String);
  try {
    const written = runJson<object>(python, pythonArgs('--write-only', Math.max(...settings.detectionsPerImage)));
    if ('failed' in written) return { name, settings, unavailable: `torchvision reference (which writes the weights) failed: ${written.failed}`, caps: [], problems: [] };

    const caps: OnnxBenchCap[] = [];
    const problems: string[] = [];
    for (const detections of settings.detectionsPerImage) {
      const childArgs = (runtime: string) => [
        '--import', 'tsx', childScript, '--runtime', runtime, '--weights', weights, '--image', image,
        ...['--height', height, '--width', width, '--min-size', minSize, '--max-size', settings.maxSize].map(String),
        ...['--score-thresh', settings.scoreThresh, '--detections', detections, '--reps', settings.reps, '--warmups', settings.warmups, '--threads', settings.threads].map(String),
      ];
      const run = (side: Side): InferenceRun | FailedRun =>
        side === 'torchvision' ? runJson<InferenceRun>(python, pythonArgs('--load', detections)) : runJson<InferenceRun>(process.execPath, childArgs(side));
      const sides = {} as Record<Side, InferenceRun | FailedRun>;
      for (const side of SIDES) {
        const result = run(side);
        sides[side] = result;
        const said = 'failed' in result ? `failed (${result.failed})` : `${(result.totalMs / 1000).toFixed(2)} s per image, ${result.detections} detections`;
        console.error(`bench onnx: up to ${detections} detections, ${side}: ${said}`);
        if ('failed' in result) problems.push(`up to ${detections} detections: ${side} failed: ${result.failed}`);
      }
      const ran = SIDES.filter((s) => !('failed' in sides[s]));
      const counts = ran.map((s) => (sides[s] as InferenceRun).detections);
      if (counts.length > 1 && Math.max(...counts) - Math.min(...counts) > COUNT_TOLERANCE) {
        problems.push(`up to ${detections} detections: counts differ by more than ${COUNT_TOLERANCE}: ${ran.map((s, i) => `${s} ${counts[i]}`).join(', ')}`);
      }
      const [torch, onnx] = [sides.torchvision, sides.onnx];
      const onnxOverTorchvision = 'failed' in torch || 'failed' in onnx ? undefined : onnx.totalMs / torch.totalMs;
      caps.push({ detectionsPerImage: detections, sides, onnxOverTorchvision });
    }
    return { name, settings, caps, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For each cap: seconds per stage and per image, detections and peak memory of each side, and onnx / torchvision. */
export function formatOnnxTable(r: OnnxBenchResult): string {
  if (r.unavailable !== undefined) return `${r.name}\nunavailable: ${r.unavailable}`;
  const width = 16;
  const lines = [r.name];
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
  for (const cap of r.caps) {
    const cell = (side: Side, show: (run: InferenceRun) => string) => {
      const run = cap.sides[side];
      return ('failed' in run ? 'failed' : show(run)).padStart(width);
    };
    const row = (what: string, show: (run: InferenceRun) => string) => `${what.padEnd(22)}${SIDES.map((s) => cell(s, show)).join('')}`;
    lines.push(
      '',
      `up to ${cap.detectionsPerImage} detections`,
      `${'stage'.padEnd(22)}${['torchvision', 'cellmask wasm', 'cellmask onnx'].map((h) => h.padStart(width)).join('')}`,
      ...STAGES.map((stage) => row(stage, (run) => seconds(run.ms[stage]))),
      row('total (s / image)', (run) => seconds(run.totalMs)),
      row('first prediction', (run) => seconds(run.firstMs)),
      row('detections', (run) => String(run.detections)),
      row('peak RSS after load', (run) => mib(run.loadPeakRssKiB)),
      row('peak RSS', (run) => mib(run.peakRssKiB)),
    );
    const ratio = cap.onnxOverTorchvision;
    lines.push(ratio === undefined ? 'onnx / torchvision: -' : `onnx / torchvision: ${ratio.toFixed(2)}x (goal <= ${ONNX_GOAL_RATIO}: ${ratio <= ONNX_GOAL_RATIO ? 'met' : 'not met'})`);
  }
  lines.push('', "onnx's backbone includes the RPN head (one graph, features.onnx); its rpn is the proposal selection alone");
  const impls = new Set(r.caps.flatMap((cap) => SIDES.map((s) => cap.sides[s])).flatMap((run) => ('failed' in run ? [] : [run.impl])));
  lines.push([...impls].join('; '));
  for (const p of r.problems) lines.push(`PROBLEM: ${p}`);
  return lines.join('\n');
}
