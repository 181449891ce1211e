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
import type { CellmaskConfig } from '../config/index.js';
import { writeFileAtomic } from '../data/atomic.js';
import { listImages } from '../data/dataset.js';
import { readPng } from '../data/image.js';
import { type SubmissionRow, writeSubmissionCsv } from '../data/submission.js';
import { type Command, type CommandIO, UsageError, parseCommandArgs, requireOption } from './command.js';
import { BACKEND_HELP, backendOptions, configWithOverrides, useBackend } from './setup.js';
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
${BACKEND_HELP}
  -h, --help            show this help

One progress line per image (time taken, detections) goes to stderr, a summary to stdout.
`;

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
    const { backend, threads } = backendOptions(values);

    const cfg = await configWithOverrides(configName, values.set ?? []);
    if (!cfg.MODEL.MASK_ON) throw new UsageError('the config has MODEL.MASK_ON False: predict writes masks, so it needs a Mask R-CNN config');
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
