import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

import {
  type CellmaskConfig,
  configKeys,
  configProblems,
  configToYaml,
  getPreset,
  loadConfig,
  parseLiteral,
  presets,
  setConfigValue,
  setConfigValues,
  validateConfig,
} from '../../src/config/index.js';

/** The value at a dotted key. */
function at(cfg: CellmaskConfig, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], cfg);
}

function assertValues(cfg: CellmaskConfig, expected: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(at(cfg, key), value, key);
}

describe('presets', () => {
  it('livecell_pretrain has every value of SOLUTION.md\'s "LIVECell pretrain" table', () => {
    assertValues(getPreset('livecell_pretrain'), {
      'SOLVER.IMS_PER_BATCH': 1,
      'SOLVER.BASE_LR': 0.001,
      'SOLVER.MAX_ITER': 260000,
      'SOLVER.STEPS': [],
      'SOLVER.CHECKPOINT_PERIOD': 3253, // one epoch of LIVECell's 3253 training images
      'MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE': 128,
      'MODEL.ROI_HEADS.NUM_CLASSES': 10,
      'MODEL.ROI_HEADS.SCORE_THRESH_TEST': 0.4,
      'TEST.EVAL_PERIOD': 3253,
      SEED: 42,
      'MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS': [[0.2, 0.5, 1.0, 2.0, 5.0]],
      'MODEL.ANCHOR_GENERATOR.SIZES': [[4], [8], [16], [64], [256]],
      'INPUT.MIN_SIZE_TRAIN': [480, 520, 560, 640, 672, 736, 800, 864, 928],
      'INPUT.MIN_SIZE_TRAIN_SAMPLING': 'choice',
      'INPUT.MAX_SIZE_TRAIN': 1333,
      'INPUT.MIN_SIZE_TEST': 928,
      'INPUT.MAX_SIZE_TEST': 1333,
    });
  });

  it('sartorius_finetune has every value of SOLUTION.md\'s "Finetune" table, anchors and sizes as in pretrain', () => {
    const cfg = getPreset('sartorius_finetune');
    assertValues(cfg, {
      'MODEL.WEIGHTS': './output/livecell_pretrain/model_final.safetensors',
      'SOLVER.IMS_PER_BATCH': 1,
      'SOLVER.BASE_LR': 0.0011,
      'SOLVER.MAX_ITER': 24000,
      'SOLVER.STEPS': [13000, 17000, 20000, 22000, 23000],
      'SOLVER.GAMMA': 0.5,
      'SOLVER.WARMUP_ITERS': 100,
      'SOLVER.CHECKPOINT_PERIOD': 24001, // MAX_ITER + 1: only the final model
      'MODEL.ROI_HEADS.BATCH_SIZE_PER_IMAGE': 128,
      'MODEL.ROI_HEADS.NUM_CLASSES': 3,
      'MODEL.ROI_HEADS.SCORE_THRESH_TEST': 0.4,
      'TEST.EVAL_PERIOD': 485,
      'TEST.DETECTIONS_PER_IMAGE': 1000,
      'DATALOADER.NUM_WORKERS': 10,
    });
    const pretrain = getPreset('livecell_pretrain');
    for (const key of ['MODEL.ANCHOR_GENERATOR', 'INPUT.MIN_SIZE_TRAIN', 'INPUT.MAX_SIZE_TRAIN', 'INPUT.MIN_SIZE_TEST', 'INPUT.MAX_SIZE_TEST']) {
      assert.deepEqual(at(cfg, key), at(pretrain, key), key);
    }
  });

  it("mask_rcnn_R_50_FPN_3x is Detectron2's yaml resolved through Base-RCNN-FPN.yaml", () => {
    assertValues(getPreset('mask_rcnn_R_50_FPN_3x'), {
      'MODEL.MASK_ON': true,
      'MODEL.RESNETS.DEPTH': 50,
      'MODEL.RESNETS.STRIDE_IN_1X1': true,
      'MODEL.BACKBONE.FREEZE_AT': 2,
      'MODEL.PIXEL_MEAN': [103.53, 116.28, 123.675],
      'MODEL.FPN.IN_FEATURES': ['res2', 'res3', 'res4', 'res5'],
      'MODEL.RPN.IN_FEATURES': ['p2', 'p3', 'p4', 'p5', 'p6'],
      'MODEL.RPN.PRE_NMS_TOPK_TEST': 1000,
      'MODEL.RPN.POST_NMS_TOPK_TRAIN': 1000,
      'MODEL.ROI_HEADS.IN_FEATURES': ['p2', 'p3', 'p4', 'p5'],
      'MODEL.ROI_BOX_HEAD.NUM_FC': 2,
      'MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION': 7,
      'MODEL.ROI_MASK_HEAD.NUM_CONV': 4,
      'MODEL.ROI_MASK_HEAD.POOLER_RESOLUTION': 14,
      'SOLVER.STEPS': [210000, 250000],
      'SOLVER.MAX_ITER': 270000,
      'SOLVER.BASE_LR': 0.02,
      'INPUT.MIN_SIZE_TRAIN': [640, 672, 704, 736, 768, 800],
    });
  });

  it('torchvision_maskrcnn_resnet50_fpn has torchvision 0.14 defaults, num_classes 91 counted without background', () => {
    assertValues(getPreset('torchvision_maskrcnn_resnet50_fpn'), {
      'MODEL.CONVENTIONS': 'torchvision',
      'MODEL.ROI_HEADS.NUM_CLASSES': 90,
      'MODEL.ANCHOR_GENERATOR.SIZES': [[32], [64], [128], [256], [512]],
      'MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS': [[0.5, 1.0, 2.0]],
      'MODEL.RPN.PRE_NMS_TOPK_TEST': 1000,
      'MODEL.RPN.POST_NMS_TOPK_TEST': 1000,
      'MODEL.RPN.NMS_THRESH': 0.7,
      'MODEL.PROPOSAL_GENERATOR.MIN_SIZE': 0.001,
      'MODEL.ROI_HEADS.SCORE_THRESH_TEST': 0.05,
      'MODEL.ROI_HEADS.NMS_THRESH_TEST': 0.5,
      'TEST.DETECTIONS_PER_IMAGE': 100,
      'INPUT.MIN_SIZE_TEST': 800,
      'INPUT.MAX_SIZE_TEST': 1333,
      'INPUT.FORMAT': 'RGB',
      'MODEL.RESNETS.STRIDE_IN_1X1': false,
      'MODEL.ROI_BOX_HEAD.POOLER_TYPE': 'ROIAlign',
      'MODEL.ROI_BOX_HEAD.POOLER_SAMPLING_RATIO': 2,
      'MODEL.ROI_MASK_HEAD.POOLER_SAMPLING_RATIO': 2,
    });
    // ImageNet normalisation of [0, 1] RGB, expressed on [0, 255] pixels.
    const { PIXEL_MEAN, PIXEL_STD } = getPreset('torchvision_maskrcnn_resnet50_fpn').MODEL;
    [0.485, 0.456, 0.406].forEach((m, i) => assert.ok(Math.abs(PIXEL_MEAN[i] - 255 * m) < 1e-9));
    [0.229, 0.224, 0.225].forEach((s, i) => assert.ok(Math.abs(PIXEL_STD[i] - 255 * s) < 1e-9));
  });

  it('every preset is valid and holds exactly the config keys', () => {
    for (const [name, cfg] of Object.entries(presets)) {
      assert.deepEqual(configProblems(cfg), [], name);
      const keys: string[] = [];
      const walk = (node: object, prefix: string): void => {
        for (const [k, v] of Object.entries(node)) {
          if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v, `${prefix}${k}.`);
          else keys.push(prefix + k);
        }
      };
      walk(cfg, '');
      assert.deepEqual(keys.sort(), configKeys().sort(), name);
    }
  });

  it('getPreset names the presets when the name is unknown', () => {
    assert.throws(() => getPreset('mask_rcnn'), /no preset named "mask_rcnn"; presets: mask_rcnn_R_50_FPN_3x, livecell_pretrain/);
  });
});

