/**
 * `cellmask predict --weights W.safetensors --config PRESET_OR_FILE --input PNG_OR_DIR --out DIR`:
 * Mask R-CNN inference over PNG files, written per image as the JSON `cellmask ensemble` reads,
 * or as one `submission.csv`; `--runtime onnx` (with `--model model.onnx` from `cellmask export`,
 * or with `--weights` and `--config`) runs it on onnxruntime-node instead of TensorFlow.js.
 *
 * The work is `predictImages` (`cellmask/pipeline`): worker threads load TensorFlow.js, its
 * backend and the model (or onnxruntime and the model), this thread never does. They are
 * optional peers of the package, so the other commands work without them, and a missing one is
 * named with the command that needs it.
 */
import { stat } from 'node:fs/promises';

import type { CellmaskConfig } from '../config/index.js';
import { listImages } from '../data/dataset.js';
import {
  DEFAULT_WASM_THREADS_PER_WORKER,
  type ImageProgress,
  ONNX_INFERENCE_KEYS,
  type PredictImagesResult,
  type Shard,
  fixedKeysChanged,
  parseShard,
  predictImages,
} from '../pipeline/index.js';
import { someNames } from '../utils/describe.js';
import { type Command, UsageError, intOption, parseCommandArgs, requireOption } from './command.js';
import { backendOptions, configWithOverrides, withOverrides } from './setup.js';

/** `text` in lines of the help's option column (24 spaces, at most 96 characters). */
function indented(text: string): string {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= 96) lines[last] += ` ${word}`;
    else lines.push(`${' '.repeat(24)}${word}`);
  }
  return lines.join('\n');
}

const help = `Usage: cellmask predict --weights FILE --config PRESET_OR_FILE --input PNG_OR_DIR --out DIR [options]
       cellmask predict --runtime onnx --model MODEL.onnx --input PNG_OR_DIR --out DIR [options]

Runs Mask R-CNN on one PNG file, or on every .png file of a directory (in name order), and
writes each image's detections in the form \`cellmask ensemble\` reads, or one submission.csv.
The images are shared among worker threads, each with its own copy of the model; what is
written does not depend on how many.

Options:
  --weights FILE        safetensors checkpoint with Detectron2 or torchvision parameter names
                        (told apart by the names); it must hold every weight of --config's network
  --config NAME|FILE    a preset (mask_rcnn_R_50_FPN_3x, livecell_pretrain, sartorius_finetune,
                        torchvision_maskrcnn_resnet50_fpn) or a YAML/JSON config file
                        (Detectron2 keys, _BASE_ allowed)
  --set KEY=VALUE       override one config key after --config, e.g.
                        --set MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.5 (repeatable, applied in order).
                        With --model, it changes the config stored in the model, and only the
                        keys that choose how inference runs may be set:
${indented(`${ONNX_INFERENCE_KEYS.join(', ')} (the others are fixed by the exported graphs: export again to change them)`)}
  --runtime tfjs|onnx   what runs the network: tfjs (default), TensorFlow.js on --backend; onnx,
                        onnxruntime-node's CPU provider (an optional peer dependency: npm install
                        onnxruntime-node), on --model, or on --weights and --config exported in
                        memory as \`cellmask export\` would. Both give the same detections up to
                        float rounding; the workers of onnx load no TensorFlow.js
  --model FILE.onnx     with --runtime onnx, instead of --weights and --config: a model written by
                        \`cellmask export\` (FILE.onnx, with FILE.box_head.onnx and
                        FILE.mask_head.onnx beside it; the config comes from the files)
  --input PNG|DIR       one PNG file, or a directory of them: 8-bit grey, grey+alpha, RGB or RGBA
                        (16-bit files are refused: convert them to 8 bits first)
  --out DIR             output directory (created if missing)
  --format json|csv     json (default): one <id>.json per image, id = the file name without
                        its extension:
                          {"boxes": [[x1, y1, x2, y2], ...], "scores": [...], "classes": [...],
                           "masks": ["<Kaggle RLE>", ...], "height": h, "width": w}
                        detections best first; boxes in absolute pixels rounded to 0.01, scores
                        rounded to 5 significant digits, masks as Kaggle run-length text;
                        csv: one submission.csv (id,predicted; one row per non-empty mask,
                        an image without any gets one row with an empty predicted; images in
                        name order)
  --backend NAME        TensorFlow.js backend of the workers (--runtime tfjs): auto (default),
                        tfjs-node-gpu, tfjs-node, webgpu, wasm, cpu, or several in the order to
                        try them (webgpu,wasm). auto tries tfjs-node-gpu, tfjs-node, webgpu (not
                        on a software adapter), wasm, cpu, once, in this thread (the summary
                        names the choice, stderr the ones passed over and why, after the run);
                        every worker then runs the one chosen. Each is an optional peer
                        dependency (see docs/backends.md)
  --workers N           worker threads, each loading the model once (default: wasm, as many as
                        fill the cores with --threads threads each; cpu, one per core; onnx,
                        as many as fill the cores with --threads threads each, one without
                        --threads; the others, one); never more than images to predict
  --threads N           threads of each worker: wasm's, or onnxruntime's with --runtime onnx
                        (default: wasm, ${DEFAULT_WASM_THREADS_PER_WORKER} without --workers; onnx, every core without
                        --workers; else the cores shared among the workers; cores left idle by
                        fewer images than workers become threads)
  --shard K/N           predict only shard K of N (0 <= K < N, 0-based like SLURM_ARRAY_TASK_ID
                        and JOB_COMPLETION_INDEX): the images at positions i, in name order,
                        with i % N = K. With csv, submission.csv holds the shard's images only
  --skip-existing       leave out the images whose <id>.json is already in --out (each is
                        written whole or not at all), so an interrupted run continues; json only
  -h, --help            show this help

One progress line per image (time taken, detections), in name order, goes to stderr, a summary
to stdout. A failing image stops the run, naming the file; the JSON written until then stays.
See docs/batch-inference.md for clusters (Slurm array jobs, Kubernetes indexed Jobs) and for
merging the shards' outputs.
`;

