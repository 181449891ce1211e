import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePng } from '../../src/data/image.js';
import { glyphColumns } from '../../src/plot/font.js';
import {
  type LineChart,
  type RenderedChart,
  type Rgb,
  CHART_BACKGROUND,
  SERIES_PALETTE,
  formatTicks,
  lineChartPng,
  niceTicks,
  renderLineChart,
} from '../../src/plot/index.js';

const RED: Rgb = [200, 0, 0];
const BLUE: Rgb = [0, 0, 200];

function pixel(chart: RenderedChart, x: number, y: number): number[] {
  const p = (y * chart.width + x) * 3;
  return [...chart.data.subarray(p, p + 3)];
}

/** The module's axis mapping, written out again: the pixel column and row where (x, y) lands. */
function pixelOf(chart: RenderedChart, x: number, y: number): [column: number, row: number] {
  const { left, top, right, bottom } = chart.plotArea;
  const xAxis = chart.xAxis!;
  const yAxis = chart.yAxis!;
  const position = (axis: typeof xAxis, v: number): number =>
    axis.scale === 'log'
      ? (Math.log10(v) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min))
      : (v - axis.min) / (axis.max - axis.min);
  return [Math.floor(left + 0.5 + position(xAxis, x) * (right - left - 1)), Math.floor(bottom - 0.5 - position(yAxis, y) * (bottom - top - 1))];
}