describe('setConfigValue', () => {
  const base = getPreset('mask_rcnn_R_50_FPN_3x');

  it('parses text by the type of the key', () => {
    const cfg = setConfigValues(base, [
      'MODEL.ROI_HEADS.SCORE_THRESH_TEST=0.3',
      'TEST.DETECTIONS_PER_IMAGE=1000',
      'MODEL.MASK_ON=False',
      'MODEL.WEIGHTS=runs/a=b.safetensors',
      "INPUT.FORMAT='RGB'",
      'MODEL.ANCHOR_GENERATOR.SIZES=[[4], [8], [16], [64], [256]]',
      'MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS=((0.2, 0.5, 1, 2, 5),)',
      'INPUT.MIN_SIZE_TRAIN=(480, 520)',
      'SOLVER.STEPS=[]',
      'DATASETS.TRAIN=("a", \'b\',)',
      'SOLVER.BASE_LR=1e-3',
      'SOLVER.WARMUP_ITERS=1_000',
    ]);
    assertValues(cfg, {
      'MODEL.ROI_HEADS.SCORE_THRESH_TEST': 0.3,
      'TEST.DETECTIONS_PER_IMAGE': 1000,
      'MODEL.MASK_ON': false,
      'MODEL.WEIGHTS': 'runs/a=b.safetensors',
      'INPUT.FORMAT': 'RGB',
      'MODEL.ANCHOR_GENERATOR.SIZES': [[4], [8], [16], [64], [256]],
      'MODEL.ANCHOR_GENERATOR.ASPECT_RATIOS': [[0.2, 0.5, 1, 2, 5]],
      'INPUT.MIN_SIZE_TRAIN': [480, 520],
      'SOLVER.STEPS': [],
      'DATASETS.TRAIN': ['a', 'b'],
      'SOLVER.BASE_LR': 0.001,
      'SOLVER.WARMUP_ITERS': 1000,
    });
    assert.equal(base.MODEL.ROI_HEADS.SCORE_THRESH_TEST, 0.05, 'the input config is unchanged');
    assert.equal(cfg.MODEL.RPN, base.MODEL.RPN, 'untouched groups are shared');
  });

  it('names the key and suggests the closest one when the key is unknown', () => {
    assert.throws(() => setConfigValue(base, 'MODEL.ROI_HEADS.SCORE_THRESH', '0.3'), /unknown config key MODEL.ROI_HEADS.SCORE_THRESH \(did you mean MODEL.ROI_HEADS.SCORE_THRESH_TEST\?\)/);
    assert.throws(() => setConfigValue(base, 'SOLVER.BASELR', '0.3'), /did you mean SOLVER.BASE_LR\?/);
    assert.throws(() => setConfigValue(base, 'MODEL.RPN', '1'), /MODEL.RPN is a group of keys, not a value/);
    assert.throws(() => setConfigValues(base, ['MODEL.MASK_ON']), /expected KEY=VALUE, got "MODEL.MASK_ON"/);
  });

  it('names the key, the value and the expected type when the value does not fit', () => {
    const cases: [string, string, RegExp][] = [
      ['MODEL.ROI_HEADS.NUM_CLASSES', '2.5', /MODEL.ROI_HEADS.NUM_CLASSES must be an integer, got 2.5/],
      ['MODEL.ROI_HEADS.SCORE_THRESH_TEST', 'high', /SCORE_THRESH_TEST must be a number, got "high"/],
      ['MODEL.MASK_ON', '1', /MODEL.MASK_ON must be a boolean \(True\/False\), got 1/],
      ['INPUT.MIN_SIZE_TRAIN', '800', /INPUT.MIN_SIZE_TRAIN must be a list of integers, got 800/],
      ['INPUT.MIN_SIZE_TRAIN', '(480, 520', /INPUT.MIN_SIZE_TRAIN must be a list of integers, got "\(480, 520"/],
      ['MODEL.ANCHOR_GENERATOR.SIZES', '[4, 8]', /SIZES must be a list of lists of numbers, got \[4,8\]/],
      ['INPUT.FORMAT', 'YUV', /INPUT.FORMAT must be one of "BGR", "RGB", "L", got "YUV"/],
      ['MODEL.CONVENTIONS', 'caffe2', /MODEL.CONVENTIONS must be one of "detectron2", "torchvision", got "caffe2"/],
    ];
    for (const [key, text, message] of cases) assert.throws(() => setConfigValue(base, key, text), message, `${key}=${text}`);
  });
});