export const command: Command = {
  name: 'predict',
  summary: 'run Mask R-CNN on PNG images (TensorFlow.js or onnxruntime): per-image JSON or a submission.csv',
  help,
  async run(argv, io) {
    const parsed = parseCommandArgs(argv, {
      weights: { type: 'string' },
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      runtime: { type: 'string' },
      model: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      workers: { type: 'string' },
      shard: { type: 'string' },
      'skip-existing': { type: 'boolean' },
    });
    if (parsed === undefined) {
      io.stdout(help);
      return 0;
    }
    const { values } = parsed;
    const runtime = values.runtime ?? 'tfjs';
    if (runtime !== 'tfjs' && runtime !== 'onnx') throw new UsageError(`--runtime must be tfjs or onnx, got "${runtime}"`);
    const model = modelOption(values, runtime);
    const network: { model: string } | { weights: string; configName: string } =
      model !== undefined ? { model } : { weights: requireOption(values, 'weights'), configName: requireOption(values, 'config') };
    const input = requireOption(values, 'input');
    const out = requireOption(values, 'out');
    const format = values.format ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new UsageError(`--format must be json or csv, got "${format}"`);
    const { backend, threads } = runtime === 'onnx' ? onnxThreads(values) : backendOptions(values);
    const workers = values.workers === undefined ? undefined : intOption(values.workers, 'workers', 0, 1);
    const shard = values.shard === undefined ? undefined : shardOption(values.shard);
    const skipExisting = values['skip-existing'] === true;
    if (skipExisting && format === 'csv') throw new UsageError('--skip-existing applies to --format json (submission.csv is written once, at the end)');

    const cfg = 'model' in network ? await exportedConfig(network.model, values.set ?? []) : await configWithOverrides(network.configName, values.set ?? []);
    if (cfg !== undefined && !cfg.MODEL.MASK_ON) throw new UsageError('the config has MODEL.MASK_ON False: predict writes masks, so it needs a Mask R-CNN config');
    const images = await inputPngs(input);
    const result = await predictImages({
      ...('model' in network ? { onnxModel: network.model } : { weights: network.weights }),
      config: cfg,
      runtime,
      images,
      out,
      format,
      backend,
      workers,
      threadsPerWorker: threads,
      shard,
      skipExisting,
      onProgress: (p) => io.stderr(progressLine(p)),
      onWarning: (message) => io.stderr(`warning: ${message}\n`),
    });
    // After the run, so that stderr during it holds the progress lines only (the summary names the backend chosen).
    for (const { name, reason } of result.passedOver) io.stderr(`backend ${name}: passed over: ${reason}\n`);
    io.stdout(summary(result, shard, images.length));
    return 0;
  },
};