function countColor(chart: RenderedChart, color: Rgb, box = { left: 0, top: 0, right: chart.width, bottom: chart.height }): number {
  let count = 0;
  for (let y = box.top; y < box.bottom; y++) {
    for (let x = box.left; x < box.right; x++) {
      const [r, g, b] = pixel(chart, x, y);
      if (r === color[0] && g === color[1] && b === color[2]) count++;
    }
  }
  return count;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A red line at y = 0.5 over x in 0..10 (NaN at the x in `gaps`), on axes widened to [0, 1] by an invisible-ish blue series. */
function halfLine(gaps: readonly number[] = [], count = 11): LineChart {
  const step = 10 / (count - 1);
  return {
    title: 'half',
    xLabel: 'x',
    series: [
      { name: 'half', color: RED, points: range(count).map((i) => [i * step, gaps.includes(i * step) ? Number.NaN : 0.5] as const) },
      { name: 'bounds', color: BLUE, points: [[0, 0], [0, 1]] },
    ],
  };
}

describe('renderLineChart', () => {
  it('draws on a white image of the requested size, and lineChartPng encodes exactly those pixels', () => {
    const chart: LineChart = { title: 't', xLabel: 'x', series: [{ name: 's', points: [[0, 1], [1, 2]] }] };
    const rendered = renderLineChart(chart);
    assert.equal(rendered.width, 800);
    assert.equal(rendered.height, 480);
    assert.equal(rendered.data.length, 800 * 480 * 3);
    const decoded = decodePng(lineChartPng(chart));
    assert.deepEqual(decoded.shape, [480, 800, 3]);
    assert.deepEqual(decoded.data, rendered.data);
    assert.deepEqual(pixel(rendered, 0, 0), [...CHART_BACKGROUND]);
    assert.deepEqual(pixel(rendered, 799, 479), [...CHART_BACKGROUND]);

    const small = decodePng(lineChartPng(chart, { width: 320, height: 200 }));
    assert.deepEqual(small.shape, [200, 320, 3]);
  });

  it('lights the row the axis mapping predicts for a horizontal line at y = 0.5, about 2 px thick', () => {
    const rendered = renderLineChart(halfLine());
    assert.deepEqual([rendered.yAxis?.min, rendered.yAxis?.max], [0, 1]);
    assert.deepEqual([rendered.xAxis?.min, rendered.xAxis?.max], [0, 10]);
    // Between markers (at x = 2 and 3), away from the legend.
    const [column, row] = pixelOf(rendered, 2.5, 0.5);
    assert.deepEqual(pixel(rendered, column, row), [...RED]);
    assert.notDeepEqual(pixel(rendered, column, row - 4), [...RED]);
    assert.notDeepEqual(pixel(rendered, column, row + 4), [...RED]);
    // Summed over the column, the red ink (how far each pixel moved from white towards red, in
    // the green channel) is the line's width: 2 px.
    let ink = 0;
    for (let y = row - 5; y <= row + 5; y++) ink += (255 - pixel(rendered, column, y)[1]) / 255;
    assert.ok(Math.abs(ink - 2) < 0.2, `ink across the line ${ink}`);
  });

  it('follows a diagonal through the pixels the mapping predicts', () => {
    const rendered = renderLineChart({ title: 'd', xLabel: 'x', series: [{ name: 'd', color: RED, points: [[0, 0], [10, 1]] }] });
    for (const x of [2.5, 5, 7.5]) {
      const [column, row] = pixelOf(rendered, x, x / 10);
      assert.deepEqual(pixel(rendered, column, row), [...RED], `x = ${x}`);
    }
  });

  it('leaves a gap at a NaN point and says so in a note', () => {
    const whole = renderLineChart(halfLine());
    const gapped = renderLineChart(halfLine([5]));
    // (The note under the gapped chart shifts its plot area; each chart is read with its own mapping.)
    assert.deepEqual(pixel(whole, ...pixelOf(whole, 5, 0.5)), [...RED]);
    for (const x of [4.5, 5, 5.5]) {
      const [c, r] = pixelOf(gapped, x, 0.5);
      assert.ok(pixel(gapped, c, r)[1] > 200, `no red at x = ${x}: ${pixel(gapped, c, r)}`);
    }
    // The line resumes on both sides.
    assert.deepEqual(pixel(gapped, ...pixelOf(gapped, 3.5, 0.5)), [...RED]);
    assert.deepEqual(pixel(gapped, ...pixelOf(gapped, 6.5, 0.5)), [...RED]);
    assert.deepEqual(whole.notes, []);
    assert.deepEqual(gapped.notes, ['1 point with NaN or infinite values not drawn (gaps)']);
  });

  it('marks the points of a sparse series, not of a dense one', () => {
    const sparse = renderLineChart(halfLine([], 11));
    const dense = renderLineChart(halfLine([], 101));
    const [column, row] = pixelOf(sparse, 3, 0.5);
    // A marker (radius 3.5 px at this size) fully covers 2 rows above and below the line's
    // centre row; the 2 px line alone does not reach them.
    assert.deepEqual(pixel(sparse, column, row - 2), [...RED]);
    assert.deepEqual(pixel(sparse, column, row + 2), [...RED]);
    assert.deepEqual(pixel(dense, column, row - 2), [...CHART_BACKGROUND]);
    assert.deepEqual(pixel(dense, column, row + 2), [...CHART_BACKGROUND]);
    const [between] = pixelOf(sparse, 3.5, 0.5);
    assert.deepEqual(pixel(sparse, between, row - 2), [...CHART_BACKGROUND]);
  });

  it('draws a lone point between gaps as a dot', () => {
    const points = range(101).map((i) => [i, i === 50 ? 0.5 : Number.NaN] as const);
    const rendered = renderLineChart({ title: 'dot', xLabel: 'x', series: [{ name: 'dot', color: RED, points }] });
    assert.deepEqual(pixel(rendered, ...pixelOf(rendered, 50, 0.5)), [...RED]);
  });

  it('writes the series names in their colours in the legend box', () => {
    const name = 'total_loss';
    const rendered = renderLineChart({
      title: 'legend',
      xLabel: 'x',
      series: [
        { name, color: RED, points: range(100).map((i) => [i, 1 / (i + 1)] as const) },
        { name: 'lr', color: BLUE, points: range(100).map((i) => [i, 0.5] as const) },
      ],
    });
    const box = rendered.legendBox!;
    const { plotArea } = rendered;
    assert.ok(box.left >= plotArea.left - 10 && box.right <= plotArea.right + 10 && box.top >= plotArea.top - 10 && box.bottom <= plotArea.bottom + 10);
    // Each lit font pixel of the name is a 2 x 2 block at this size; the line sample adds more.
    const fontPixels = [...name].reduce((sum, char) => sum + [...glyphColumns(char)].reduce((s, column) => s + popCount(column), 0), 0);
    assert.ok(countColor(rendered, RED, box) >= 4 * fontPixels, `red pixels in the legend ${countColor(rendered, RED, box)}`);
    assert.ok(countColor(rendered, BLUE, box) >= 4 * 6, 'the second name');
    // The legend sits where it hides least: the falling red curve starts top left, the blue line is mid-height.
    assert.ok(box.left > (plotArea.left + plotArea.right) / 2, 'legend on the right');
  });

  it('assigns palette colours in order when none is given', () => {
    const rendered = renderLineChart({
      title: 'p',
      xLabel: 'x',
      series: [
        { name: 'a', points: [[0, 0], [1, 1]] },
        { name: 'b', points: [[0, 1], [1, 0]] },
      ],
    });
    assert.ok(countColor(rendered, SERIES_PALETTE[0]) > 100);
    assert.ok(countColor(rendered, SERIES_PALETTE[1]) > 100);
  });

  it('maps values by their logarithm on a log axis', () => {
    const rendered = renderLineChart({
      title: 'log',
      xLabel: 'x',
      yScale: 'log',
      series: [{ name: 'decay', color: RED, points: range(5).map((i) => [i, 10 ** -i] as const) }],
    });
    assert.deepEqual(rendered.yAxis?.values, [0.0001, 0.001, 0.01, 0.1, 1]);
    // Halfway between x = 1 and 2 the straight segment is at 10^-1.5 on the log axis.
    assert.deepEqual(pixel(rendered, ...pixelOf(rendered, 1.5, 10 ** -1.5)), [...RED]);
  });

  it('skips y <= 0 on a log axis with a note, and gives no data when nothing is left', () => {
    const rendered = renderLineChart({
      title: 'log',
      xLabel: 'x',
      yScale: 'log',
      series: [{ name: 's', color: RED, points: [[0, 1], [1, -2], [2, 0], [3, 0.1], [4, 0.01]] }],
    });
    assert.deepEqual(rendered.notes, ['2 points with y <= 0 not drawn on the log scale (gaps)']);
    assert.ok(rendered.yAxis!.min > 0);
    assert.deepEqual(pixel(rendered, ...pixelOf(rendered, 3.5, 10 ** -1.5)), [...RED]);

    const nothing = renderLineChart({ title: 'log', xLabel: 'x', yScale: 'log', series: [{ name: 's', points: [[0, -1]] }] });
    assert.equal(nothing.yAxis, undefined);
  });

  it('draws a "no data" chart for no series or only non-finite points', () => {
    const empty = renderLineChart({ title: 'empty', xLabel: 'x', yLabel: 'y', series: [] });
    assert.equal(empty.xAxis, undefined);
    assert.equal(empty.legendBox, undefined);
    const { left, top, right, bottom } = empty.plotArea;
    const middle = { left: Math.floor((3 * left + right) / 4), top: Math.floor((3 * top + bottom) / 4), right: Math.floor((left + 3 * right) / 4), bottom: Math.floor((top + 3 * bottom) / 4) };
    const area = (middle.right - middle.left) * (middle.bottom - middle.top);
    assert.ok(countColor(empty, CHART_BACKGROUND, middle) < area, 'the message is in the middle');

    const allNaN = renderLineChart({ title: 'nan', xLabel: 'x', series: [{ name: 's', points: [[0, Number.NaN], [Number.NaN, 1]] }] });
    assert.equal(allNaN.yAxis, undefined);
    assert.deepEqual(allNaN.notes, ['2 points with NaN or infinite values not drawn (gaps)']);
    assert.notEqual(allNaN.legendBox, undefined);
  });

  it('handles a single point and a constant series (widened axes)', () => {
    const one = renderLineChart({ title: 'one', xLabel: 'x', series: [{ name: 's', color: RED, points: [[100, 0.001]] }] });
    assert.ok(one.xAxis!.min < 100 && one.xAxis!.max > 100);
    assert.ok(one.yAxis!.min < 0.001 && one.yAxis!.max > 0.001);
    assert.deepEqual(pixel(one, ...pixelOf(one, 100, 0.001)), [...RED]);
  });

  it('rejects malformed charts and sizes, naming the field', () => {
    const ok: LineChart = { title: 't', xLabel: 'x', series: [] };
    const bad = (chart: unknown): LineChart => chart as LineChart;
    assert.throws(() => renderLineChart(bad(null)), /renderLineChart: chart must be an object, got null/);
    assert.throws(() => renderLineChart(bad({ ...ok, title: 3 })), /chart\.title must be a string, got number 3/);
    assert.throws(() => renderLineChart(bad({ ...ok, yScale: 'sqrt' })), /chart\.yScale must be 'linear' or 'log'/);
    assert.throws(() => renderLineChart(bad({ ...ok, series: [{ name: 's', points: [[0, 1], [2]] }] })), /series\[0\]\.points\[1\] must be an \[x, y\] pair/);
    assert.throws(() => renderLineChart(bad({ ...ok, series: [{ name: 's', points: [['0', 1]] }] })), /series\[0\]\.points\[0\]/);
    assert.throws(() => renderLineChart(bad({ ...ok, series: [{ name: 's', points: [], color: [0, 0, 256] }] })), /series\[0\]\.color must be \[r, g, b\]/);
    assert.throws(() => renderLineChart(ok, { width: 10 }), /options\.width must be an integer from 200 to 8192, got number 10/);
    assert.throws(() => renderLineChart(ok, { height: 200.5 }), /options\.height/);
  });
});

function popCount(byte: number): number {
  let count = 0;
  for (let b = byte; b > 0; b >>= 1) count += b & 1;
  return count;
}

describe('niceTicks', () => {
  it('picks 1-2-5 steps and widens the range to whole ticks', () => {
    assert.deepEqual(niceTicks(0, 1), { min: 0, max: 1, values: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    assert.deepEqual(niceTicks(0.0003, 0.0011).values, [0.0002, 0.0004, 0.0006, 0.0008, 0.001, 0.0012]);
    assert.deepEqual(niceTicks(0, 300, 'linear', 6).values, [0, 50, 100, 150, 200, 250, 300]);
    assert.deepEqual(niceTicks(-3, -1, 'linear', 4).values, [-3, -2.5, -2, -1.5, -1]);
    assert.deepEqual(niceTicks(0.13, 0.87, 'linear', 4).values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('gives steps of 1, 2 or 5 times a power of ten for arbitrary ranges', () => {
    for (const [min, max] of [[0.0123, 7.9], [-1e5, 3e4], [1e-7, 3e-7], [12345, 12399], [0, 0.0011]]) {
      const { values, min: low, max: high } = niceTicks(min, max);
      const step = values[1] - values[0];
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      assert.ok([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6), `[${min}, ${max}]: step ${step}`);
      assert.ok(low <= min && high >= max, `[${min}, ${max}] inside [${low}, ${high}]`);
      assert.ok(values.every((v, i) => i === 0 || Math.abs(v - values[i - 1] - step) < step * 1e-6));
    }
  });

  it('puts log ticks on decades, or on 1-2-5 within few decades', () => {
    assert.deepEqual(niceTicks(1e-3, 10, 'log').values, [0.001, 0.01, 0.1, 1, 10]);
    assert.deepEqual(niceTicks(0.05, 2.3, 'log'), { min: 0.05, max: 5, values: [0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
    assert.deepEqual(niceTicks(0.3, 0.45, 'log').values, [0.3, 0.4, 0.5]);
    assert.deepEqual(niceTicks(1e-8, 1, 'log').values, [1e-8, 1e-6, 1e-4, 1e-2, 1]);
  });

  it('widens a single value', () => {
    assert.deepEqual(niceTicks(0, 0, 'linear', 2).values, [-1, 0, 1]);
    assert.deepEqual(niceTicks(0.02, 0.02, 'log').values, [0.01, 0.02, 0.05]);
  });

  it('rejects bad ranges', () => {
    assert.throws(() => niceTicks(1, 0), /niceTicks: expected finite min <= max, got \[1, 0\]/);
    assert.throws(() => niceTicks(0, Number.NaN), /finite/);
    assert.throws(() => niceTicks(-1, 10, 'log'), /a log axis needs min > 0/);
  });
});

describe('formatTicks', () => {
  it('uses the decimals the step needs, or exponents for tiny and huge values', () => {
    assert.deepEqual(formatTicks([0, 0.2, 0.4]), ['0', '0.2', '0.4']);
    assert.deepEqual(formatTicks([0.0002, 0.0004, 0.001]), ['0.0002', '0.0004', '0.0010']);
    assert.deepEqual(formatTicks([0, 5000, 10000]), ['0', '5000', '10000']);
    assert.deepEqual(formatTicks([2e-5, 4e-5, 6e-5]), ['2e-5', '4e-5', '6e-5']);
    assert.deepEqual(formatTicks([0, 2e6, 4e6]), ['0', '2e6', '4e6']);
    assert.deepEqual(formatTicks([0.05, 0.1, 0.2, 1, 2], 'log'), ['0.05', '0.1', '0.2', '1', '2']);
  });
});
