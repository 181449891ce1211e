/**
 * Mask R-CNN R50-FPN inference, stage by stage: cellmask on tfjs-backend-wasm (threaded SIMD)
 * beside torchvision on the CPU, same random weights, same picture, same settings, same run.
 * The reference (benchmarks/reference/model_reference.py) also writes the weights both use.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { initWasmBackendNode } from '../src/backend/index.js';
import { getPreset, setConfigValues } from '../src/config/index.js';
import { MaskRcnn, type StageTimes } from '../src/model/index.js';
import { loadWeights } from '../src/weights/index.js';

const STAGES: readonly (keyof StageTimes)[] = ['preprocess', 'backbone', 'rpn', 'boxHead', 'maskHead', 'paste'];

export interface ModelBenchResult {
  readonly name: string;
  readonly settings: Record<string, number | string>;
  readonly cellmask: { impl: string; ms: StageTimes; detections: number };
  readonly reference: { impl: string; ms: StageTimes; detections: number } | { unavailable: string };
}

const referenceScript = fileURLToPath(new URL('./reference/model_reference.py', import.meta.url));

/** Runs both sides; `quick` uses the picture's own size (no upscaling) and one timed run. */
export async function benchModel(quick: boolean): Promise<ModelBenchResult> {
  const [height, width] = [520, 704];
  const minSize = quick ? 520 : 928;
  const settings = { height, width, minSize, maxSize: 1333, scoreThresh: 0.4, detectionsPerImage: 1000, reps: quick ? 1 : 3 };
  const name = `mask-rcnn R50-FPN, ${height} x ${width} at MIN_SIZE_TEST ${minSize}`;
  const python = process.env.CELLMASK_PYTHON ?? '/usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'cellmask-bench-model-'));
  try {
    const args = [referenceScript, dir, height, width, minSize, settings.maxSize, settings.scoreThresh, settings.detectionsPerImage, settings.reps].map(String);
    const proc = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (proc.status !== 0) {
      const why = proc.error?.message ?? proc.stderr.trim().split('\n').slice(-1)[0];
      return { name, settings, cellmask: { impl: 'not run', ms: zeroTimes(), detections: 0 }, reference: { unavailable: `torchvision reference failed: ${why}` } };
    }
    const reference = JSON.parse(proc.stdout) as { impl: string; ms: StageTimes; detections: number };
    const backend = await initWasmBackendNode();
    const { weights } = await loadWeights(join(dir, 'weights.safetensors'), { format: 'torchvision', poolerResolution: 7 });
    const config = setConfigValues(getPreset('torchvision_maskrcnn_resnet50_fpn'), [
      'MODEL.ROI_HEADS.NUM_CLASSES=3',
      `INPUT.MIN_SIZE_TEST=${minSize}`,
      `INPUT.MAX_SIZE_TEST=${settings.maxSize}`,
      `MODEL.ROI_HEADS.SCORE_THRESH_TEST=${settings.scoreThresh}`,
      `TEST.DETECTIONS_PER_IMAGE=${settings.detectionsPerImage}`,
    ]);
    const model = new MaskRcnn(weights, config);
    const picture = { data: new Uint8Array(readFileSync(join(dir, 'image.bin'))), height, width, channels: 3 };
    await model.predict(picture);
    const runs: StageTimes[] = [];
    let detections = 0;
    for (let r = 0; r < settings.reps; r++) {
      const times = zeroTimes();
      detections = (await model.predict(picture, times)).scores.length;
      runs.push(times);
    }
    model.dispose();
    const ms = zeroTimes();
    for (const stage of STAGES) ms[stage] = median(runs.map((t) => t[stage]));
    return { name, settings, cellmask: { impl: `cellmask wasm (${backend.threads} threads)`, ms, detections }, reference };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function zeroTimes(): StageTimes {
  return { preprocess: 0, backbone: 0, rpn: 0, boxHead: 0, maskHead: 0, paste: 0 };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Seconds per stage for both sides and their ratio (torchvision / cellmask: above 1, cellmask is faster). */
export function formatModelTable(r: ModelBenchResult): string {
  const ref = 'impl' in r.reference ? r.reference : undefined;
  const total = (t: StageTimes) => STAGES.reduce((s, k) => s + t[k], 0);
  const rows = [...STAGES.map((k) => [k, r.cellmask.ms[k], ref?.ms[k]] as const), ['total', total(r.cellmask.ms), ref ? total(ref.ms) : undefined] as const];
  const lines = rows.map(([k, ours, theirs]) =>
    `${k.padEnd(10)}  ${(ours / 1000).toFixed(2).padStart(8)} s  ${theirs === undefined ? '       -' : `${(theirs / 1000).toFixed(2).padStart(8)} s`}  ${theirs === undefined ? '-' : `${(theirs / ours).toFixed(2)}x`}`,
  );
  const header = `${r.name}\n${'stage'.padEnd(10)}  ${'cellmask'.padStart(10)}  ${'torchvision'.padStart(10)}  speedup`;
  const foot = ref
    ? `detections: cellmask ${r.cellmask.detections}, torchvision ${ref.detections}; ${r.cellmask.impl} vs ${ref.impl}`
    : `reference unavailable: ${(r.reference as { unavailable: string }).unavailable}`;
  return [header, ...lines, foot].join('\n');
}
