/** Every `cellmask` subcommand, in the order `cellmask --help` lists them. */
import type { Command } from './command.js';
import { command as ensemble } from './ensemble.js';
import { command as evaluate } from './evaluate.js';
import { command as exportOnnx } from './export.js';
import { command as overlay } from './overlay.js';
import { command as predict } from './predict.js';
import { command as report } from './report.js';
import { command as reproduce } from './reproduce.js';
import { command as synth } from './synth.js';
import { command as train } from './train.js';
import { command as tune } from './tune.js';
import { command as validate } from './validate.js';

export const commands: readonly Command[] = [synth, evaluate, validate, ensemble, predict, train, exportOnnx, tune, reproduce, report, overlay];
