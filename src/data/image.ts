/**
 * Image files as `ndarray` views over typed arrays, the form npm's image tools (ndarray-ops and
 * friends) take. Shape shorthand: H, W: image height and width in pixels, C: channels.
 * An image is [H, W] for one channel and [H, W, C] otherwise, row-major, so pixel (y, x) of
 * channel c sits at `data[(y * W + x) * C + c]`; samples are `Uint8Array` (8-bit) or
 * `Uint16Array` (16-bit), values as stored (no scaling).
 *
 * PNG goes through fast-png. TIFF is read with the `tiff` package (uncompressed, LZW, Deflate)
 * plus PackBits here, first page only, and written by the small encoder in `tiff-encode.ts`.
 * Corrupt or truncated files throw errors naming the file and what is wrong.
 */
import { readFile } from 'node:fs/promises';
import { convertIndexedToRgb, decode as decodePngData, encode as encodePngData, hasPngSignature } from 'fast-png';
import ndarray from 'ndarray';
import { decode as decodeTiffPages, type TiffIfd } from 'tiff';
import type { Picture } from '../model/preprocess.js';
import { writeFileAtomic } from './atomic.js';
import { decodePackBits } from './packbits.js';
import { encodeTiff } from './tiff-encode.js';

/** Samples of an image: 8-bit or 16-bit unsigned. */
export type PixelData = Uint8Array | Uint16Array;

/** An image: ndarray [H, W] (one channel) or [H, W, C] over `Uint8Array` or `Uint16Array` samples. */
export type ImageArray = ndarray.NdArray<Uint8Array> | ndarray.NdArray<Uint16Array>;

/** An image's samples copied (when needed) into a dense row-major [H, W, C] array. */
interface DenseImage {
  readonly data: PixelData;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

function toImageArray(data: PixelData, height: number, width: number, channels: number): ImageArray {
  const shape = channels === 1 ? [height, width] : [height, width, channels];
  // NdArray<Uint8Array | Uint16Array> -> the union of the two NdArray types it stands for.
  return ndarray<PixelData>(data, shape) as ImageArray;
}

async function sourceBytes(fn: string, source: string | Uint8Array): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: '<bytes>' };
  if (typeof source !== 'string') {
    throw new Error(`${fn}: source must be a file path or a Uint8Array, got ${source === null ? 'null' : typeof source}`);
  }
  try {
    return { bytes: await readFile(source), name: source };
  } catch (error) {
    throw new Error(`${fn}: cannot read ${source}: ${(error as Error).message}`, { cause: error });
  }
}

/** Checks an image argument and returns its samples as dense row-major [H, W, C]. */
function denseImage(fn: string, image: ImageArray): DenseImage {
  if (typeof image !== 'object' || image === null || !Array.isArray(image.shape)) {
    throw new Error(`${fn}: image must be an ndarray, got ${image === null ? 'null' : typeof image}`);
  }
  const { data, shape, stride, offset } = image;
  if (!(data instanceof Uint8Array) && !(data instanceof Uint16Array)) {
    throw new Error(`${fn}: image data must be a Uint8Array or Uint16Array, got ${Object.prototype.toString.call(data)}`);
  }
  if (shape.length !== 2 && shape.length !== 3) {
    throw new Error(`${fn}: image must have shape [H, W] or [H, W, C], got [${shape.join(', ')}]`);
  }
  const [height, width] = shape;
  const channels = shape.length === 3 ? shape[2] : 1;
  if (height < 1 || width < 1 || channels < 1 || channels > 4) {
    throw new Error(`${fn}: image must have H, W >= 1 and 1 to 4 channels, got shape [${shape.join(', ')}]`);
  }
  const sc = shape.length === 3 ? stride[2] : 1;
  const dense = offset === 0 && sc === 1 && stride[1] === channels && stride[0] === width * channels && data.length === height * width * channels;
  if (dense) return { data, height, width, channels };
  const out = data instanceof Uint8Array ? new Uint8Array(height * width * channels) : new Uint16Array(height * width * channels);
  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = offset + y * stride[0] + x * stride[1];
      for (let c = 0; c < channels; c++) out[o++] = data[base + c * sc];
    }
  }
  return { data: out, height, width, channels };
}

