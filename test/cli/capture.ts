/** A `CommandIO` that keeps what a command writes, for the CLI tests. */
import type { CommandIO } from '../../src/cli/command.js';

export function capture(): { io: CommandIO; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}
