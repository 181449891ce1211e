/**
 * PackBits (TIFF compression 32773, Apple's run-length scheme), which the `tiff` package does not
 * decode. Each header byte n, read as a signed 8-bit integer: 0..127 copies the next n + 1 bytes
 * literally, -127..-1 repeats the next byte 1 - n times, -128 is skipped (TIFF 6.0, section 9).
 */

/**
 * Decodes PackBits `input` into exactly `length` bytes. Throws when the input ends before
 * `length` bytes are produced or a run would overflow it.
 */
export function decodePackBits(input: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let i = 0;
  let o = 0;
  while (o < length) {
    if (i >= input.length) {
      throw new Error(`decodePackBits: input ended after ${o} of ${length} bytes`);
    }
    const n = (input[i++] << 24) >> 24;
    if (n >= 0) {
      const count = n + 1;
      if (i + count > input.length) throw new Error(`decodePackBits: literal run of ${count} bytes at input byte ${i - 1} is cut short`);
      if (o + count > length) throw new Error(`decodePackBits: literal run at input byte ${i - 1} overflows the ${length}-byte output`);
      out.set(input.subarray(i, i + count), o);
      i += count;
      o += count;
    } else if (n !== -128) {
      const count = 1 - n;
      if (i >= input.length) throw new Error(`decodePackBits: repeat run at input byte ${i - 1} has no byte to repeat`);
      if (o + count > length) throw new Error(`decodePackBits: repeat run at input byte ${i - 1} overflows the ${length}-byte output`);
      out.fill(input[i++], o, o + count);
      o += count;
    }
  }
  return out;
}
