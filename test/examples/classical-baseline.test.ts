import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  BASELINE_A,
  boxBlur,
  dilate,
  erode,
  fillHoles,
  guessCellType,
  labelComponents,
  segmentClassical,
} from '../../examples/classical-baseline.js';
import { decodeCounts, rleArea } from '../../src/rle/index.js';
import { Random } from '../../src/utils/random.js';

/** A mask from rows of '.' (0) and '#' (1), all rows the same width. */
function grid(...rows: string[]): { mask: Uint8Array; height: number; width: number } {
  const width = rows[0].length;
  assert.ok(rows.every((r) => r.length === width), 'grid rows must have equal length');
  return { mask: Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0)), height: rows.length, width };
}

/** Labels as rows of digits ('.' for 0), to compare with hand-written expectations. */
function show(labels: ArrayLike<number>, height: number, width: number): string[] {
  return Array.from({ length: height }, (_, y) =>
    Array.from({ length: width }, (_, x) => (labels[y * width + x] === 0 ? '.' : String(labels[y * width + x]))).join(''),
  );
}

function label(rows: string[], connectivity: 4 | 8 = 8): { count: number; rows: string[] } {
  const { mask, height, width } = grid(...rows);
  const { labels, count } = labelComponents(mask, height, width, connectivity);
  return { count, rows: show(labels, height, width) };
}

/**
 * Reference labelling: flood fill (breadth first) from each unlabelled set pixel in raster order.
 * Slow and obviously correct; numbers components in raster order of their first pixel, as
 * `labelComponents` promises.
 */
function floodFillLabels(mask: Uint8Array, height: number, width: number, connectivity: 4 | 8): Int32Array {
  const labels = new Int32Array(height * width);
  const steps = connectivity === 8
    ? [[-1, -1], [0, -1], [1, -1], [-1, 0], [1, 0], [-1, 1], [0, 1], [1, 1]]
    : [[0, -1], [-1, 0], [1, 0], [0, 1]];
  let next = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    labels[start] = ++next;
    const queue = [start];
    while (queue.length > 0) {
      const p = queue.shift()!;
      const x = p % width;
      const y = (p - x) / width;
      for (const [dx, dy] of steps) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (mask[q] !== 0 && labels[q] === 0) {
          labels[q] = next;
          queue.push(q);
        }
      }
    }
  }
  return labels;
}

