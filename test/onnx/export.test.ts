/**
 * The ONNX export: the graph builder against onnxruntime on a graph small enough to work out by
 * hand, the models' structure and metadata, the files and every way of reading wrong ones.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import onnxProto from 'onnx-proto';

import {
  GraphBuilder,
  ONNX_FORMAT,
  ONNX_OPSET,
  encodeModel,
  exportMaskRcnnOnnx,
  exportOnnxFiles,
  loadOnnxRuntimeNode,
  onnxPaths,
  readModelMetadata,
  readOnnxFiles,
} from '../../src/onnx/index.js';
import { int, ints } from '../../src/onnx/graph-builder.js';
import { type StoredTensor, writeSafetensors } from '../../src/weights/index.js';
import { useBackend } from '../tf/backends.js';
import { smallConfig, smallWeights } from './small-model.js';

const { onnx } = onnxProto;

describe('GraphBuilder', () => {
  it('builds a graph onnxruntime runs: conv 3x3 pad 1 with bias, relu, on a 1 x 1 x 2 x 2 input', async () => {
    const g = new GraphBuilder('tiny');
    const x = g.input('x', 'float32', [1, 1, 2, 2]);
    const w = g.constant('w', Float32Array.from([0, 0, 0, 0, 1, 2, 0, 0, 0]), [1, 1, 3, 3]); // y = x + 2 * right neighbour
    const b = g.constant('b', Float32Array.of(-3), [1]);
    const y = g.node('Relu', [g.node('Conv', [x, w, b], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) })]);
    g.output(y, 'y', 'float32', [1, 1, 2, 2]);
    const ort = await loadOnnxRuntimeNode();
    const session = await ort.InferenceSession.create(encodeModel(g, { opset: ONNX_OPSET, producerVersion: 'test' }));
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]) });
    await session.release();
    // [1 + 4 - 3, 2 + 0 - 3, 3 + 8 - 3, 4 + 0 - 3] -> relu
    assert.deepEqual(Array.from(out.y.data as Float32Array), [2, 0, 8, 1]);
  });

  it('stores a constant read at several places once, and names values uniquely', () => {
    const g = new GraphBuilder('shared');
    const x = g.input('x', 'float32', [2]);
    const a = g.node('Add', [x, g.constant('w', Float32Array.of(1, 2), [2])], {}, 'sum');
    const b = g.node('Add', [a, g.constant('w', Float32Array.of(1, 2), [2])], {}, 'sum');
    assert.notEqual(a, b);
    assert.equal(g.int64s([1, -1]), g.int64s([1, -1]));
    const graph = g.graph();
    assert.deepEqual((graph.initializer ?? []).map((t) => t.name), ['w', 'i64[1,-1]']);
  });

  it('refuses a node reading an undefined value and a second input of one name', () => {
    const g = new GraphBuilder('bad');
    g.input('x', 'float32', [1]);
    assert.throws(() => g.node('Relu', ['nope']), /Relu reads "nope", which graph bad does not define/);
    assert.throws(() => g.input('x', 'float32', [1]), /"x" is already a value of graph bad/);
    assert.throws(() => g.constant('c', Float32Array.of(1, 2, 3), [2]), /tensor "c": dims \[2\] hold 2 values, the data 3/);
  });

  it('writes IR 8, the opset, the producer and metadata, read back without the graph', () => {
    const g = new GraphBuilder('meta');
    g.output(g.input('x', 'float32', [1]), 'x', 'float32', [1]);
    const bytes = encodeModel(g, { opset: 17, producerVersion: '9.9', metadata: { a: '1', b: 'two' } });
    const model = onnx.ModelProto.decode(bytes);
    assert.equal(Number(model.irVersion), 8);
    assert.equal(Number(model.opsetImport[0].version), 17);
    assert.equal(model.producerName, 'cellmask');
    assert.deepEqual(readModelMetadata(bytes), { a: '1', b: 'two' });
    assert.throws(() => readModelMetadata(Uint8Array.of(0xff, 0xff, 0xff)));
  });
});

describe('exportMaskRcnnOnnx', () => {
  let tensors: Map<string, StoredTensor>;
  const cfg = smallConfig('sartorius_finetune');
  before(async () => {
    await useBackend('cpu');
    const small = await smallWeights(cfg);
    small.weights.forEach((t) => t.dispose());
    tensors = small.tensors;
  });

  it('writes three graphs of the expected operators, each weight stored once, FrozenBN folded', () => {
    const models = exportMaskRcnnOnnx(tensors, cfg);
    const graphOf = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph ?? assert.fail('no graph');
    const ops = (bytes: Uint8Array) => new Set((graphOf(bytes).node ?? []).map((n) => n.opType ?? ''));
    assert.deepEqual([...ops(models.features)].sort(), ['Add', 'Conv', 'Identity', 'MaxPool', 'Relu', 'Reshape', 'Resize', 'Shape', 'Transpose']);
    assert.deepEqual([...ops(models.boxHead)].sort(), ['Concat', 'ConstantOfShape', 'Flatten', 'Gemm', 'Identity', 'Relu', 'RoiAlign', 'Shape']);
    assert.deepEqual([...ops(models.maskHead!)].sort(), ['Concat', 'ConstantOfShape', 'Conv', 'ConvTranspose', 'Identity', 'Relu', 'RoiAlign', 'Shape']);
    const init = (graphOf(models.features).initializer ?? []).map((t) => t.name ?? '');
    assert.equal(init.filter((n) => n === 'proposal_generator.rpn_head.conv.weight').length, 1, 'the RPN head is shared by the 5 levels');
    assert.ok(!init.some((n) => n.includes('.norm.')), 'no norm parameter left');
    const meta = readModelMetadata(models.boxHead);
    assert.equal(meta['cellmask.format'], ONNX_FORMAT);
    assert.equal(meta['cellmask.stage'], 'box_head');
    assert.deepEqual(JSON.parse(meta['cellmask.config']), cfg);
  });

  it('tells of checkpoint tensors the network does not read, and leaves them out', () => {
    const extra = new Map(tensors);
    extra.set('pixel_mean', { dtype: 'F32', shape: [3], data: Float32Array.of(1, 2, 3) });
    extra.set('roi_heads.keypoint_head.fcn1.weight', { dtype: 'F32', shape: [1, 1, 1, 1], data: Float32Array.of(1) });
    const warnings: string[] = [];
    const models = exportMaskRcnnOnnx(extra, cfg, (m) => warnings.push(m));
    assert.deepEqual(warnings, ['2 tensor(s) the network does not read: pixel_mean, roi_heads.keypoint_head.fcn1.weight']);
    const initializers = (bytes: Uint8Array) => (onnx.ModelProto.decode(bytes).graph?.initializer ?? []).map((t) => t.name);
    assert.deepEqual(initializers(models.features), initializers(exportMaskRcnnOnnx(tensors, cfg).features), 'the extra tensors are left out');
    const silent: string[] = [];
    exportMaskRcnnOnnx(tensors, cfg, (m) => silent.push(m));
    assert.deepEqual(silent, []);
  });

  it('names a missing weight and a weight of another shape', () => {
    const missing = new Map(tensors);
    missing.delete('backbone.bottom_up.res3.1.conv2.weight');
    assert.throws(() => exportMaskRcnnOnnx(missing, cfg), /1 of the config's \d+ weights are missing: backbone\.bottom_up\.res3\.1\.conv2\.weight/);
    const wide = smallConfig('sartorius_finetune', ['MODEL.FPN.OUT_CHANNELS=32']);
    assert.throws(() => exportMaskRcnnOnnx(tensors, wide), /\d+ have other shapes: backbone\.fpn_lateral2\.weight/);
  });
});

describe('exportOnnxFiles / readOnnxFiles', () => {
  let dir: string;
  let weights: string;
  const cfg = smallConfig('torchvision_maskrcnn_resnet50_fpn');
  before(async () => {
    await useBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'cellmask-onnx-'));
    const small = await smallWeights(cfg);
    small.weights.forEach((t) => t.dispose());
    weights = join(dir, 'w.safetensors');
    await writeSafetensors(weights, small.tensors);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('onnxPaths: the features file and its two siblings; refuses another extension', () => {
    assert.deepEqual(onnxPaths('/m/model.onnx'), { features: '/m/model.onnx', box_head: '/m/model.box_head.onnx', mask_head: '/m/model.mask_head.onnx' });
    assert.throws(() => onnxPaths('/m/model.bin'), /must end in \.onnx, got \/m\/model\.bin/);
  });

  it('writes the three files and reads them back with the config', async () => {
    const out = join(dir, 'model.onnx');
    const written = await exportOnnxFiles(weights, cfg, out);
    assert.deepEqual(written.sort(), Object.values(onnxPaths(out)).sort());
    const models = await readOnnxFiles(out);
    assert.deepEqual(models.config, cfg);
    assert.deepEqual(models.features, new Uint8Array(readFileSync(out)));
  });

  it('names a weights file that does not fit the config and writes nothing', async () => {
    const out = join(dir, 'other.onnx');
    await assert.rejects(exportOnnxFiles(weights, smallConfig('torchvision_maskrcnn_resnet50_fpn', ['MODEL.ROI_HEADS.NUM_CLASSES=5']), out), (error: Error) => {
      assert.match(error.message, /--weights .*w\.safetensors does not fit --config: \d+ have other shapes: roi_heads\.box_predictor\.cls_score\.weight \[32, 91\], expected \[32, 6\]/);
      return true;
    });
    assert.ok(!Object.values(onnxPaths(out)).some((p) => existsSync(p)));
  });

  it('refuses a missing sibling, a file that is not ONNX, a truncated one, another stage and a foreign model', async () => {
    const out = join(dir, 'model.onnx');
    await exportOnnxFiles(weights, cfg, out);
    const copy = (name: string, from: Record<string, string>) => {
      const paths = onnxPaths(join(dir, name));
      for (const stage of ['features', 'box_head', 'mask_head'] as const) if (from[stage] !== undefined) copyFileSync(from[stage], paths[stage]);
      return paths.features;
    };
    const paths = onnxPaths(out);
    const lonely = copy('lonely.onnx', { features: paths.features, mask_head: paths.mask_head });
    await assert.rejects(readOnnxFiles(lonely), /cannot read .*lonely\.box_head\.onnx \(.*copy the three files together\)/);
    writeFileSync(join(dir, 'text.onnx'), 'not a model at all');
    await assert.rejects(readOnnxFiles(join(dir, 'text.onnx')), /text\.onnx is not (an ONNX model|a cellmask export)/);
    writeFileSync(join(dir, 'cut.onnx'), readFileSync(paths.features).subarray(0, 5000));
    await assert.rejects(readOnnxFiles(join(dir, 'cut.onnx')), /cut\.onnx is not an ONNX model/);
    const swapped = copy('swapped.onnx', { features: paths.features, box_head: paths.mask_head, mask_head: paths.mask_head });
    await assert.rejects(readOnnxFiles(swapped), /swapped\.box_head\.onnx holds stage mask_head, expected box_head/);
    const g = new GraphBuilder('foreign');
    g.output(g.input('x', 'float32', [1]), 'x', 'float32', [1]);
    writeFileSync(join(dir, 'foreign.onnx'), encodeModel(g, { opset: 17, producerVersion: '1' }));
    await assert.rejects(readOnnxFiles(join(dir, 'foreign.onnx')), /foreign\.onnx is not a cellmask export \(metadata cellmask\.format is null/);
  });

  it('refuses siblings from another export (another config, or the same config exported again)', async () => {
    const other = smallConfig('torchvision_maskrcnn_resnet50_fpn', ['MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.5']);
    await exportOnnxFiles(weights, other, join(dir, 'b.onnx'));
    await exportOnnxFiles(weights, cfg, join(dir, 'a.onnx'));
    copyFileSync(join(dir, 'b.box_head.onnx'), join(dir, 'a.box_head.onnx'));
    await assert.rejects(readOnnxFiles(join(dir, 'a.onnx')), /a\.box_head\.onnx was exported with another config than .*a\.onnx/);
    await exportOnnxFiles(weights, cfg, join(dir, 'c.onnx'));
    copyFileSync(join(dir, 'c.mask_head.onnx'), join(dir, 'a.mask_head.onnx'));
    copyFileSync(join(dir, 'c.box_head.onnx'), join(dir, 'a.box_head.onnx'));
    await assert.rejects(readOnnxFiles(join(dir, 'a.onnx')), /a\.box_head\.onnx comes from another export than .*a\.onnx/);
  });
});