/**
 * Decodes PNG bytes -> [H, W] (grey) or [H, W, C] (grey+alpha, RGB, RGBA; palettes expanded to
 * RGB/RGBA). 8- and 16-bit only. `name` labels errors. Throws for a bad signature, a CRC
 * mismatch, truncation or other corruption, wrapping fast-png's message.
 */
export function decodePng(bytes: Uint8Array, name = '<bytes>'): ImageArray {
  if (!hasPngSignature(bytes)) throw new Error(`decodePng: ${name}: not a PNG file (bad signature)`);
  let png;
  try {
    png = decodePngData(bytes, { checkCrc: true });
  } catch (error) {
    throw new Error(`decodePng: ${name}: corrupt or truncated PNG: ${(error as Error).message}`, { cause: error });
  }
  let { data, channels } = png;
  if (png.palette !== undefined) {
    data = convertIndexedToRgb(png);
    channels = png.palette[0]?.length === 4 ? 4 : 3;
  } else if (png.depth !== 8 && png.depth !== 16) {
    throw new Error(`decodePng: ${name}: unsupported bit depth ${png.depth} (8 and 16 are supported)`);
  }
  const samples = data instanceof Uint16Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (samples.length !== png.height * png.width * channels) {
    throw new Error(`decodePng: ${name}: decoded ${samples.length} samples, expected ${png.height}*${png.width}*${channels}`);
  }
  return toImageArray(samples, png.height, png.width, channels);
}

/** Reads a PNG file (or bytes) -> [H, W] or [H, W, C]; see `decodePng`. */
export async function readPng(source: string | Uint8Array): Promise<ImageArray> {
  const { bytes, name } = await sourceBytes('readPng', source);
  return decodePng(bytes, name);
}

/** Encodes an [H, W] or [H, W, C] (C = 1..4) image as PNG bytes, 8- or 16-bit from its data type. */
export function encodePng(image: ImageArray): Uint8Array {
  const { data, height, width, channels } = denseImage('encodePng', image);
  return encodePngData({ data, height, width, channels, depth: data instanceof Uint8Array ? 8 : 16 });
}

/** Writes an image as PNG to `path`, atomically; see `encodePng`. */
export async function writePng(path: string, image: ImageArray): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}

function tiffError(name: string, reason: string, cause?: unknown): Error {
  return new Error(`decodeTiff: ${name}: ${reason}`, cause === undefined ? undefined : { cause });
}

/** Reads the first page's strips ourselves when they are PackBits-compressed. */
function decodePackBitsPage(bytes: Uint8Array, ifd: TiffIfd, bytesPerSample: number, name: string): PixelData {
  const { width, height, samplesPerPixel: channels } = ifd;
  const rowsPerStrip = Math.min(ifd.rowsPerStrip ?? height, height);
  const rowBytes = width * channels * bytesPerSample;
  const raw = new Uint8Array(height * rowBytes);
  ifd.stripOffsets.forEach((offset, k) => {
    const rows = Math.min(rowsPerStrip, height - k * rowsPerStrip);
    if (rows <= 0) return;
    const strip = bytes.subarray(offset, offset + ifd.stripByteCounts[k]);
    try {
      raw.set(decodePackBits(strip, rows * rowBytes), k * rowsPerStrip * rowBytes);
    } catch (error) {
      throw tiffError(name, `PackBits strip ${k} is corrupt: ${(error as Error).message}`, error);
    }
  });
  if (bytesPerSample === 1) return raw;
  const view = new DataView(raw.buffer);
  const littleEndian = bytes[0] === 0x49;
  const out = new Uint16Array(height * width * channels);
  for (let p = 0; p < out.length; p++) out[p] = view.getUint16(2 * p, littleEndian);
  return out;
}

/**
 * Decodes the first page of TIFF bytes -> [H, W] (one sample per pixel) or [H, W, C].
 * Unsigned 8- and 16-bit samples; uncompressed, LZW, Deflate or PackBits; WhiteIsZero is
 * inverted to BlackIsZero; palette images give their indices. Throws, naming `name`, for a
 * bad header, strips past the end of the file (truncation), corrupt compressed data, or an
 * unsupported layout.
 */
