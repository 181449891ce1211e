/**
 * How an unexpected argument is named in error messages, one helper for every module: its type
 * and, for arrays and typed arrays, its length; short values are shown.
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) {
    const length = (value as unknown as { length?: number }).length;
    return length === undefined ? value.constructor.name : `${value.constructor.name} of length ${length}`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return typeof value;
}

/** Names for a message: at most `max` of them, then how many more. */
export function someNames(names: readonly string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, ... (${names.length - max} more)`;
}