describe('labelComponents (two-pass union-find)', () => {
  it('finds nothing in an empty image', () => {
    assert.deepEqual(label(['....', '....']), { count: 0, rows: ['....', '....'] });
  });

  it('labels a single pixel and a full image as one component', () => {
    assert.deepEqual(label(['...', '.#.', '...']), { count: 1, rows: ['...', '.1.', '...'] });
    assert.deepEqual(label(['###', '###']), { count: 1, rows: ['111', '111'] });
  });

  it('joins diagonal neighbours with 8-connectivity only', () => {
    const rows = ['#..', '.#.', '..#'];
    assert.deepEqual(label(rows, 8), { count: 1, rows: ['1..', '.1.', '..1'] });
    assert.deepEqual(label(rows, 4), { count: 3, rows: ['1..', '.2.', '..3'] });
    // Anti-diagonal: the NE neighbour is the one that joins them.
    assert.deepEqual(label(['..#', '.#.', '#..'], 8), { count: 1, rows: ['..1', '.1.', '1..'] });
  });

  it('merges branches that meet below their first pixels (a U and a comb)', () => {
    // The two arms get provisional labels 1 and 2; the bottom row makes them equivalent.
    assert.deepEqual(label(['#..#', '#..#', '####']), { count: 1, rows: ['1..1', '1..1', '1111'] });
    // Three prongs joined by a chain of equivalences 3 ~ 2 ~ 1 found on the last row.
    assert.deepEqual(label(['#.#.#', '#.#.#', '#####']), { count: 1, rows: ['1.1.1', '1.1.1', '11111'] });
  });

  it('numbers components 1..count in raster order of their first pixel', () => {
    assert.deepEqual(
      label([
        '....##',
        '##....',
        '##..#.',
        '......',
      ]),
      // The top-right pair starts first (row 0), then the left block, then the single pixel.
      { count: 3, rows: ['....11', '22....', '22..3.', '......'] },
    );
    // A component whose provisional label is larger but whose first pixel comes earlier.
    assert.deepEqual(label(['.#...', '.#.#.', '.###.']), { count: 1, rows: ['.1...', '.1.1.', '.111.'] });
  });

  it('keeps components apart that only touch the image edge on opposite sides', () => {
    assert.deepEqual(label(['#...#', '#...#']), { count: 2, rows: ['1...2', '1...2'] });
  });

  it('labels a checkerboard as one 8-connected component or as single 4-connected pixels', () => {
    const rows = ['#.#.', '.#.#', '#.#.'];
    assert.equal(label(rows, 8).count, 1);
    assert.deepEqual(label(rows, 4), { count: 6, rows: ['1.2.', '.3.4', '5.6.'] });
  });

  it('matches a flood-fill reference on random masks, 4- and 8-connected', () => {
    const rng = new Random(2021);
    for (let trial = 0; trial < 40; trial++) {
      const height = rng.int(1, 24);
      const width = rng.int(1, 24);
      const density = rng.uniform(0.2, 0.7);
      const mask = Uint8Array.from({ length: height * width }, () => (rng.next() < density ? 1 : 0));
      for (const connectivity of [4, 8] as const) {
        const expected = floodFillLabels(mask, height, width, connectivity);
        const { labels, count } = labelComponents(mask, height, width, connectivity);
        assert.deepEqual(labels, expected, `trial ${trial}, ${height} x ${width}, ${connectivity}-connected`);
        assert.equal(count, Math.max(0, ...expected));
      }
    }
  });

  it('grows its label table past its initial size', () => {
    // 4-connected checkerboard of 64 x 64: 2,048 provisional labels, all distinct components.
    const size = 64;
    const mask = Uint8Array.from({ length: size * size }, (_, p) => ((p % size) + Math.floor(p / size)) % 2 === 0 ? 1 : 0);
    assert.equal(labelComponents(mask, size, size, 4).count, (size * size) / 2);
  });

  it('rejects a mask of the wrong size and a bad connectivity, naming the function', () => {
    assert.throws(() => labelComponents(new Uint8Array(5), 2, 3), /labelComponents: expected an image of 2 x 3 = 6 pixels, got length 5/);
    assert.throws(() => labelComponents(new Uint8Array(6), 2, 3, 6 as 4), /labelComponents: connectivity must be 4 or 8, got 6/);
  });
});

describe('morphology', () => {
  it('erodes a 3 x 5 block to its centre line and dilates it back (an opening)', () => {
    const { mask, height, width } = grid('.......', '.#####.', '.#####.', '.#####.', '.......');
    const eroded = erode(mask, height, width, 1);
    assert.deepEqual(show(eroded, height, width), ['.......', '.......', '..111..', '.......', '.......']);
    assert.deepEqual(show(dilate(eroded, height, width, 1), height, width), ['.......', '.11111.', '.11111.', '.11111.', '.......']);
  });

  it('removes a one-pixel line with an opening of radius 1', () => {
    const { mask, height, width } = grid('.....', '#####', '.....');
    assert.deepEqual(show(dilate(erode(mask, height, width, 1), height, width, 1), height, width), ['.....', '.....', '.....']);
  });

  it('does not erode at the image border', () => {
    const { mask, height, width } = grid('###', '###');
    assert.deepEqual(show(erode(mask, height, width, 1), height, width), ['111', '111']);
  });

  it('fills enclosed holes up to maxArea, never background touching the border', () => {
    const { mask, height, width } = grid(
      '#####..',
      '#...#..',
      '#####..',
    );
    assert.deepEqual(show(fillHoles(mask, height, width, 3), height, width), ['11111..', '11111..', '11111..']);
    assert.deepEqual(show(fillHoles(mask, height, width, 2), height, width), ['11111..', '1...1..', '11111..']);
  });
});

describe('boxBlur', () => {
  it('averages a clipped window: 1D row [0, 3, 6] with radius 1 -> [1.5, 3, 4.5]', () => {
    assert.deepEqual(Array.from(boxBlur([0, 3, 6], 1, 3, 1)), [1.5, 3, 4.5]);
  });

  it('averages a 3 x 3 window in 2D; a constant image stays constant', () => {
    const image = [0, 0, 0, 0, 9, 0, 0, 0, 0];
    // Centre: 9 / 9 pixels; corner: 9 / 4 pixels of its clipped 2 x 2 window.
    const out = boxBlur(image, 3, 3, 1);
    assert.equal(out[4], 1);
    assert.equal(out[0], 9 / 4);
    assert.ok(boxBlur(new Array(20).fill(7), 4, 5, 2).every((v) => v === 7));
  });
});