describe('parseLiteral', () => {
  it('reads Python and YAML literals, and nothing else', () => {
    assert.deepEqual(parseLiteral('[[4], [8]]'), [[4], [8]]);
    assert.deepEqual(parseLiteral(' (800,) '), [800]);
    assert.deepEqual(parseLiteral('(True, false, None, "a\\"b", -1.5e-2)'), [true, false, null, 'a"b', -0.015]);
    for (const text of ['BGR', '[1, 2', '1 2', '(1,,)', "'open", '']) assert.equal(parseLiteral(text), undefined, text);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellmask-config-'));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  it('follows a _BASE_ chain of YAML files down to a preset; tuples written as YAML strings are read', async () => {
    write('base.yaml', '_BASE_: mask_rcnn_R_50_FPN_3x\nMODEL:\n  ROI_HEADS:\n    NUM_CLASSES: 3\nSOLVER:\n  STEPS: (100, 200)\n  MAX_ITER: 300\n');
    write('sub/mid.yaml', '_BASE_: ../base.yaml\nMODEL:\n  ROI_HEADS:\n    SCORE_THRESH_TEST: 0.4\n  DEVICE: cuda\nINPUT:\n  MIN_SIZE_TRAIN: (480, 520)\n');
    const path = write('sub/child.yaml', '_BASE_: mid.yaml\nSOLVER:\n  MAX_ITER: 400\n');
    const cfg = await loadConfig(path);
    assertValues(cfg, {
      'MODEL.ROI_HEADS.NUM_CLASSES': 3,
      'MODEL.ROI_HEADS.SCORE_THRESH_TEST': 0.4,
      'SOLVER.STEPS': [100, 200],
      'SOLVER.MAX_ITER': 400,
      'INPUT.MIN_SIZE_TRAIN': [480, 520],
      'MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION': 7, // from the preset at the bottom
    });
  });

  it('reads JSON, and a file without _BASE_ starts from Detectron2 defaults', async () => {
    const json = write('c.json', JSON.stringify({ _BASE_: 'sartorius_finetune', SOLVER: { BASE_LR: 0.002 } }));
    assert.equal((await loadConfig(json)).SOLVER.BASE_LR, 0.002);
    const bare = write('bare.yaml', 'MODEL:\n  MASK_ON: True\n');
    await assert.rejects(loadConfig(bare), /bare.yaml is invalid:[\s\S]*MODEL.ROI_HEADS.NAME must be "StandardROIHeads"/);
  });

  it('rejects cycles, unknown keys, wrong types and unsupported Detectron2 settings, naming the file', async () => {
    write('a.yaml', '_BASE_: b.yaml\n');
    write('b.yaml', '_BASE_: a.yaml\n');
    await assert.rejects(loadConfig(join(dir, 'a.yaml')), /_BASE_ cycle: .*a.yaml -> .*b.yaml -> .*a.yaml/);
    const unknown = write('unknown.yaml', '_BASE_: mask_rcnn_R_50_FPN_3x\nMODEL:\n  RPN:\n    NMS_THRES: 0.5\n');
    await assert.rejects(loadConfig(unknown), /unknown.yaml: unknown config key MODEL.RPN.NMS_THRES \(did you mean MODEL.RPN.NMS_THRESH\?\)/);
    const typed = write('typed.yaml', '_BASE_: mask_rcnn_R_50_FPN_3x\nSOLVER:\n  MAX_ITER: lots\n');
    await assert.rejects(loadConfig(typed), /typed.yaml: SOLVER.MAX_ITER must be an integer, got "lots"/);
    const keypoints = write('kp.yaml', '_BASE_: mask_rcnn_R_50_FPN_3x\nMODEL:\n  KEYPOINT_ON: True\n  RETINANET:\n    NUM_CONVS: 2\n');
    await assert.rejects(loadConfig(keypoints), /MODEL.KEYPOINT_ON is a Detectron2 key cellmask does not implement; it must be false, got true/);
    await assert.rejects(loadConfig(join(dir, 'missing.yaml')), /cannot read .*missing.yaml/);
    const invalid = write('invalid.yaml', '_BASE_: mask_rcnn_R_50_FPN_3x\nMODEL:\n  RPN:\n    NMS_THRESH: 1.5\n');
    await assert.rejects(loadConfig(invalid), /MODEL.RPN.NMS_THRESH must be in \[0, 1\], got 1.5/);
  });

  it('round-trips every preset through configToYaml', async () => {
    for (const [name, cfg] of Object.entries(presets)) {
      const path = write(`${name}.yaml`, configToYaml(cfg));
      assert.deepEqual(await loadConfig(path), cfg, name);
    }
    assert.match(configToYaml(presets.sartorius_finetune), /\nSOLVER:\n(?: {2}\w+: .*\n)* {2}BASE_LR: 0.0011\n/);
    assert.match(configToYaml(presets.sartorius_finetune), /\n {2}GAMMA: 0.5\n {2}STEPS: \[13000, 17000, 20000, 22000, 23000\]\n/);
  });
});

