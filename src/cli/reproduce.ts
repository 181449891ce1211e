/**
 * `cellmask reproduce [--data DIR] [--livecell DIR] --out DIR [--scale full|toy]`: the solution
 * end to end (see `reproduce` in `cellmask/pipeline`).
 */
import { type CellmaskConfig, setConfigValues } from '../config/index.js';
import { type Command, UsageError, intOption, numberListOption, numberOption, parseCommandArgs, requireOption } from './command.js';
import { ENSEMBLE_METHODS, type EnsembleMethod } from '../ensemble/index.js';
import { BACKEND_HELP, backendOptions, useBackend } from './setup.js';
import { type EnsemblePlan, REPRODUCE_SCALES, type ReproducePlan, type ReproduceScale, reproducePlan } from '../pipeline/plan.js';

const help = `Usage: cellmask reproduce --out DIR [--data DIR] [--livecell DIR] [--scale full|toy] [options]

Reproduces the Sartorius solution: LIVECell pretraining, finetuning of one model per fold of the
competition data (5 folds grouped by sample_id), prediction of the test images by every fold
model, ensemble by class-aware NMS (IoU 0.4) with per-class score thresholds (0.17, 0.30, 0.60),
overlap removal, submission.csv, its check, and its MAP-IoU when the test truth is known.

Every stage writes under --out and is skipped when its outputs exist; training resumes from its
checkpoints. Run the same command again to continue an interrupted run. --out/reproduce.json
says what ran and how long each stage took.

  cellmask reproduce --scale toy --out toy
      the recipe on the small network and synthetic data it makes itself (minutes on a CPU)
  cellmask reproduce --data sartorius-cell-instance-segmentation \\
      --livecell sartorius-cell-instance-segmentation/LIVECell_dataset_2021 \\
      --init-weights R-50.safetensors --out run
      the solution at full scale (docs/reproduce.md: what each stage costs)

Options:
  --out DIR             where everything is written (created if missing)
  --scale full|toy      full (default): the presets livecell_pretrain and sartorius_finetune;
                        toy: the small network with minute-long schedules
  --data DIR            the competition's folder: train.csv, train/, test/; without it (toy
                        scale only) the run synthesizes a training set, a test set with its
                        truth and a LIVECell-format set under --out/data
  --livecell DIR        LIVECell: livecell_coco_train.json (+ livecell_coco_val.json) with the
                        images in images/ or images/livecell_train_val_images/
  --pretrained FILE     weights already pretrained on LIVECell (safetensors): no pretraining
  --init-weights FILE   initial weights of pretraining (the solution's ImageNet R-50, converted
                        to safetensors: docs/weights.md)
  --test DIR            PNG images to predict (default: --data's test/)
  --test-truth FILE     their truth in train.csv's format: adds the scoring stage
  --folds K             folds, one model each (default 5)
  --pretrain-set K=V    override a key of the pretraining config (repeatable)
  --finetune-set K=V    override a key of the finetuning config, used to predict too (repeatable)
  --ensemble-method M   nms (default, the solution's), mask-nms or wbf
  --ensemble-iou X      IoU threshold of the ensemble (default 0.4)
  --class-thresholds A,B,C
                        per-class score thresholds of the ensemble, by each model's majority
                        class per image (default 0.17,0.30,0.60: shsy5y, astro, cort)
  --min-pixels A,B,C    per-class minimum mask size after overlap removal (default 75,150,75)
  --workers N           prediction worker threads (default: fill the cores)
${BACKEND_HELP}
  -h, --help            show this help
`;

/** `config` with `assignments` applied, or a `UsageError` naming the option and the assignment. */
function withSets(config: CellmaskConfig, assignments: readonly string[], option: string): CellmaskConfig {
  let out = config;
  for (const assignment of assignments) {
    try {
      out = setConfigValues(out, [assignment]);
    } catch (error) {
      throw new UsageError(`--${option} ${assignment}: ${(error as Error).message}`);
    }
  }
  return out;
}