/** `--model`: with `--runtime onnx` only, instead of `--weights` and `--config`, a `.onnx` path. */
function modelOption(values: { model?: string; weights?: string; config?: string }, runtime: 'tfjs' | 'onnx'): string | undefined {
  const model = values.model;
  if (model === undefined) return undefined;
  if (runtime !== 'onnx') throw new UsageError(`--model ${model} is an exported ONNX model: it runs with --runtime onnx`);
  if (values.weights !== undefined || values.config !== undefined) {
    throw new UsageError(`--model holds the weights and the config: give --model, or --weights and --config, not both`);
  }
  if (!model.endsWith('.onnx')) throw new UsageError(`--model must be the .onnx file \`cellmask export\` wrote (model.onnx), got "${model}"`);
  return model;
}

/** `--threads` of `--runtime onnx` (onnxruntime's intra-op threads); `--backend`, TensorFlow.js's, is refused. */
function onnxThreads(values: { backend?: string; threads?: string }): { backend: undefined; threads: number | undefined } {
  if (values.backend !== undefined) {
    throw new UsageError(`--backend ${values.backend} chooses a TensorFlow.js backend; --runtime onnx runs on onnxruntime-node (cpu) and takes no --backend`);
  }
  return { backend: undefined, threads: values.threads === undefined ? undefined : intOption(values.threads, 'threads', 0, 1) };
}

/**
 * With `--model` and `--set`: the config stored in the model with the assignments applied, which
 * may change `ONNX_INFERENCE_KEYS` only (a `UsageError` names the others). Without `--set`:
 * undefined, `predictImages` then takes the model's config as it is.
 */
async function exportedConfig(model: string, assignments: readonly string[]): Promise<CellmaskConfig | undefined> {
  if (assignments.length === 0) return undefined;
  const { readOnnxFiles } = await import('../onnx/files.js');
  const exported = (await readOnnxFiles(model)).config;
  const cfg = withOverrides(exported, assignments, `--model ${model}`);
  const fixed = fixedKeysChanged(exported, cfg);
  if (fixed.length > 0) {
    throw new UsageError(
      `--set ${someNames(fixed)}: fixed by the graphs of --model ${model}; with --model only ${ONNX_INFERENCE_KEYS.join(', ')} ` +
        'may be set (export the model again with `cellmask export --set ...` to change the others)',
    );
  }
  return cfg;
}

/** `--shard K/N`, or a `UsageError` saying what is wrong with it. */
function shardOption(text: string): Shard {
  try {
    return parseShard(text);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
}

function progressLine(p: ImageProgress): string {
  return `[${p.index + 1}/${p.total}] ${p.path}: ${p.detections} detections in ${p.seconds.toFixed(2)} s\n`;
}

/** The last line: what was predicted, where, on what; the shard (of `inputs` images) and the skipped images when there are. */
function summary(r: PredictImagesResult, shard: Shard | undefined, inputs: number): string {
  const of = shard === undefined ? '' : ` of shard ${shard.index}/${shard.count} (${r.images.length} of ${inputs} images)`;
  const skipped = r.skipped === 0 ? '' : `, ${r.skipped} skipped (their JSON exists)`;
  const on = r.backend === undefined ? '' : ` on ${r.workers > 1 ? `${r.workers} workers x ` : ''}${r.backend}`;
  return `predicted ${r.predicted} image(s)${of}${skipped} in ${r.seconds.toFixed(2)} s${on}: ${r.detections} detections -> ${r.written}\n`;
}

/** `--input`: the file itself, or the directory's `.png` files sorted by name. */
async function inputPngs(input: string): Promise<string[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(input)).isDirectory();
  } catch (error) {
    throw new Error(`--input ${input}: ${(error as Error).message}`, { cause: error });
  }
  if (!isDirectory) return [input];
  const files = await listImages(input, ['.png']);
  if (files.length === 0) throw new Error(`--input ${input}: the directory has no .png files`);
  return files;
}