describe('guessCellType', () => {
  it('picks astro for large components, shsy5y for elongated ones, cort otherwise', () => {
    assert.equal(guessCellType([{ area: 1200, elongation: 1.3 }, { area: 900, elongation: 2 }]), 1);
    assert.equal(guessCellType([{ area: 150, elongation: 2.2 }, { area: 120, elongation: 1.8 }, { area: 140, elongation: 1.1 }]), 0);
    assert.equal(guessCellType([{ area: 150, elongation: 1.1 }, { area: 130, elongation: 1.2 }]), 2);
    assert.equal(guessCellType([]), 0);
  });
});

describe('segmentClassical', () => {
  /** A grey-128 image of H x W with dark discs (centre x, y, radius), each 30 grey levels darker. */
  function discs(height: number, width: number, list: [number, number, number][]): { image: Uint8Array; areas: number[] } {
    const image = new Uint8Array(height * width).fill(128);
    const areas = list.map(([cx, cy, r]) => {
      let area = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) {
            image[y * width + x] = 98;
            area++;
          }
        }
      }
      return area;
    });
    return { image, areas };
  }

  it('finds two round dark cells with boxes around them and about their areas', () => {
    const height = 60;
    const width = 80;
    const { image, areas } = discs(height, width, [[20, 20, 7], [55, 40, 8]]);
    const { detections, cellType } = segmentClassical(image, height, width, BASELINE_A);
    assert.equal(detections.scores.length, 2);
    assert.equal(cellType, 2, 'small round cells read as cort');
    assert.deepEqual(Array.from(detections.classes), [2, 2]);
    // Boxes (x1, y1, x2, y2; x2/y2 exclusive) contain each disc's centre, within a few pixels of its extent.
    const box = (k: number) => Array.from(detections.boxes.subarray(4 * k, 4 * k + 4));
    for (const [k, [cx, cy, r]] of ([[20, 20, 7], [55, 40, 8]] as const).entries()) {
      const [x1, y1, x2, y2] = box(k);
      assert.ok(Math.abs(x1 - (cx - r)) <= 3 && Math.abs(x2 - (cx + r + 1)) <= 3, `box ${k} x: ${box(k)}`);
      assert.ok(Math.abs(y1 - (cy - r)) <= 3 && Math.abs(y2 - (cy + r + 1)) <= 3, `box ${k} y: ${box(k)}`);
    }
    // Model A's 5 x 5 smoothing and low threshold spread a sharp edge by up to 2 pixels: each
    // mask holds its whole disc and lies within the disc grown by 2.
    detections.masks!.forEach((counts, k) => {
      const [cx, cy, r] = k === 0 ? [20, 20, 7] : [55, 40, 8];
      const mask = decodeCounts(counts, height * width);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const d2 = (x - cx) ** 2 + (y - cy) ** 2;
          if (d2 <= r * r) assert.equal(mask[y * width + x], 1, `mask ${k} misses (${x}, ${y}) of its disc`);
          if (d2 > (r + 2) ** 2) assert.equal(mask[y * width + x], 0, `mask ${k} has (${x}, ${y}), outside the grown disc`);
        }
      }
      assert.ok(rleArea(counts) > areas[k]);
    });
    for (const s of detections.scores) assert.ok(s > 0.6 && s < 1, `score ${s}`);
  });

  it('finds nothing in a flat image and drops components below minArea', () => {
    const flat = new Uint8Array(40 * 40).fill(128);
    assert.equal(segmentClassical(flat, 40, 40, BASELINE_A).detections.scores.length, 0);
    const { image } = discs(40, 40, [[20, 20, 3]]);
    assert.equal(segmentClassical(image, 40, 40, BASELINE_A).detections.scores.length, 0, 'a 29-pixel disc is below minArea 80');
  });
});

describe('input checks', () => {
  it('name the function and the value received', () => {
    assert.throws(() => boxBlur([1, 2, 3], 1, 3, -1), /boxBlur: radius must be a non-negative integer, got -1/);
    assert.throws(() => erode(new Uint8Array(4), 2, 2, 1.5), /erode: radius must be a non-negative integer, got 1.5/);
    assert.throws(() => dilate(new Uint8Array(3), 2, 2, 1), /dilate: expected an image of 2 x 2 = 4 pixels, got length 3/);
    assert.throws(() => segmentClassical(new Uint8Array(4), 0, 4, BASELINE_A), /segmentClassical: height and width must be positive integers, got 0 x 4/);
  });
});
