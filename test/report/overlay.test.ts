import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodePng } from '../../src/data/image.js';
import { OVERLAY_STYLE, type OverlayBase, type Rgb, type RgbImage, overlayImage, rgbPng } from '../../src/report/index.js';
import { encodeCounts } from '../../src/rle/index.js';

/** Counts of the square of rows y0..y1 and columns x0..x1 (inclusive) in an H x W image. */
function square(y0: number, y1: number, x0: number, x1: number, height: number, width: number): Uint32Array {
  const mask = new Uint8Array(height * width);
  for (let y = y0; y <= y1; y++) mask.fill(1, y * width + x0, y * width + x1 + 1);
  return encodeCounts(mask);
}

function grey(value: number, height: number, width: number): OverlayBase {
  return { data: new Uint8Array(height * width).fill(value), height, width, channels: 1 };
}

function pixel(image: RgbImage, y: number, x: number): Rgb {
  const i = 3 * (y * image.width + x);
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}

const GREEN: Rgb = [0, 255, 0];
const MAGENTA: Rgb = [255, 0, 255];
const WHITE: Rgb = [255, 255, 255];
const NO_FILL = { ...OVERLAY_STYLE, fill: 0 };

describe('overlayImage', () => {
  it('uses the documented default colours', () => {
    assert.deepEqual([OVERLAY_STYLE.truth, OVERLAY_STYLE.prediction, OVERLAY_STYLE.both], [GREEN, MAGENTA, WHITE]);
  });

  it('draws true outlines green, predicted magenta and shared outline pixels white', () => {
    // Truth: rows 1-3, columns 1-3. Prediction: the same square one column to the right (columns 2-4).
    const out = overlayImage(grey(100, 5, 5), [square(1, 3, 1, 3, 5, 5)], [square(1, 3, 2, 4, 5, 5)], NO_FILL);
    assert.equal(out.width, 5);
    assert.equal(out.height, 5);
    assert.deepEqual(pixel(out, 0, 0), [100, 100, 100]); // outside both
    assert.deepEqual(pixel(out, 2, 1), GREEN); // left side of the truth only
    assert.deepEqual(pixel(out, 1, 2), WHITE); // top of both squares
    assert.deepEqual(pixel(out, 2, 2), MAGENTA); // the prediction's left side, inside the truth
    assert.deepEqual(pixel(out, 2, 3), GREEN); // the truth's right side, inside the prediction
    assert.deepEqual(pixel(out, 2, 4), MAGENTA); // the prediction's right side, on the image edge
  });

  it('tints predicted pixels once, even where predictions overlap', () => {
    // Two identical 3 x 3 predictions; fill 0.5 over grey 100 at the centre (2, 2):
    // red and blue round(0.5 * 100 + 0.5 * 255) = round(177.5) = 178, green 0.5 * 100 = 50.
    const pred = square(1, 3, 1, 3, 5, 5);
    const out = overlayImage(grey(100, 5, 5), [], [pred, pred], { ...OVERLAY_STYLE, fill: 0.5 });
    assert.deepEqual(pixel(out, 2, 2), [178, 50, 178]);
    assert.deepEqual(pixel(out, 1, 1), MAGENTA); // outlines stay opaque over the tint
    assert.deepEqual(pixel(out, 4, 4), [100, 100, 100]);
  });

  it('keeps RGB channels in order, ignores alpha and shows 16-bit samples by their high byte', () => {
    const rgba: OverlayBase = { data: Uint8Array.of(10, 20, 30, 0), height: 1, width: 1, channels: 4 };
    assert.deepEqual(pixel(overlayImage(rgba, [], []), 0, 0), [10, 20, 30]);
    const deep: OverlayBase = { data: Uint16Array.of(0x1234, 0xffff), height: 1, width: 2, channels: 1 };
    const out = overlayImage(deep, [], []);
    assert.deepEqual([pixel(out, 0, 0), pixel(out, 0, 1)], [[0x12, 0x12, 0x12], [255, 255, 255]]);
  });

  it('leaves the base image untouched', () => {
    const base = grey(7, 3, 3);
    overlayImage(base, [square(0, 2, 0, 2, 3, 3)], [square(0, 1, 0, 1, 3, 3)]);
    assert.deepEqual(base.data, new Uint8Array(9).fill(7));
  });

  it('names the mask, the image or the option that is wrong', () => {
    const base = grey(0, 5, 5);
    assert.throws(() => overlayImage(base, [], [square(0, 1, 0, 1, 4, 4)]), /overlayImage: pred\[0\]: countsOutline: counts cover 16 pixels, the image 5 x 5 has 25/);
    assert.throws(() => overlayImage(base, [Uint32Array.of(25), Uint32Array.of(3)], []), /overlayImage: truth\[1\]/);
    assert.throws(() => overlayImage({ ...base, channels: 3 }, [], []), /overlayImage: image data must be a Uint8Array or Uint16Array of 5 x 5 x 3 samples/);
    assert.throws(() => overlayImage(base, [], [], { ...OVERLAY_STYLE, fill: 1.5 }), /style.fill must be in \[0, 1\], got 1.5/);
  });
});

describe('rgbPng', () => {
  it('encodes an overlay as an 8-bit RGB PNG that decodes to the same pixels', () => {
    const out = overlayImage(grey(100, 5, 5), [square(1, 3, 1, 3, 5, 5)], [], NO_FILL);
    const decoded = decodePng(rgbPng(out));
    assert.deepEqual(decoded.shape, [5, 5, 3]);
    assert.deepEqual(decoded.data, out.data);
  });
});
