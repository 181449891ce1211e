import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ndarray from 'ndarray';
import { decode as tiffDecode } from 'tiff';
import { decodePng, decodeTiff, readPng, readTiff, writePng, writeTiff } from '../../src/data/image.js';
import { decodePackBits } from '../../src/data/packbits.js';
import { BitMasks } from '../../src/structures/index.js';
import { REALDATA } from '../realdata.js';

const REAL = REALDATA;
const PNG = `${REAL}/dethub/0030fd0e6378.png`;
const LIVECELL = `${REAL}/dethub/A172_Phase_A7_1_00d00h00m_1.tif`;

interface TiffStats {
  shape: number[];
  bits: number;
  sum: number;
  sumOfSquares: number;
  distinct: number;
  firstPixels: number[];
}
// Made by scripts/fixtures/data.py with its own LZW and PackBits decoders.
const TIFF_STATS = JSON.parse(
  await readFile(new URL('../fixtures/data/tiff_stats.json', import.meta.url), 'utf8'),
) as Record<string, TiffStats>;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cellmask-image-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function corruptCopy(source: string, name: string, edit: (bytes: Uint8Array) => Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, edit(new Uint8Array(await readFile(source))));
  return path;
}

function meanAndStd(data: ArrayLike<number>): [number, number] {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < data.length; i++) {
    sum += data[i];
    squares += data[i] * data[i];
  }
  const mean = sum / data.length;
  return [mean, Math.sqrt(squares / data.length - mean * mean)];
}

describe('PNG', () => {
  it('reads the competition image: 520 x 704 grey, mean ~128.0, std ~14.7', async () => {
    const image = await readPng(PNG);
    assert.deepEqual(image.shape, [520, 704]);
    assert.ok(image.data instanceof Uint8Array);
    const [mean, std] = meanAndStd(image.data);
    assert.ok(Math.abs(mean - 128.0) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(std - 14.7) < 0.05, `std ${std}`);
  });

  it('round-trips 8-bit grey, 16-bit grey and RGB, and writes strided views in logical order', async () => {
    const grey8 = ndarray(Uint8Array.from({ length: 12 }, (_, i) => i * 20), [3, 4]);
    const grey16 = ndarray(Uint16Array.from([0, 1, 256, 65535, 4096, 7]), [2, 3]);
    const rgb = ndarray(Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => 255 - i), [2, 2, 3]);
    for (const [name, image] of [['grey8', grey8], ['grey16', grey16], ['rgb', rgb]] as const) {
      const path = join(dir, `${name}.png`);
      await writePng(path, image);
      const back = await readPng(path);
      assert.deepEqual(back.shape, image.shape, name);
      assert.equal(back.data.constructor, image.data.constructor, name);
      assert.deepEqual(Array.from(back.data), Array.from(image.data), name);
    }
    // The transpose of the 3 x 4 image: pixel (y, x) of the file is grey8[x, y].
    const path = join(dir, 'transposed.png');
    await writePng(path, grey8.transpose(1, 0));
    const back = await readPng(path);
    assert.deepEqual(back.shape, [4, 3]);
    assert.deepEqual(Array.from(back.data), [0, 80, 160, 20, 100, 180, 40, 120, 200, 60, 140, 220]);
  });

  it('names the file and the problem for truncated, corrupted and non-PNG files', async () => {
    const truncated = await corruptCopy(PNG, 'truncated.png', (b) => b.subarray(0, b.length >> 1));
    await assert.rejects(readPng(truncated), new RegExp(`^Error: decodePng: ${truncated}: corrupt or truncated PNG: `));
    const flipped = await corruptCopy(PNG, 'flipped.png', (b) => {
      b[b.length >> 1] ^= 0xff;
      return b;
    });
    await assert.rejects(readPng(flipped), new RegExp(`decodePng: ${flipped}: corrupt or truncated PNG: .*CRC`));
    await assert.rejects(readPng(LIVECELL), { message: `decodePng: ${LIVECELL}: not a PNG file (bad signature)` });
    await assert.rejects(readPng(join(dir, 'absent.png')), /readPng: cannot read .*absent\.png: .*ENOENT/);
  });

  it('rejects images it cannot write, naming the function and what came', async () => {
    await assert.rejects(writePng(join(dir, 'x.png'), ndarray(new Uint8Array(8), [2, 2, 2, 1]) as never), {
      message: 'encodePng: image must have shape [H, W] or [H, W, C], got [2, 2, 2, 1]',
    });
    await assert.rejects(writePng(join(dir, 'x.png'), ndarray(new Float32Array(4), [2, 2]) as never), {
      message: 'encodePng: image data must be a Uint8Array or Uint16Array, got [object Float32Array]',
    });
  });
});

