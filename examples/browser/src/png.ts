/**
 * A PNG's bytes to the model's `Picture`, decoded by fast-png as `cellmask predict` decodes it
 * (the browser's own decoder may apply colour management, and the page must see the pixels the
 * command line sees).
 */
import { convertIndexedToRgb, decode } from 'fast-png';

import type { Picture } from '../../../src/model/preprocess.js';

/**
 * The 8-bit grey, RGB or RGBA picture in `bytes` (palettes expanded; grey + alpha reduced to grey).
 * @throws Error naming `name` for bytes that are not a PNG and for 16-bit images.
 */
export function pictureFromPngBytes(bytes: Uint8Array, name: string): Picture {
  let png;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (error) {
    throw new Error(`${name} is not a readable PNG: ${(error as Error).message}`, { cause: error });
  }
  const { height, width } = png;
  if (png.palette !== undefined) {
    const data = convertIndexedToRgb(png);
    return { data, height, width, channels: png.palette[0]?.length === 4 ? 4 : 3 };
  }
  if (png.depth !== 8 || png.data instanceof Uint16Array) {
    throw new Error(`${name}: ${png.depth}-bit PNG; the model reads 8-bit grey or RGB images: convert it to 8 bits first`);
  }
  const samples = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
  if (png.channels !== 2) return { data: samples, height, width, channels: png.channels };
  const grey = new Uint8Array(height * width);
  for (let i = 0; i < grey.length; i++) grey[i] = samples[2 * i];
  return { data: grey, height, width, channels: 1 };
}