describe('validateConfig', () => {
  it('lists every problem, naming the key and the value', () => {
    let cfg = setConfigValue(getPreset('mask_rcnn_R_50_FPN_3x'), 'MODEL.ANCHOR_GENERATOR.SIZES', '[[4], [8]]');
    cfg = setConfigValue(cfg, 'MODEL.ROI_HEADS.NUM_CLASSES', '0');
    cfg = setConfigValue(cfg, 'MODEL.ROI_HEADS.SCORE_THRESH_TEST', '1.2');
    cfg = setConfigValue(cfg, 'MODEL.ROI_HEADS.IN_FEATURES', '["p2", "p9"]');
    cfg = setConfigValue(cfg, 'MODEL.RPN.IOU_LABELS', '[0, 1]');
    cfg = setConfigValue(cfg, 'SOLVER.STEPS', '[200, 100]');
    assert.deepEqual(configProblems(cfg), [
      'MODEL.ANCHOR_GENERATOR.SIZES must be one list, or one per RPN level (5), got [[4],[8]]',
      'MODEL.RPN.IOU_LABELS must be 3 labels in {-1, 0, 1} (one more than IOU_THRESHOLDS), got [0,1]',
      'MODEL.ROI_HEADS.NUM_CLASSES must be >= 1 (foreground classes; the background is not counted), got 0',
      'MODEL.ROI_HEADS.IN_FEATURES must be a non-empty subset of the backbone\'s features ["res2","res3","res4","res5","p2","p3","p4","p5","p6"], got ["p2","p9"]',
      'MODEL.ROI_HEADS.SCORE_THRESH_TEST must be in [0, 1], got 1.2',
      'SOLVER.STEPS must be increasing positive iterations, got [200,100]',
    ]);
    assert.throws(() => validateConfig(cfg, 'mine'), /validateConfig: mine is invalid:\n {2}MODEL.ANCHOR_GENERATOR.SIZES/);
  });

  it('checks anchors per level and the types of a config built in code', () => {
    const cfg = setConfigValue(getPreset('mask_rcnn_R_50_FPN_3x'), 'MODEL.ANCHOR_GENERATOR.SIZES', '[[32], [64], [128, 1], [256], [512]]');
    assert.match(configProblems(cfg).join('\n'), /the same number of anchors \(sizes x ratios\) at every level .*got \[3,3,6,3,3\]/);
    const broken = { ...getPreset('mask_rcnn_R_50_FPN_3x'), SEED: '42', EXTRA: 1 } as unknown as CellmaskConfig;
    assert.deepEqual(configProblems(broken), ['EXTRA is not a config key', 'SEED must be of its type, got the string "42"']);
  });
});
