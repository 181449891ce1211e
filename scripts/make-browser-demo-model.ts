/**
 * Regenerates the browser demo's shipped model and example image (examples/browser/public/):
 *
 *   1. `cellmask synth` 30 training images of 256 x 320 px (seed 7) and one unseen example image
 *      (seed 11, same size);
 *   2. `cellmask train` a narrow R-50-FPN (`mask_rcnn_R_50_FPN_small` at half its width again:
 *      stem 8, res2 32, bottleneck width 8, FPN 32, box head fc 128, mask head 32) from random
 *      weights for 400 iterations on inputs of 224-288 px;
 *   3. writes its final weights as float16 safetensors (half the bytes of float32; the loader
 *      reads F16 back to float32) and its config as JSON, and copies the example image.
 *
 * The same command gives the same files: synth is seeded and training is a function of
 * (seed, iteration) on the same backend and thread count (docs/training.md).
 *
 * Usage: node --import tsx scripts/make-browser-demo-model.ts [--work DIR] (about 15 minutes on 2 cores).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { getPreset, setConfigValues } from '../src/config/index.js';
import { readSafetensors } from '../src/weights/safetensors-file.js';

const PUBLIC = resolve(import.meta.dirname, '../examples/browser/public');
const CLI = resolve(import.meta.dirname, '../src/cli/main.ts');
const HEIGHT = 256;
const WIDTH = 320;

/** The demo network's config, as `--set` values on `mask_rcnn_R_50_FPN_small`. */
const DEMO_MODEL_SET: readonly string[] = [
  'MODEL.RESNETS.STEM_OUT_CHANNELS=8',
  'MODEL.RESNETS.RES2_OUT_CHANNELS=32',
  'MODEL.RESNETS.WIDTH_PER_GROUP=8',
  'MODEL.FPN.OUT_CHANNELS=32',
  'MODEL.ROI_BOX_HEAD.FC_DIM=128',
  'MODEL.ROI_MASK_HEAD.CONV_DIM=32',
  'INPUT.MIN_SIZE_TRAIN=(224, 256, 288)',
  'INPUT.MAX_SIZE_TRAIN=480',
  'INPUT.MIN_SIZE_TEST=256',
  'INPUT.MAX_SIZE_TEST=480',
  'SOLVER.MAX_ITER=400',
  'SOLVER.STEPS=(300, 360)',
  'SOLVER.CHECKPOINT_PERIOD=100',
  'TEST.EVAL_PERIOD=400',
  'TEST.DETECTIONS_PER_IMAGE=100',
  'OUTPUT_DIR=browser-demo',
];

function cellmask(args: readonly string[]): void {
  console.error(`$ cellmask ${args.join(' ')}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`cellmask ${args[0]} exited with ${run.status ?? run.signal}`);
}

/** float32 -> IEEE 754 half-precision bits, rounded to nearest even. */
function toHalf(value: number): number {
  const bits = new Uint32Array(Float32Array.of(value).buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000; // subnormal: the implicit bit becomes explicit
    const shift = 14 - exponent;
    const rest = mantissa & ((1 << shift) - 1);
    const middle = 1 << (shift - 1);
    let half = mantissa >>> shift;
    if (rest > middle || (rest === middle && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++; // a carry into the exponent is correct
  return sign | half;
}

/** The safetensors bytes of `tensors` with every float tensor stored as F16. */
async function float16Safetensors(path: string): Promise<Uint8Array> {
  const { tensors, metadata } = await readSafetensors(path);
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: { ...metadata, dtype: 'float16 (from float32 training)' } };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    if (!(t.data instanceof Float32Array)) throw new Error(`${path}: ${name} is ${t.dtype}, expected a float tensor`);
    const halves = Uint16Array.from(t.data, toHalf);
    header[name] = { dtype: 'F16', shape: t.shape, data_offsets: [offset, offset + halves.byteLength] };
    chunks.push(new Uint8Array(halves.buffer));
    offset += halves.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { work: { type: 'string', default: 'browser-demo-work' } } });
  const work = resolve(values.work);
  const data = join(work, 'data');
  const run = join(work, 'run');
  const example = join(work, 'example');
  cellmask(['synth', '--out', data, '--images', '30', '--seed', '7', '--height', `${HEIGHT}`, '--width', `${WIDTH}`]);
  cellmask(['synth', '--out', example, '--images', '1', '--seed', '11', '--height', `${HEIGHT}`, '--width', `${WIDTH}`]);
  cellmask(['train', '--config', 'mask_rcnn_R_50_FPN_small', ...DEMO_MODEL_SET.flatMap((s) => ['--set', s]), '--data', data, '--out', run, '--resume']);

  mkdirSync(PUBLIC, { recursive: true });
  writeFileSync(join(PUBLIC, 'model.safetensors'), await float16Safetensors(join(run, 'model_final.safetensors')));
  const config = setConfigValues(getPreset('mask_rcnn_R_50_FPN_small'), [...DEMO_MODEL_SET]);
  writeFileSync(join(PUBLIC, 'model.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const [png] = readdirSync(join(example, 'train')).filter((f) => f.endsWith('.png'));
  copyFileSync(join(example, 'train', png), join(PUBLIC, 'example.png'));
  console.error(`wrote model.safetensors (${readFileSync(join(PUBLIC, 'model.safetensors')).length} bytes), model.config.json, example.png to ${PUBLIC}`);
}

await main();
