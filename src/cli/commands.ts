/** Every `cellmask` subcommand, in the order `cellmask --help` lists them. */
import type { Command } from './command.js';

export const commands: readonly Command[] = [];
