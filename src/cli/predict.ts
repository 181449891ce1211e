/**
 * `cellmask predict --weights W.safetensors --config PRESET_OR_FILE --input PNG_OR_DIR --out DIR`:
 * Mask R-CNN inference over PNG files, written per image as the JSON `cellmask ensemble` reads,
 * or as one `submission.csv`.
 *
 * TensorFlow.js and its backends are optional peers of the package, so this module imports
 * them (and the modules built on them) only when the command runs: the other commands work
 * without them, and a missing one is named with the command that needs it.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

import type { MaskRcnn } from '../model/index.js';
import { type CellmaskConfig, isPresetName, loadConfig, presets, setConfigValues, validateConfig } from '../config/index.js';
import { writeFileAtomic } from '../data/atomic.js';
import { listImages } from '../data/dataset.js';
import { readPng } from '../data/image.js';
import { type SubmissionRow, writeSubmissionCsv } from '../data/submission.js';
import { type Command, type CommandIO, UsageError, intOption, parseCommandArgs, requireOption } from './command.js';
import { imageId, pictureFromPng, predictionJson, submissionRows } from './predict-output.js';

const help = `Usage: cellmask predict --weights FILE --config PRESET_OR_FILE --input PNG_OR_DIR --out DIR [options]

Runs Mask R-CNN on one PNG file, or on every .png file of a directory (in name order), and
writes each image's detections in the form \`cellmask ensemble\` reads, or one submission.csv.

Options:
  --weights FILE        safetensors checkpoint with Detectron2 or torchvision parameter names
                        (told apart by the names); it must hold every weight of --config's network
  --config NAME|FILE    a preset (mask_rcnn_R_50_FPN_3x, livecell_pretrain, sartorius_finetune,
                        torchvision_maskrcnn_resnet50_fpn) or a YAML/JSON config file
                        (Detectron2 keys, _BASE_ allowed)
  --set KEY=VALUE       override one config key after --config, e.g.
                        --set MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.5 (repeatable, applied in order)
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
                        an image without any gets one row with an empty predicted)
  --backend wasm|cpu    TensorFlow.js backend (default wasm); each is an optional peer
                        dependency: @tensorflow/tfjs-backend-wasm, @tensorflow/tfjs-backend-cpu
  --threads N           threads of the wasm backend (default: every core)
  -h, --help            show this help

One progress line per image (time taken, detections) goes to stderr, a summary to stdout.
`;

type Backend = 'wasm' | 'cpu';

export const command: Command = {
  name: 'predict',
  summary: 'run Mask R-CNN on PNG images: per-image JSON or a submission.csv',
  help,
  async run(argv, io) {
    const parsed = parseCommandArgs(argv, {
      weights: { type: 'string' },
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      input: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
    });
    if (parsed === undefined) {
      io.stdout(help);
      return 0;
    }
    const { values } = parsed;
    const weightsPath = requireOption(values, 'weights');
    const configName = requireOption(values, 'config');
    const input = requireOption(values, 'input');
    const out = requireOption(values, 'out');
    const format = values.format ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new UsageError(`--format must be json or csv, got "${format}"`);
    const backend = (values.backend ?? 'wasm') as Backend;
    if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got "${backend}"`);
    if (values.threads !== undefined && backend !== 'wasm') throw new UsageError('--threads applies to --backend wasm only');
    const threads = values.threads === undefined ? undefined : intOption(values.threads, 'threads', 0, 1);

    const cfg = await configWithOverrides(configName, values.set ?? []);
    const files = await inputPngs(input);
    await mkdir(out, { recursive: true });
    const backendInfo = await useBackend(backend, threads, io);
    const model = await loadModel(weightsPath, cfg, io);
    const started = performance.now();
    const rows: SubmissionRow[] = [];
    let detections = 0;
    try {
      for (const [k, path] of files.entries()) {
        const t0 = performance.now();
        const id = imageId(path);
        const dets = await model.predict(pictureFromPng(await readPng(path), path));
        if (format === 'json') await writeFileAtomic(join(out, `${id}.json`), `${JSON.stringify(predictionJson(dets))}\n`);
        else rows.push(...submissionRows(id, dets));
        detections += dets.scores.length;
        io.stderr(`[${k + 1}/${files.length}] ${path}: ${dets.scores.length} detections in ${seconds(t0)} s\n`);
      }
    } finally {
      model.dispose();
    }
    const written = format === 'csv' ? join(out, 'submission.csv') : out;
    if (format === 'csv') await writeSubmissionCsv(written, rows);
    io.stdout(`predicted ${files.length} image(s) in ${seconds(started)} s on ${backendInfo}: ${detections} detections -> ${written}\n`);
    return 0;
  },
};

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2);
}

/**
 * The config of `--config` with every `--set` applied in order, validated. A bad `--set` is a
 * `UsageError` naming the assignment; an unreadable or invalid config file an `Error` naming it.
 */
