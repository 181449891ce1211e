/**
 * A minimal baseline TIFF encoder: one page, one uncompressed strip, little-endian, grey
 * (BlackIsZero) unsigned 8- or 16-bit samples. Enough to write label images and synthetic
 * LIVECell-like images that any TIFF reader (the `tiff` package, tifffile, ImageJ) opens.
 */

const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;

interface Entry {
  readonly tag: number;
  readonly type: number;
  readonly value: number;
}

/**
 * Encodes [H, W] row-major grey samples (`Uint8Array` -> 8-bit, `Uint16Array` -> 16-bit) as TIFF
 * bytes: 8-byte header, one IFD, two resolution rationals, then the pixels.
 */
export function encodeTiff(data: Uint8Array | Uint16Array, height: number, width: number): Uint8Array {
  if (!(data instanceof Uint8Array) && !(data instanceof Uint16Array)) {
    throw new Error(`encodeTiff: data must be a Uint8Array or Uint16Array, got ${Object.prototype.toString.call(data)}`);
  }
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`encodeTiff: height and width must be positive integers, got ${height} x ${width}`);
  }
  if (data.length !== height * width) {
    throw new Error(`encodeTiff: expected ${height}*${width} = ${height * width} samples, got ${data.length}`);
  }
  const bits = data.BYTES_PER_ELEMENT * 8;
  const pixelBytes = data.length * data.BYTES_PER_ELEMENT;
  const entryCount = 14;
  const ifdOffset = 8;
  const rationalsOffset = ifdOffset + 2 + entryCount * 12 + 4;
  const pixelsOffset = rationalsOffset + 16;
  // Tags in ascending order, as TIFF 6.0 requires.
  const entries: Entry[] = [
    { tag: 256, type: LONG, value: width }, // ImageWidth
    { tag: 257, type: LONG, value: height }, // ImageLength
    { tag: 258, type: SHORT, value: bits }, // BitsPerSample
    { tag: 259, type: SHORT, value: 1 }, // Compression: none
    { tag: 262, type: SHORT, value: 1 }, // PhotometricInterpretation: BlackIsZero
    { tag: 273, type: LONG, value: pixelsOffset }, // StripOffsets
    { tag: 277, type: SHORT, value: 1 }, // SamplesPerPixel
    { tag: 278, type: LONG, value: height }, // RowsPerStrip: the whole image
    { tag: 279, type: LONG, value: pixelBytes }, // StripByteCounts
    { tag: 282, type: RATIONAL, value: rationalsOffset }, // XResolution (offset of 1/1)
    { tag: 283, type: RATIONAL, value: rationalsOffset + 8 }, // YResolution (offset of 1/1)
    { tag: 284, type: SHORT, value: 1 }, // PlanarConfiguration: chunky
    { tag: 296, type: SHORT, value: 1 }, // ResolutionUnit: none
    { tag: 339, type: SHORT, value: 1 }, // SampleFormat: unsigned integer
  ];
  const bytes = new Uint8Array(pixelsOffset + pixelBytes);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0x4949, true); // "II": little-endian
  view.setUint16(2, 42, true);
  view.setUint32(4, ifdOffset, true);
  view.setUint16(ifdOffset, entryCount, true);
  entries.forEach(({ tag, type, value }, k) => {
    const o = ifdOffset + 2 + 12 * k;
    view.setUint16(o, tag, true);
    view.setUint16(o + 2, type, true);
    view.setUint32(o + 4, 1, true);
    // A SHORT value sits in the first two bytes of the 4-byte value field.
    if (type === SHORT) view.setUint16(o + 8, value, true);
    else view.setUint32(o + 8, value, true);
  });
  view.setUint32(ifdOffset + 2 + 12 * entryCount, 0, true); // no next IFD
  for (const o of [rationalsOffset, rationalsOffset + 8]) {
    view.setUint32(o, 1, true);
    view.setUint32(o + 4, 1, true);
  }
  if (data instanceof Uint8Array) bytes.set(data, pixelsOffset);
  else for (let p = 0; p < data.length; p++) view.setUint16(pixelsOffset + 2 * p, data[p], true);
  return bytes;
}
