/**
 * `npm run bench [-- --quick] [--only NAME,...] [--out DIR]`: runs the benchmarks (the toolkit's
 * cases, `model`, `onnx`, `wasm-training-kernels` and `train-step`; `gpu`, WebGPU beside torchvision on
 * CUDA, only when named: `--only gpu`), prints tables and writes the results as JSON to DIR (default bench-results/). Timings are reported, never
 * asserted on; a case whose two sides disagree is flagged as a mismatch and fails the run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { benchGpu, formatGpuTable } from './gpu.bench.js';
import { type BenchCase, type BenchResult, formatTable, runCase } from './harness.js';
import { benchModel, formatModelTable } from './model.bench.js';
import { benchOnnx, formatOnnxTable } from './onnx.bench.js';
import { toolkitCases } from './toolkit.bench.js';
import { benchTrainStep, formatTrainStepTable } from './train-step.bench.js';
import { benchWasmTrainingKernels, formatWasmTrainingKernelsTable } from './wasm-training-kernels.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
  },
});

const all: readonly BenchCase[] = [...toolkitCases];
const only = values.only?.split(',');
const selected = only === undefined ? all : all.filter((c) => only.includes(c.name));
const withModel = only === undefined || only.includes('model');
const withOnnx = only === undefined || only.includes('onnx');
const withTrainingKernels = only === undefined || only.includes('wasm-training-kernels');
const withTrainStep = only === undefined || only.includes('train-step');
const withGpu = only?.includes('gpu') ?? false;
if (selected.length === 0 && !withModel && !withOnnx && !withTrainingKernels && !withTrainStep && !withGpu) {
  console.error(`bench: no case named ${values.only}; cases: ${[...all.map((c) => c.name), 'model', 'onnx', 'wasm-training-kernels', 'train-step', 'gpu'].join(', ')}`);
  process.exit(2);
}

const results: BenchResult[] = [];
for (const c of selected) {
  results.push(runCase(c, values.quick));
  console.error(`bench: ${c.name} done`);
}

console.log(formatTable(results));
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
mkdirSync(values.out, { recursive: true });
const file = join(values.out, `toolkit${values.quick ? '-quick' : ''}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), quick: values.quick, machine, results }, null, 2)}\n`);
console.log(`\nresults written to ${file}`);

if (withModel) {
  const model = await benchModel(values.quick);
  console.log(`\n${formatModelTable(model)}`);
  const modelFile = join(values.out, `model${values.quick ? '-quick' : ''}.json`);
  writeFileSync(modelFile, `${JSON.stringify({ date: new Date().toISOString(), quick: values.quick, machine, result: model }, null, 2)}\n`);
  console.log(`results written to ${modelFile}`);
}

const caseMismatches: string[] = [];
if (withOnnx) {
  const onnx = benchOnnx(values.quick);
  console.log(`\n${formatOnnxTable(onnx)}`);
  const onnxFile = join(values.out, `onnx${values.quick ? '-quick' : ''}.json`);
  writeFileSync(onnxFile, `${JSON.stringify({ date: new Date().toISOString(), quick: values.quick, machine, result: onnx }, null, 2)}\n`);
  console.log(`results written to ${onnxFile}`);
  caseMismatches.push(...onnx.problems.map((p) => `onnx (${p})`));
}

if (withTrainingKernels) {
  const kernels = await benchWasmTrainingKernels(values.quick);
  console.log(`\n${formatWasmTrainingKernelsTable(kernels)}`);
  const kernelsFile = join(values.out, `wasm-training-kernels${values.quick ? '-quick' : ''}.json`);
  writeFileSync(kernelsFile, `${JSON.stringify({ date: new Date().toISOString(), quick: values.quick, machine, result: kernels }, null, 2)}\n`);
  console.log(`results written to ${kernelsFile}`);
  caseMismatches.push(...kernels.results.filter((k) => k.mismatch !== undefined).map((k) => `wasm-training-kernels ${k.kernel}`));
}

if (withTrainStep) {
  const trainStep = await benchTrainStep(values.quick);
  console.log(`\n${formatTrainStepTable(trainStep)}`);
  const trainStepFile = join(values.out, `train-step${values.quick ? '-quick' : ''}.json`);
  writeFileSync(trainStepFile, `${JSON.stringify({ date: new Date().toISOString(), quick: values.quick, machine, result: trainStep }, null, 2)}\n`);
  console.log(`results written to ${trainStepFile}`);
  if (trainStep.mismatch !== undefined) caseMismatches.push(`train-step (${trainStep.mismatch})`);
  if (trainStep.cellmask.failed !== undefined) caseMismatches.push(`train-step (cellmask failed ${trainStep.cellmask.failed})`);
}

if (withGpu) {
  const gpu = await benchGpu(values.quick);
  console.log(`\n${formatGpuTable(gpu)}`);
  const gpuFile = join(values.out, `gpu${values.quick ? '-quick' : ''}.json`);
  writeFileSync(gpuFile, `${JSON.stringify({ date: new Date().toISOString(), quick: values.quick, machine, result: gpu }, null, 2)}\n`);
  console.log(`results written to ${gpuFile}`);
  caseMismatches.push(...gpu.problems.map((p) => `gpu (${p})`));
}

const mismatched = [...results.filter((r) => r.mismatch !== undefined).map((r) => r.name), ...caseMismatches];
if (mismatched.length > 0) {
  console.error(`bench: ${mismatched.length} case(s) computed something other than the reference: ${mismatched.join(', ')}`);
  process.exit(1);
}
