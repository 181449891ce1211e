/**
 * The safetensors format (https://github.com/huggingface/safetensors), in pure TypeScript: an
 * 8-byte little-endian header length N, N bytes of JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, then the
 * tensors' bytes, little-endian, row-major, offsets relative to the start of the data. The
 * tensors must tile the data exactly: no overlap, no hole, nothing past the end.
 */
import { describe } from '../utils/describe.js';

/** The dtypes read: floats become Float32Array, I64 and I32 Int32Array, U8 and BOOL Uint8Array. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

/** The array a tensor's values are held in. */
export type TensorData = Float32Array | Int32Array | Uint8Array;

/** One tensor of a safetensors file. */
export interface StoredTensor {
  /** The dtype in the file (F16, BF16 and F64 values are held as float32 in `data`). */
  readonly dtype: SafetensorsDtype;
  /** Dimensions, row-major (PyTorch's layout for a PyTorch checkpoint). */
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** A parsed file: tensors by name, in file order, and the string metadata. */
export interface Safetensors {
  readonly tensors: Map<string, StoredTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** A tensor to write: dtype F32 for Float32Array, I32 (or I64 when `dtype` says so) for Int32Array, U8 (or BOOL) for Uint8Array. */
export interface TensorToWrite {
  readonly dtype?: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Parses the bytes of a safetensors file, checking everything the format requires.
 * @param name the file's name for error messages.
 * @throws Error naming the file (and the tensor) for a file shorter than 8 bytes, a header past
 *   the end, a header that is not a JSON object, an unknown dtype, a bad shape or offsets, a size
 *   that is not prod(shape) * dtype size, overlapping tensors or holes, data past the end, bad
 *   metadata, or I64 values outside the int32 range.
 */
export function parseSafetensors(bytes: Uint8Array, name = 'safetensors'): Safetensors {
  if (!(bytes instanceof Uint8Array)) throw new Error(`parseSafetensors: bytes must be a Uint8Array, got ${describe(bytes)}`);
  if (!LITTLE_ENDIAN) throw new Error('parseSafetensors: a big-endian host is not supported');
  const fail = (what: string): never => {
    throw new Error(`parseSafetensors: ${name}: ${what}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) fail(`header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    fail(`header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(`header must be a JSON object, got ${describe(header)}`);

  const dataLength = bytes.length - dataStart;
  const entries: { key: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      metadata = checkMetadata(entry, fail);
      continue;
    }
    const bad = (what: string): never => fail(`tensor "${key}": ${what}`);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) bad(`entry must be an object, got ${describe(entry)}`);
    const { dtype, shape, data_offsets: offsets, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0) bad(`unexpected fields ${Object.keys(rest).join(', ')}`);
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
      bad(`unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      bad(`data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (end < begin) bad(`data_offsets end ${end} is before begin ${begin}`);
    const size = (shape as number[]).reduce((p, d) => p * d, 1) * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (end - begin !== size) bad(`holds ${end - begin} bytes, but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${size}`);
    if (end > dataLength) bad(`data [${begin}, ${end}) runs past the end of the file (${dataLength} data bytes; truncated?)`);
    entries.push({ key, dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
  }

  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of byOffset) {
    if (e.begin < covered) fail(`tensor "${e.key}" at [${e.begin}, ${e.end}) overlaps the tensor before it (which ends at ${covered})`);
    if (e.begin > covered) fail(`bytes [${covered}, ${e.begin}) before tensor "${e.key}" belong to no tensor`);
    covered = e.end;
  }
  if (covered !== dataLength) fail(`bytes [${covered}, ${dataLength}) after the last tensor belong to no tensor`);

  const tensors = new Map<string, StoredTensor>();
  for (const e of entries) {
    // A copy of the tensor's own bytes, whatever `bytes` is a view of (a Node Buffer's `slice`
    // shares memory, and its `.buffer` is the whole pool).
    const raw = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart + e.begin, e.end - e.begin).slice().buffer;
    tensors.set(e.key, { dtype: e.dtype, shape: e.shape, data: decode(raw, e.dtype, (what) => fail(`tensor "${e.key}": ${what}`)) });
  }
  return { tensors, metadata };
}

function checkMetadata(entry: unknown, fail: (what: string) => never): Record<string, string> {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) fail(`__metadata__ must be an object, got ${describe(entry)}`);
  for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__ must map strings to strings; "${k}" is ${describe(v)}`);
  }
  return { ...(entry as Record<string, string>) };
}

function decode(raw: ArrayBuffer, dtype: SafetensorsDtype, fail: (what: string) => never): TensorData {
  switch (dtype) {
    case 'F32':
      return new Float32Array(raw);
    case 'F64':
      return Float32Array.from(new Float64Array(raw));
    case 'F16':
      return Float32Array.from(new Uint16Array(raw), halfToFloat);
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const halves = new Uint16Array(raw);
      const bits = new Uint32Array(halves.length);
      for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': {
      const wide = new BigInt64Array(raw);
      const out = new Int32Array(wide.length);
      for (let i = 0; i < wide.length; i++) {
        if (wide[i] < -2147483648n || wide[i] > 2147483647n) fail(`I64 value ${wide[i]} at index ${i} is outside the int32 range`);
        out[i] = Number(wide[i]);
      }
      return out;
    }
    case 'I32':
      return new Int32Array(raw);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(raw);
  }
}

/** IEEE 754 half-precision bits to a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * The bytes of a safetensors file holding `tensors` (in name order) and `metadata`. The header is
 * padded with spaces to a multiple of 8 bytes, as the reference writer does.
 * @throws Error naming the tensor when its data length is not prod(shape) or its dtype does not
 *   fit its array.
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite> | Readonly<Record<string, TensorToWrite>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const list = (tensors instanceof Map ? [...tensors] : Object.entries(tensors)) as [string, TensorToWrite][];
  list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = checkMetadata(metadata, (what) => {
    throw new Error(`serializeSafetensors: ${what}`);
  });
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [key, t] of list) {
    if (key === '__metadata__') throw new Error('serializeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || count !== t.data.length) {
      throw new Error(`serializeSafetensors: tensor "${key}": shape [${t.shape.join(', ')}] does not fit data of length ${t.data.length}`);
    }
    const [dtype, bytes] = encode(key, t);
    header[key] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function encode(key: string, t: TensorToWrite): [SafetensorsDtype, Uint8Array] {
  const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  const mismatch = (): never => {
    throw new Error(`serializeSafetensors: tensor "${key}": dtype ${t.dtype} cannot be written from a ${t.data.constructor.name}`);
  };
  if (t.data instanceof Float32Array) return t.dtype === undefined || t.dtype === 'F32' ? ['F32', bytesOf(t.data)] : mismatch();
  if (t.data instanceof Int32Array) {
    if (t.dtype === 'I64') return ['I64', bytesOf(BigInt64Array.from(t.data, (v) => BigInt(v)))];
    return t.dtype === undefined || t.dtype === 'I32' ? ['I32', bytesOf(t.data)] : mismatch();
  }
  if (t.data instanceof Uint8Array) return t.dtype === 'BOOL' ? ['BOOL', bytesOf(t.data)] : t.dtype === undefined || t.dtype === 'U8' ? ['U8', bytesOf(t.data)] : mismatch();
  throw new Error(`serializeSafetensors: tensor "${key}": data must be a Float32Array, Int32Array or Uint8Array, got ${describe(t.data)}`);
}
