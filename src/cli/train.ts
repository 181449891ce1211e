/**
 * `cellmask train --config PRESET_OR_FILE [--set KEY=VALUE ...] --data DIR --out DIR
 * [--resume] [--weights INIT.safetensors]`: trains Mask R-CNN as Detectron2's `train_net.py`
 * does, on the competition's layout (train.csv + train/*.png) or a COCO JSON (LIVECell).
 */
import { type Command, UsageError, intOption, parseCommandArgs, requireOption } from './command.js';
import { BACKEND_HELP, backendOptions, configWithOverrides, useBackend } from './setup.js';
import { runTraining } from './training-run.js';

const help = `Usage: cellmask train --config PRESET_OR_FILE --data DIR --out DIR [options]

Trains Mask R-CNN with Detectron2's losses, sampling and solver: SGD with momentum, warmup and
steps (SOLVER.*), multi-scale training (INPUT.MIN_SIZE_TRAIN), a checkpoint every
SOLVER.CHECKPOINT_PERIOD iterations and an evaluation (MAP-IoU, COCO mask and box AP) of the
validation fold every TEST.EVAL_PERIOD. Writes to --out: model_NNNNNNN.* checkpoints and
model_final.safetensors (what predict reads), metrics.json (one JSON line per iteration),
config.yaml, and loss.png, lr.png, validation.png.

Options:
  --config NAME|FILE    a preset (livecell_pretrain, sartorius_finetune: the solution's
                        schedules; mask_rcnn_R_50_FPN_small: minutes on a CPU) or a YAML/JSON
                        config file (Detectron2 keys, _BASE_ allowed)
  --set KEY=VALUE       override one config key (repeatable), e.g. --set SOLVER.MAX_ITER=100
  --data DIR            train.csv + train/<id>.png (the competition, or cellmask synth), or
                        annotations.json + images/ (COCO, LIVECell; cellmask synth --format livecell)
  --out DIR             output directory (created if missing)
  --weights FILE        initial weights (safetensors, Detectron2 or torchvision names); tensors
                        whose shape differs (another class count) are re-initialized, and listed
  --resume              continue from the newest checkpoint in --out
  --folds K             split the images into K folds (default 5), grouped by sample_id (the
                        well; by image without that column) and balanced by cell type ...
  --fold I              ... and hold fold I out for validation (default 0); --folds 1 trains on
                        every image and evaluates nothing
${BACKEND_HELP}
  -h, --help            show this help
`;

export const command: Command = {
  name: 'train',
  summary: 'train Mask R-CNN (Detectron2 losses and solver) with checkpoints and evaluation',
  help,
  async run(argv, io) {
    const parsed = parseCommandArgs(argv, {
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      data: { type: 'string' },
      out: { type: 'string' },
      weights: { type: 'string' },
      resume: { type: 'boolean' },
      folds: { type: 'string' },
      fold: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
    });
    if (parsed === undefined) {
      io.stdout(help);
      return 0;
    }
    const { values } = parsed;
    const configName = requireOption(values, 'config');
    const data = requireOption(values, 'data');
    const out = requireOption(values, 'out');
    const folds = intOption(values.folds, 'folds', 5, 1);
    const fold = intOption(values.fold, 'fold', 0, 0);
    if (fold >= folds) throw new UsageError(`--fold must be below --folds (${folds}), got ${fold}`);
    const { backend, threads } = backendOptions(values);
    const cfg = await configWithOverrides(configName, values.set ?? []);
    if (!cfg.MODEL.MASK_ON) throw new UsageError('the config has MODEL.MASK_ON False: cellmask trains Mask R-CNN only');

    const backendInfo = (await useBackend(backend, threads, io, true)).detail;
    const result = await runTraining({
      config: cfg,
      data,
      out,
      folds,
      fold,
      backendInfo,
      io,
      weights: values.weights,
      resume: values.resume === true,
    });
    const last = result.evaluations.at(-1);
    const score = last === undefined ? '' : `; validation MAP-IoU ${last.map_iou.toFixed(4)}, segm AP ${last.segm_AP.toFixed(4)}`;
    io.stdout(`trained ${result.iterationsRun} iteration(s) -> ${result.finalWeights}${score}\n`);
    return 0;
  },
};
