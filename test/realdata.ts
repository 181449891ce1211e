/**
 * Where the real sample images live: `../shared/realdata/` beside the repository (as on the
 * developers' machines and in CI), or `$CELLMASK_REALDATA`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REALDATA = process.env.CELLMASK_REALDATA ?? fileURLToPath(new URL('../../shared/realdata/', import.meta.url));

/** Path of a file under the real-data folder, e.g. `realData('dethub', '0030fd0e6378.png')`. */
export function realData(...parts: string[]): string {
  return join(REALDATA, ...parts);
}

/** `false` when the real data is present, else the reason to skip, for `it(..., { skip })`. */
export const skipWithoutRealData: false | string = existsSync(REALDATA) ? false : `no real data at ${REALDATA} (set CELLMASK_REALDATA)`;