export function decodeTiff(bytes: Uint8Array, name = '<bytes>'): ImageArray {
  let ifd: TiffIfd;
  try {
    ifd = decodeTiffPages(bytes, { ignoreImageData: true, pages: [0] })[0];
  } catch (error) {
    throw tiffError(name, `corrupt or truncated TIFF header: ${(error as Error).message}`, error);
  }
  if (ifd === undefined) throw tiffError(name, 'the TIFF has no image');
  const bits = ifd.bitsPerSample ?? 1;
  if ((bits !== 8 && bits !== 16) || ifd.sampleFormat !== 1) {
    throw tiffError(name, `unsupported samples: ${bits}-bit, sample format ${ifd.sampleFormat} (unsigned 8- or 16-bit supported)`);
  }
  const { width, height, samplesPerPixel: channels } = ifd;
  if (!(width >= 1 && height >= 1 && channels >= 1)) {
    throw tiffError(name, `bad image size ${width} x ${height} with ${channels} samples per pixel`);
  }
  if (!ifd.tiled) {
    ifd.stripOffsets.forEach((offset, k) => {
      const end = offset + (ifd.stripByteCounts[k] ?? 0);
      if (end > bytes.length) {
        throw tiffError(name, `truncated: strip ${k} spans bytes ${offset}..${end} but the file has ${bytes.length} bytes`);
      }
    });
  }
  let data: PixelData;
  if (ifd.compression === 32773) {
    if (ifd.tiled || ifd.predictor !== 1 || ifd.planarConfiguration === 2) {
      throw tiffError(name, 'unsupported PackBits layout (tiles, a predictor or planar samples)');
    }
    data = decodePackBitsPage(bytes, ifd, bits / 8, name);
    if (ifd.type === 0) for (let p = 0; p < data.length; p++) data[p] = 2 ** bits - 1 - data[p];
  } else {
    try {
      data = decodeTiffPages(bytes, { pages: [0] })[0].data as PixelData;
    } catch (error) {
      throw tiffError(name, `corrupt or unsupported TIFF image data: ${(error as Error).message}`, error);
    }
  }
  if (data.length !== width * height * channels) {
    throw tiffError(name, `decoded ${data.length} samples, expected ${height}*${width}*${channels}`);
  }
  return toImageArray(data, height, width, channels);
}

/** Reads a TIFF file (or bytes), first page -> [H, W] or [H, W, C]; see `decodeTiff`. */
export async function readTiff(source: string | Uint8Array): Promise<ImageArray> {
  const { bytes, name } = await sourceBytes('readTiff', source);
  return decodeTiff(bytes, name);
}

/**
 * Writes a grey [H, W] (or [H, W, 1]) 8- or 16-bit image as an uncompressed little-endian TIFF
 * to `path`, atomically.
 */
export async function writeTiff(path: string, image: ImageArray): Promise<void> {
  const { data, height, width, channels } = denseImage('writeTiff', image);
  if (channels !== 1) throw new Error(`writeTiff: only grey images are written, got ${channels} channels (${path})`);
  await writeFileAtomic(path, encodeTiff(data, height, width));
}

/**
 * A PNG decoded by `readPng` (dense [H, W] or [H, W, C]) as the model's `Picture`: grey and RGB
 * as they are, RGBA with its alpha (the model ignores it), grey+alpha reduced to grey.
 * @throws Error naming `path` for 16-bit samples: the network was trained on 8-bit images, and
 *   a 16-bit file may hold 12 or 16 significant bits, so no scaling is guessed.
 */
export function pictureFromPng(image: ImageArray, path: string): Picture {
  const [height, width] = image.shape;
  const channels = image.shape.length === 3 ? image.shape[2] : 1;
  if (!(image.data instanceof Uint8Array)) {
    throw new Error(`${path}: 16-bit PNG; predict reads 8-bit grey or RGB images (the competition's are 8-bit): convert it to 8 bits first`);
  }
  if (channels !== 2) return { data: image.data, height, width, channels };
  const grey = new Uint8Array(height * width);
  for (let i = 0; i < grey.length; i++) grey[i] = image.data[2 * i];
  return { data: grey, height, width, channels: 1 };
}
