/**
 * The optional peers (TensorFlow.js, its backends, Dawn): whether one is installed, told without
 * running it, and Node's "not installed" error recognised when an import fails.
 */

/** Node's error for a package that is not installed, recognised by its code and the package's name. */
export function isMissingPackage(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${pkg}`);
}

/**
 * Where `pkg`'s entry module is (a `file:` URL), found as `import` would find it from here, or
 * undefined when it is not installed. Loads nothing. Node only.
 */
export function resolvePackage(pkg: string): string | undefined {
  try {
    return import.meta.resolve(pkg);
  } catch (error) {
    if (isMissingPackage(error, pkg)) return undefined;
    throw error;
  }
}

/** The first of `packages` that is not installed (Node), or undefined when all are. */
export function firstMissing(packages: readonly string[]): string | undefined {
  return packages.find((pkg) => resolvePackage(pkg) === undefined);
}

/**
 * Runs `load`, turning "package `pkg` not found" into an error that says what needs it and how
 * to install it.
 */
export async function withOptionalPeer<T>(pkg: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, pkg)) throw error;
    throw new Error(`${purpose} needs the optional peer dependency ${pkg}, which is not installed (npm install ${pkg})`, { cause: error });
  }
}
