/**
 * `cellmask export --weights W.safetensors --config PRESET_OR_FILE --out model.onnx`: Mask R-CNN
 * with the weights of a checkpoint as three ONNX graphs for onnxruntime (`exportOnnxFiles` of
 * `cellmask/onnx`), which `cellmask predict --runtime onnx --model model.onnx` runs.
 */
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { ONNX_OPSET } from '../onnx/export.js';
import { exportOnnxFiles, onnxPaths } from '../onnx/files.js';
import { type Command, UsageError, parseCommandArgs, requireOption } from './command.js';
import { configWithOverrides } from './setup.js';

const help = `Usage: cellmask export --weights FILE --config PRESET_OR_FILE --out FILE.onnx [options]

Writes Mask R-CNN with the weights of a checkpoint as ONNX (opset ${ONNX_OPSET}) for onnxruntime, in
three graphs: FILE.onnx (ResNet, FPN and RPN head: the one to open), and beside it
FILE.box_head.onnx and FILE.mask_head.onnx (RoIAlign and the heads); the proposal selection,
the detection filtering and the mask pasting run in TypeScript between them (cellmask/onnx).
Each file carries the config in its metadata, so
  cellmask predict --runtime onnx --model FILE.onnx --input PNG_OR_DIR --out DIR
needs nothing else. Keep the three files together.

Options:
  --weights FILE        safetensors checkpoint with Detectron2 or torchvision parameter names
                        (told apart by the names); it must hold every weight of --config's network
  --config NAME|FILE    a preset (mask_rcnn_R_50_FPN_3x, livecell_pretrain, sartorius_finetune,
                        torchvision_maskrcnn_resnet50_fpn) or a YAML/JSON config file
                        (Detectron2 keys, _BASE_ allowed)
  --set KEY=VALUE       override one config key after --config (repeatable, applied in order);
                        the test size and the thresholds can also be changed at predict time
  --out FILE.onnx       where to write the first graph; the other two go beside it. The folder
                        is created if missing; files there of an earlier export are replaced
  -h, --help            show this help

Nothing is written unless the weights fit the config; each file is written whole or not at
all. Prints the files written and their sizes.
`;

export const command: Command = {
  name: 'export',
  summary: 'write Mask R-CNN with a checkpoint\'s weights as ONNX graphs for onnxruntime',
  help,
  async run(argv, io) {
    const parsed = parseCommandArgs(argv, {
      weights: { type: 'string' },
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      out: { type: 'string' },
    });
    if (parsed === undefined) {
      io.stdout(help);
      return 0;
    }
    const { values } = parsed;
    const weights = requireOption(values, 'weights');
    const configName = requireOption(values, 'config');
    const out = requireOption(values, 'out');
    if (!out.endsWith('.onnx')) {
      throw new UsageError(`--out must end in .onnx (the first graph; the others are written beside it as <name>.box_head.onnx and <name>.mask_head.onnx), got "${out}"`);
    }
    const cfg = await configWithOverrides(configName, values.set ?? []);
    const started = performance.now();
    const written = await inNewFolders(dirname(out), () => exportOnnxFiles(weights, cfg, out, (message) => io.stderr(`warning: ${message}\n`)));
    const seconds = (performance.now() - started) / 1000;
    const order: string[] = Object.values(onnxPaths(out));
    const files = written.sort((a, b) => order.indexOf(a) - order.indexOf(b));
    const sizes = await Promise.all(files.map(async (path) => (await stat(path)).size));
    const width = Math.max(...files.map((path) => path.length));
    const lines = files.map((path, i) => `  ${path.padEnd(width)}  ${formatSize(sizes[i]).padStart(10)}\n`);
    io.stdout(`exported ${files.length} ONNX graphs (opset ${ONNX_OPSET}) in ${seconds.toFixed(2)} s:\n${lines.join('')}`);
    return 0;
  },
};

/**
 * Runs `write` with `folder` created if missing. When `write` fails, the folders this created
 * are removed again (those left empty only), so that a failed export leaves nothing behind.
 */
async function inNewFolders<T>(folder: string, write: () => Promise<T>): Promise<T> {
  const first = await mkdir(folder, { recursive: true });
  try {
    return await write();
  } catch (error) {
    if (first !== undefined) {
      const top = resolve(first);
      for (let dir = resolve(folder); dir.startsWith(top); dir = dirname(dir)) {
        await rmdir(dir).catch(() => undefined);
        if (dir === top) break;
      }
    }
    throw error;
  }
}

/** `483077` -> `471.8 KiB`. */
function formatSize(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB'];
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  for (; value >= 1024 && unit < units.length - 1; unit++) value /= 1024;
  return `${value.toFixed(1)} ${units[unit]}`;
}