/** The plan's ensemble with the command's ensemble options applied. */
function ensemblePlan(
  base: EnsemblePlan,
  values: { 'ensemble-method'?: string; 'ensemble-iou'?: string; 'class-thresholds'?: string; 'min-pixels'?: string },
): EnsemblePlan {
  const method = (values['ensemble-method'] ?? base.method) as EnsembleMethod;
  if (!ENSEMBLE_METHODS.includes(method)) throw new UsageError(`--ensemble-method must be ${ENSEMBLE_METHODS.join(', ')}, got "${method}"`);
  return {
    method,
    iouThreshold: numberOption(values['ensemble-iou'], 'ensemble-iou', base.iouThreshold),
    classThresholds: values['class-thresholds'] === undefined ? base.classThresholds : numberListOption(values['class-thresholds'], 'class-thresholds'),
    minPixels: values['min-pixels'] === undefined ? base.minPixels : numberListOption(values['min-pixels'], 'min-pixels'),
  };
}

export const command: Command = {
  name: 'reproduce',
  summary: 'the whole solution: pretrain, finetune per fold, predict, ensemble, submission, score',
  help,
  async run(argv, io) {
    const parsed = parseCommandArgs(argv, {
      out: { type: 'string' },
      scale: { type: 'string' },
      data: { type: 'string' },
      livecell: { type: 'string' },
      pretrained: { type: 'string' },
      'init-weights': { type: 'string' },
      test: { type: 'string' },
      'test-truth': { type: 'string' },
      folds: { type: 'string' },
      'pretrain-set': { type: 'string', multiple: true },
      'finetune-set': { type: 'string', multiple: true },
      'ensemble-method': { type: 'string' },
      'ensemble-iou': { type: 'string' },
      'class-thresholds': { type: 'string' },
      'min-pixels': { type: 'string' },
      workers: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
    });
    if (parsed === undefined) {
      io.stdout(help);
      return 0;
    }
    const { values } = parsed;
    const out = requireOption(values, 'out');
    const scale = (values.scale ?? 'full') as ReproduceScale;
    if (!REPRODUCE_SCALES.includes(scale)) throw new UsageError(`--scale must be ${REPRODUCE_SCALES.join(' or ')}, got "${scale}"`);
    if (scale === 'full' && values.data === undefined) throw new UsageError('--data is required at --scale full (the toy scale makes its own data)');
    if (values.data === undefined) {
      for (const option of ['livecell', 'test', 'test-truth'] as const) {
        if (values[option] !== undefined) throw new UsageError(`--${option} needs --data (without it the run synthesizes all of its data)`);
      }
    }
    const base = reproducePlan(scale);
    const plan: ReproducePlan = {
      ...base,
      folds: intOption(values.folds, 'folds', base.folds, 2),
      pretrain: withSets(base.pretrain, values['pretrain-set'] ?? [], 'pretrain-set'),
      finetune: withSets(base.finetune, values['finetune-set'] ?? [], 'finetune-set'),
      ensemble: ensemblePlan(base.ensemble, values),
    };
    const { backend, threads } = backendOptions(values);
    const workers = values.workers === undefined ? undefined : intOption(values.workers, 'workers', 0, 1);

    const selection = await useBackend(backend, threads, io, true);
    io.stderr(`cellmask reproduce (${scale} scale) -> ${out}, training on ${selection.detail}\n`);
    const { reproduce } = await import('../pipeline/reproduce.js');
    const result = await reproduce({
      plan,
      out,
      data: values.data,
      livecell: values.livecell,
      pretrained: values.pretrained,
      initWeights: values['init-weights'],
      test: values.test,
      testTruth: values['test-truth'],
      // The prediction workers run the backend chosen here (auto is not resolved twice).
      predict: { backend: selection.name, workers },
      log: (message) => io.stderr(`${message}\n`),
      progress: process.stderr,
    });
    const seconds = Object.values(result.journal).reduce((sum, stage) => sum + (stage.seconds ?? 0), 0);
    io.stdout(`submission: ${result.submission} (stages took ${seconds.toFixed(0)} s in all, see ${out}/reproduce.json)\n`);
    if (result.scores !== undefined) {
      for (const f of result.scores.folds) {
        const validation = f.validationMapIou === undefined ? '' : `, its held-out fold ${f.validationMapIou.toFixed(4)}`;
        io.stdout(`  fold ${f.fold} model alone: test MAP-IoU ${f.testMapIou.toFixed(4)}${validation}\n`);
      }
      io.stdout(`  ensemble of ${result.scores.folds.length}: test MAP-IoU ${result.scores.ensemble.mapIou.toFixed(4)}\n`);
    }
    return 0;
  },
};