describe('TIFF', () => {
  it('decodes every real TIFF (LZW + predictor, PackBits, uncompressed 8/16-bit) as an independent decoder does', async () => {
    for (const [name, stats] of Object.entries(TIFF_STATS)) {
      const image = await readTiff(`${REAL}/${name}`);
      assert.deepEqual(image.shape, stats.shape, name);
      assert.equal(image.data.BYTES_PER_ELEMENT * 8, stats.bits, name);
      let sum = 0;
      let squares = 0;
      for (const v of image.data) {
        sum += v;
        squares += v * v;
      }
      assert.equal(sum, stats.sum, name);
      assert.equal(squares, stats.sumOfSquares, name);
      assert.equal(new Set(image.data).size, stats.distinct, name);
      assert.deepEqual(Array.from(image.data.subarray(0, 8)), stats.firstPixels, name);
    }
  });

  it('turns StarDist and omnipose label images into instance masks', async () => {
    const counts: [string, number][] = [
      ['stardist/tests_data/mask2d.tif', 65],
      ['stardist/data_images/mask2d.tif', 125],
      ['omnipose/ecoli_phase_labels.tif', 3],
      ['omnipose/ecoli_labels.tif', 2],
    ];
    for (const [name, instances] of counts) {
      const label = await readTiff(`${REAL}/${name}`);
      const [height, width] = label.shape;
      const { masks, labels } = BitMasks.fromLabelImage(label.data, height, width);
      assert.equal(masks.length, instances, name);
      assert.equal(labels.length, instances, name);
      let foreground = 0;
      for (const v of label.data) if (v > 0) foreground++;
      assert.equal(masks.area().reduce((a, b) => a + b, 0), foreground, name);
    }
  });

  it('writes 8- and 16-bit grey TIFFs that the tiff package and readTiff decode back', async () => {
    const images = [
      ndarray(Uint8Array.from({ length: 35 }, (_, i) => (i * 37) % 256), [5, 7]),
      ndarray(Uint16Array.from({ length: 35 }, (_, i) => (i * 4099) % 65536), [5, 7]),
    ];
    for (const image of images) {
      const path = join(dir, `written${image.data.BYTES_PER_ELEMENT}.tif`);
      await writeTiff(path, image);
      const [page] = tiffDecode(await readFile(path));
      assert.deepEqual([page.width, page.height, page.bitsPerSample, page.compression], [7, 5, 8 * image.data.BYTES_PER_ELEMENT, 1]);
      assert.deepEqual(Array.from(page.data), Array.from(image.data));
      const back = await readTiff(path);
      assert.deepEqual(back.shape, [5, 7]);
      assert.deepEqual(Array.from(back.data), Array.from(image.data));
    }
    await assert.rejects(writeTiff(join(dir, 'rgb.tif'), ndarray(new Uint8Array(12), [2, 2, 3])), {
      message: `writeTiff: only grey images are written, got 3 channels (${join(dir, 'rgb.tif')})`,
    });
  });

  it('names the file and the problem for truncated or corrupt TIFFs', async () => {
    const stardist = `${REAL}/stardist/tests_data/mask2d.tif`;
    const cut = await corruptCopy(stardist, 'cut.tif', (b) => b.subarray(0, 100_000));
    await assert.rejects(readTiff(cut), new RegExp(`^Error: decodeTiff: ${cut}: truncated: strip 0 spans bytes \\d+\\.\\.\\d+ but the file has 100000 bytes`));
    const cutLzw = await corruptCopy(LIVECELL, 'cut-lzw.tif', (b) => b.subarray(0, b.length >> 1));
    await assert.rejects(readTiff(cutLzw), new RegExp(`^Error: decodeTiff: ${cutLzw}: (truncated|corrupt or truncated TIFF header)`));
    const packbits = `${REAL}/omnipose/ecoli.tif`;
    const cutPackbits = await corruptCopy(packbits, 'cut-packbits.tif', (b) => {
      const copy = b.slice();
      const view = new DataView(copy.buffer);
      const ifd = view.getUint32(4, true);
      // Halve StripByteCounts (tag 279) so the strip ends early without moving the IFD.
      for (let k = 0; k < view.getUint16(ifd, true); k++) {
        const o = ifd + 2 + 12 * k;
        if (view.getUint16(o, true) === 279) view.setUint32(o + 8, view.getUint32(o + 8, true) >> 1, true);
      }
      return copy;
    });
    await assert.rejects(readTiff(cutPackbits), new RegExp(`^Error: decodeTiff: ${cutPackbits}: PackBits strip 0 is corrupt: decodePackBits: `));
    const notTiff = await corruptCopy(PNG, 'png-as.tif', (b) => b);
    await assert.rejects(readTiff(notTiff), new RegExp(`^Error: decodeTiff: ${notTiff}: corrupt or truncated TIFF header: invalid byte order`));
    assert.throws(() => decodeTiff(new Uint8Array([0x49, 0x49, 42, 0])), /^Error: decodeTiff: <bytes>: corrupt or truncated TIFF header/);
  });
});

describe('decodePackBits', () => {
  it('unpacks the example of the TIFF 6.0 specification (section 9)', () => {
    const packed = Uint8Array.from([0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa]);
    const expected = [0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22, ...Array(10).fill(0xaa)];
    assert.deepEqual(Array.from(decodePackBits(packed, 24)), expected);
  });

  it('skips -128 and rejects input that ends early or overflows the output', () => {
    assert.deepEqual(Array.from(decodePackBits(Uint8Array.from([0x80, 0x01, 7, 8]), 2)), [7, 8]);
    assert.throws(() => decodePackBits(Uint8Array.from([0x01, 7, 8]), 3), { message: 'decodePackBits: input ended after 2 of 3 bytes' });
    assert.throws(() => decodePackBits(Uint8Array.from([0x03, 7, 8]), 4), /literal run of 4 bytes at input byte 0 is cut short/);
    assert.throws(() => decodePackBits(Uint8Array.from([0xfd, 7]), 2), /repeat run at input byte 0 overflows the 2-byte output/);
  });
});