async function configWithOverrides(name: string, assignments: readonly string[]): Promise<CellmaskConfig> {
  let cfg: CellmaskConfig;
  try {
    cfg = await loadConfig(name);
  } catch (error) {
    const known = isPresetName(name) || (await stat(name).then(() => true, () => false));
    if (known) throw error;
    throw new Error(`--config ${name}: neither a preset (${Object.keys(presets).join(', ')}) nor a readable file`, { cause: error });
  }
  for (const assignment of assignments) {
    try {
      cfg = setConfigValues(cfg, [assignment]);
    } catch (error) {
      throw new UsageError(`--set ${assignment}: ${(error as Error).message.replace(/^setConfigValues?(\([^)]*\))?: /, '')}`);
    }
  }
  if (assignments.length > 0) {
    try {
      validateConfig(cfg, `--config ${name} with the --set values`);
    } catch (error) {
      throw new UsageError((error as Error).message.replace(/^validateConfig: /, ''));
    }
  }
  if (!cfg.MODEL.MASK_ON) throw new UsageError('the config has MODEL.MASK_ON False: predict writes masks, so it needs a Mask R-CNN config');
  return cfg;
}

/** `--input`: the file itself, or the directory's `.png` files sorted by name; ids must be unique. */
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
  const seen = new Map<string, string>();
  for (const path of files) {
    const other = seen.get(imageId(path));
    if (other !== undefined) throw new Error(`--input ${input}: ${other} and ${path} have the same image id "${imageId(path)}"`);
    seen.set(imageId(path), path);
  }
  return files;
}

/** Node's error for a package that is not installed, recognised by its code and the package's name. */
function isMissingPackage(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${pkg}`);
}

/**
 * Runs `load`, turning "package `pkg` not found" into an error that says what needs it and how
 * to install it.
 */
export async function withOptionalPeer<T>(pkg: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, pkg)) throw error;
    throw new Error(`${purpose} needs the optional peer dependency ${pkg}, which is not installed (npm install ${pkg})`, { cause: error });
  }
}

/** Makes `backend` TensorFlow.js's active backend; returns it in words for the summary. */
async function useBackend(backend: Backend, threads: number | undefined, io: CommandIO): Promise<string> {
  const tf = await withOptionalPeer('@tensorflow/tfjs-core', 'cellmask predict', () => import('@tensorflow/tfjs-core'));
  if (backend === 'cpu') {
    // Importing the package registers the backend.
    await withOptionalPeer('@tensorflow/tfjs-backend-cpu', '--backend cpu', () => import('@tensorflow/tfjs-backend-cpu'));
    if (!(await tf.setBackend('cpu'))) throw new Error('--backend cpu: the cpu backend failed to initialize');
    await tf.ready();
    return 'cpu';
  }
  const { initWasmBackendNode } = await import('../backend/index.js');
  const info = await withOptionalPeer('@tensorflow/tfjs-backend-wasm', '--backend wasm', () =>
    initWasmBackendNode(threads === undefined ? {} : { threads }),
  );
  if (info.fallbackReason !== undefined && threads !== 1) io.stderr(`warning: wasm runs on one thread: ${info.fallbackReason}\n`);
  return `wasm (${info.threads} thread${info.threads === 1 ? '' : 's'})`;
}

/** Names, at most `max` of them, then how many more. */
function someNames(names: readonly string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, ... (${names.length - max} more)`;
}

/**
 * The model of `cfg` with the weights of the safetensors file at `path`. Fails, naming the file,
 * when the file lacks weights of the config's network or holds some with other shapes (both
 * mean the config is not the network the weights were trained as); warns about tensors the
 * network does not read.
 */
async function loadModel(path: string, cfg: CellmaskConfig, io: CommandIO): Promise<MaskRcnn> {
  const [{ MaskRcnn }, { expectedWeightShapes, loadWeights, missingWeights }] = await Promise.all([
    import('../model/index.js'),
    import('../weights/index.js'),
  ]);
  const { weights, unused } = await loadWeights(path, { format: 'auto', poolerResolution: cfg.MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION });
  const expected = expectedWeightShapes(cfg);
  const missing = missingWeights(weights, expected.keys());
  const misshapen = [...expected]
    .filter(([name, shape]) => weights.has(name) && weights.get(name)!.shape.join() !== shape.join())
    .map(([name, shape]) => `${name} [${weights.get(name)!.shape.join(', ')}], expected [${shape.join(', ')}]`);
  if (missing.length > 0 || misshapen.length > 0) {
    weights.forEach((t) => t.dispose());
    const problems = [
      ...(missing.length > 0 ? [`${missing.length} of the config's ${expected.size} weights are missing: ${someNames(missing)}`] : []),
      ...(misshapen.length > 0 ? [`${misshapen.length} have other shapes: ${someNames(misshapen, 3)}`] : []),
    ];
    throw new Error(`--weights ${path} does not fit --config: ${problems.join('; ')}`);
  }
  const extra = [...unused, ...[...weights.keys()].filter((name) => !expected.has(name))];
  if (extra.length > 0) io.stderr(`warning: --weights ${path}: ${extra.length} tensor(s) the network does not read: ${someNames(extra)}\n`);
  return new MaskRcnn(weights, cfg);
}
