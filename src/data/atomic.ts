/**
 * Atomic file writes: the bytes go to a temporary file in the destination's folder, which is
 * then renamed over the destination. A rename within one file system is atomic, so a reader
 * sees either the old file or the complete new one, and a failed write leaves the old file as
 * it was.
 */
import { access, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let sequence = 0;

/**
 * Writes `data` to `path` atomically (temporary file in the same folder, then rename).
 * Strings are written as UTF-8. On failure the temporary file is removed and the error
 * rethrown, naming `path`.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new Error(`writeFileAtomic: path must be a non-empty string, got ${JSON.stringify(path)}`);
  }
  // pid + a per-process counter keeps concurrent writers (other processes or other calls in
  // this one) from sharing a temporary name.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${sequence++}.tmp`);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new Error(`writeFileAtomic: could not write ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Whether `path` exists (a file written by `writeFileAtomic` that exists is whole). */
export async function pathExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
