import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors } from '../../src/weights/index.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures');

/** A file with the given header object and data bytes. */
function file(header: unknown, data: Uint8Array | number = 0, headerText?: string): Uint8Array {
  const text = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + text.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(bytes, 8 + text.length);
  return out;
}

describe('safetensors', () => {
  it('reads a view into a larger buffer, such as a pooled Node Buffer', () => {
    const bytes = serializeSafetensors({ w: { shape: [3], data: Float32Array.of(1.5, -2, 3) }, v: { shape: [2], data: Float32Array.of(7, 8) } });
    const pool = Buffer.alloc(bytes.length + 24, 0xab);
    pool.set(bytes, 8);
    for (const view of [pool.subarray(8, 8 + bytes.length), new Uint8Array(pool.buffer, pool.byteOffset + 8, bytes.length)]) {
      const { tensors } = parseSafetensors(view, 'pooled');
      assert.deepEqual(tensors.get('w')!.data, Float32Array.of(1.5, -2, 3));
      assert.deepEqual(tensors.get('v')!.data, Float32Array.of(7, 8));
    }
  });

  it('round-trips F32, I32, I64, U8 and BOOL tensors and metadata', () => {
    const tensors = {
      b: { shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 0, 1e-30, -7) },
      a: { shape: [], dtype: 'I64' as const, data: Int32Array.of(-5) },
      c: { shape: [2], data: Int32Array.of(2147483647, -2147483648) },
      d: { shape: [3], data: Uint8Array.of(0, 200, 255) },
      e: { shape: [2], dtype: 'BOOL' as const, data: Uint8Array.of(1, 0) },
      f: { shape: [0, 4], data: new Float32Array(0) },
    };
    const bytes = serializeSafetensors(tensors, { format: 'pt' });
    assert.equal(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8, 0, 'header padded to 8 bytes');
    const { tensors: back, metadata } = parseSafetensors(bytes, 'x');
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual([...back.keys()], ['a', 'b', 'c', 'd', 'e', 'f']);
    for (const [name, t] of Object.entries(tensors)) {
      const got = back.get(name)!;
      assert.deepEqual(got.shape, t.shape, name);
      assert.deepEqual(got.data, t.data, name);
      assert.equal(got.dtype, 'dtype' in t ? t.dtype : t.data instanceof Float32Array ? 'F32' : t.data instanceof Int32Array ? 'I32' : 'U8');
    }
  });

  it('reads a file written by Python exactly (every dtype, metadata)', async () => {
    const expected = JSON.parse(readFileSync(join(fixtures, 'weights-dtypes.json'), 'utf8'));
    const { tensors, metadata } = await readSafetensors(join(fixtures, 'weights-dtypes.safetensors'));
    assert.deepEqual(metadata, expected.metadata);
    for (const [name, dtype] of [['f32', 'F32'], ['f16', 'F16'], ['bf16', 'BF16'], ['f64', 'F64']] as const) {
      const t = tensors.get(name)!;
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.shape, expected.shape);
      assert.ok(t.data instanceof Float32Array, name);
      assert.deepEqual(Array.from(t.data), expected[name], name);
    }
    assert.ok(Object.is(tensors.get('f32')!.data[5], -0.0009765625));
    const ints: [string, string, string][] = [['i64', 'I64', 'Int32Array'], ['i32', 'I32', 'Int32Array'], ['u8', 'U8', 'Uint8Array'], ['bool', 'BOOL', 'Uint8Array'], ['scalar', 'I64', 'Int32Array']];
    for (const [name, dtype, array] of ints) {
      const t = tensors.get(name)!;
      assert.equal(t.dtype, dtype);
      assert.equal(t.data.constructor.name, array, name);
      assert.deepEqual(Array.from(t.data), expected[name], name);
    }
    assert.deepEqual(tensors.get('scalar')!.shape, []);
    assert.deepEqual(tensors.get('empty')!.shape, [0, 3]);
  });

  it('writes atomically (no temporary file left) and reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cellmask-st-'));
    const path = join(dir, 'w.safetensors');
    await writeSafetensors(path, new Map([['w', { shape: [2], data: Float32Array.of(1, 2) }]]));
    assert.deepEqual(await readdir(dir), ['w.safetensors']);
    assert.deepEqual(Array.from((await readSafetensors(path)).tensors.get('w')!.data), [1, 2]);
    await assert.rejects(readSafetensors(join(dir, 'none.safetensors')), /readSafetensors: cannot read .*none.safetensors/);
  });

  it('rejects every corruption with an error naming the file and the tensor', () => {
    const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const cases: [string, Uint8Array, RegExp][] = [
      ['short', new Uint8Array(5), /f.st: file is 5 bytes, shorter than the 8-byte header length/],
      ['header past end', (() => { const b = file(ok, 8); new DataView(b.buffer).setBigUint64(0, 10_000n, true); return b; })(), /header length 10000 runs past the end of the file/],
      ['not JSON', file(null, 0, '{"w": '), /header is not UTF-8 JSON/],
      ['not an object', file([1, 2]), /header must be a JSON object, got an array of length 2/],
      ['dtype', file({ w: { dtype: 'F8', shape: [2], data_offsets: [0, 2] } }, 2), /tensor "w": unsupported dtype "F8"/],
      ['shape', file({ w: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] } }, 8), /tensor "w": shape must be a list of non-negative integers, got \[2,-1\]/],
      ['shape type', file({ w: { dtype: 'F32', shape: '2', data_offsets: [0, 8] } }, 8), /tensor "w": shape must be a list/],
      ['offsets', file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8.5] } }, 8), /tensor "w": data_offsets must be \[begin, end\] non-negative integers/],
      ['offsets length', file({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }, 8), /data_offsets must be \[begin, end\]/],
      ['end before begin', file({ w: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 8), /tensor "w": data_offsets end 4 is before begin 8/],
      ['size', file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /tensor "w": holds 8 bytes, but shape \[3\] of F32 needs 12/],
      ['overlap', file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, v: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /tensor "v" at \[4, 8\) overlaps the tensor before it/],
      ['hole', file({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), /bytes \[0, 4\) before tensor "w" belong to no tensor/],
      ['trailing', file(ok, 12), /bytes \[8, 12\) after the last tensor belong to no tensor/],
      ['truncated', file(ok, 6), /tensor "w": data \[0, 8\) runs past the end of the file \(6 data bytes; truncated\?\)/],
      ['metadata', file({ __metadata__: { n: 1 } }), /__metadata__ must map strings to strings; "n" is number 1/],
      ['extra field', file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8], x: 1 } }, 8), /tensor "w": unexpected fields x/],
      ['i64 range', file({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(new BigInt64Array([2n ** 40n]).buffer)), /tensor "w": I64 value 1099511627776 at index 0 is outside the int32 range/],
    ];
    for (const [what, bytes, message] of cases) {
      assert.throws(() => parseSafetensors(bytes, 'f.st'), (e: Error) => e.message.startsWith('parseSafetensors: f.st: ') && message.test(e.message), what);
    }
    assert.doesNotThrow(() => parseSafetensors(file(ok, 8), 'f.st'), 'the valid base case parses');
  });

  it('refuses to write inconsistent tensors', () => {
    assert.throws(() => serializeSafetensors({ w: { shape: [3], data: new Float32Array(2) } }), /tensor "w": shape \[3\] does not fit data of length 2/);
    assert.throws(() => serializeSafetensors({ w: { shape: [2], dtype: 'F16', data: new Float32Array(2) } }), /tensor "w": dtype F16 cannot be written from a Float32Array/);
  });
});
