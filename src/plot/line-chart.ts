/**
 * Line charts rendered to RGB pixels with no drawing library: axes with 1-2-5 ticks and labels,
 * gridlines, anti-aliased lines at least 2 px wide, markers on sparse series, a legend, a title
 * and notes. Made for training curves (losses on a log axis, learning rate, validation scores).
 *
 * Axis mapping: a value v on an axis shown from `min` to `max` sits at the fraction
 * f = (v - min) / (max - min) of it (of log10 values on a log axis). On the image, with the plot
 * area's pixel box { left, top, right, bottom }, that is the continuous coordinate
 * x = left + 0.5 + f * (right - left - 1) and y = bottom - 0.5 - f * (bottom - top - 1): the axis
 * ends are the centres of the plot area's outermost pixels, and v lands in pixel column floor(x),
 * row floor(y).
 */
import ndarray from 'ndarray';
import { encodePng } from '../data/image.js';
import { describe } from '../utils/describe.js';
import { textHeight, textWidth } from './font.js';
import {
  type CoverageLayer,
  type PixelBox,
  type Rgb,
  type RgbImage,
  compositeLayer,
  createImage,
  createLayer,
  drawText,
  fillBox,
  fillDisc,
  strokeBox,
  strokeSegment,
} from './raster.js';
import { type AxisScale, type AxisTicks, formatTicks, niceTicks } from './ticks.js';

/** One line: its points joined in the given order. */
export interface LineSeries {
  /** The legend's name for the series. */
  readonly name: string;
  /**
   * [x, y] data points. A point with a non-finite coordinate (a NaN loss), or y <= 0 on a log
   * axis, is not drawn and breaks the line there: a gap, counted in the chart's notes.
   */
  readonly points: readonly (readonly [x: number, y: number])[];
  /** Line colour, 0-255 per channel; by default the series' place in a ten-colour palette. */
  readonly color?: Rgb;
}

/** A chart: titled axes and the series drawn on them. */
export interface LineChart {
  /** Text above the plot. */
  readonly title: string;
  /** Text under the x axis. */
  readonly xLabel: string;
  /** Text beside the y axis, read bottom to top; none when undefined. */
  readonly yLabel?: string;
  /** The series, drawn in order (later ones on top). An empty list gives a 'no data' chart. */
  readonly series: readonly LineSeries[];
  /** The y axis scale, 'linear' by default. The x axis is linear. */
  readonly yScale?: AxisScale;
}

/** Image size; text, lines and markers grow with it. */
export interface LineChartOptions {
  /** Width in pixels, 200 to 8192; 800 by default. */
  readonly width?: number;
  /** Height in pixels, 150 to 8192; 480 by default. */
  readonly height?: number;
}

/** An axis as drawn: its range (see the module's axis mapping), scale and tick values. */
export interface ChartAxis extends AxisTicks {
  readonly scale: AxisScale;
}

/** The rendered chart: RGB pixels and where things were put. */
export interface RenderedChart extends RgbImage {
  /** The pixels inside the axes' frame. */
  readonly plotArea: PixelBox;
  /** The x axis; undefined when no point could be drawn ('no data'). */
  readonly xAxis: ChartAxis | undefined;
  /** The y axis; undefined when no point could be drawn ('no data'). */
  readonly yAxis: ChartAxis | undefined;
  /** The legend's box; undefined for a chart without series. */
  readonly legendBox: PixelBox | undefined;
  /** Sentences printed under the chart, such as how many points were not drawn. */
  readonly notes: readonly string[];
}

/** matplotlib's 'tab10' colours. */
export const SERIES_PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** Series with at most this many drawn points get a marker on each. */
export const MARKER_MAX_POINTS = 40;

/** The image's background colour, also the legend box's fill. */
export const CHART_BACKGROUND: Rgb = [255, 255, 255];
const TEXT_COLOR: Rgb = [34, 34, 34];
const FRAME_COLOR: Rgb = [68, 68, 68];
const GRID_COLOR: Rgb = [226, 226, 226];
const LEGEND_BORDER: Rgb = [170, 170, 170];
const NOTE_COLOR: Rgb = [170, 68, 0];
const NO_DATA_COLOR: Rgb = [136, 136, 136];

function checkChart(chart: LineChart): void {
  const fail = (what: string, value: unknown): never => {
    throw new Error(`renderLineChart: ${what}, got ${describe(value)}`);
  };
  if (typeof chart !== 'object' || chart === null) fail('chart must be an object', chart);
  if (typeof chart.title !== 'string') fail('chart.title must be a string', chart.title);
  if (typeof chart.xLabel !== 'string') fail('chart.xLabel must be a string', chart.xLabel);
  if (chart.yLabel !== undefined && typeof chart.yLabel !== 'string') fail('chart.yLabel must be a string', chart.yLabel);
  if (chart.yScale !== undefined && chart.yScale !== 'linear' && chart.yScale !== 'log') {
    fail("chart.yScale must be 'linear' or 'log'", chart.yScale);
  }
  if (!Array.isArray(chart.series)) fail('chart.series must be an array', chart.series);
  chart.series.forEach((series, s) => {
    if (typeof series !== 'object' || series === null) fail(`series[${s}] must be an object`, series);
    if (typeof series.name !== 'string') fail(`series[${s}].name must be a string`, series.name);
    if (!Array.isArray(series.points)) fail(`series[${s}].points must be an array`, series.points);
    series.points.forEach((point, p) => {
      if (!Array.isArray(point) || point.length !== 2 || typeof point[0] !== 'number' || typeof point[1] !== 'number') {
        fail(`series[${s}].points[${p}] must be an [x, y] pair of numbers`, point);
      }
    });
    const { color } = series;
    if (color !== undefined && !(Array.isArray(color) && color.length === 3 && color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255))) {
      fail(`series[${s}].color must be [r, g, b] with integers 0-255`, color);
    }
  });
}

function checkSize(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min || value > 8192) {
    throw new Error(`renderLineChart: options.${name} must be an integer from ${min} to 8192, got ${describe(value)}`);
  }
  return value;
}

/** The points a series draws, or null for a point that is not drawn (a gap). */
function drawablePoints(series: LineSeries, logY: boolean): { points: ((readonly [number, number]) | null)[]; nonFinite: number; nonPositive: number } {
  let nonFinite = 0;
  let nonPositive = 0;
  const points = series.points.map((point) => {
    if (!Number.isFinite(point[0]) || !Number.isFinite(point[1])) {
      nonFinite++;
      return null;
    }
    if (logY && point[1] <= 0) {
      nonPositive++;
      return null;
    }
    return point;
  });
  return { points, nonFinite, nonPositive };
}

/** [smallest, largest] of `values`, in a loop: spreading 100k values into Math.min overflows the stack. */
function extent(values: readonly number[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return [low, high];
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The fraction of the way from the axis' `min` to `max` that `value` lies. */
function axisFraction(axis: ChartAxis, value: number): number {
  if (axis.scale === 'log') return (Math.log10(value) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min));
  return (value - axis.min) / (axis.max - axis.min);
}

/** x axis ticks, as many as fit side by side without their labels touching, and their labels. */
function xTicksThatFit(min: number, max: number, plotWidth: number, scale: number): { axis: ChartAxis; labels: string[] } {
  for (let target = Math.max(1, Math.floor(plotWidth / (50 * scale))); ; target--) {
    const ticks = niceTicks(min, max, 'linear', target);
    const labels = formatTicks(ticks.values);
    const spacing = plotWidth / Math.max(1, ticks.values.length - 1);
    const widest = Math.max(...labels.map((label) => textWidth(label, scale)));
    if (target === 1 || widest + 6 * scale <= spacing) return { axis: { ...ticks, scale: 'linear' }, labels };
  }
}

/** `text`, cut short with '...' if it is wider than `maxWidth` pixels at `scale`. */
function fitText(text: string, maxWidth: number, scale: number): string {
  if (textWidth(text, scale) <= maxWidth) return text;
  const chars = [...text];
  while (chars.length > 0 && textWidth(`${chars.join('')}...`, scale) > maxWidth) chars.pop();
  return `${chars.join('')}...`;
}

/** Sizes in pixels; everything grows with the text scale. */
interface Metrics {
  /** Font pixel size: 1 for small images, 2 for the default 800 x 480, at most 3. */
  readonly scale: number;
  readonly pad: number;
  readonly lineHeight: number;
  readonly tickLength: number;
  readonly lineHalfWidth: number;
  readonly markerRadius: number;
}

function chartMetrics(width: number, height: number): Metrics {
  const scale = Math.max(1, Math.min(3, Math.floor(width / 400), Math.floor(height / 240)));
  return {
    scale,
    pad: 5 * scale,
    lineHeight: textHeight(scale),
    tickLength: 2 * scale + 1,
    lineHalfWidth: Math.max(1, scale / 2),
    markerRadius: 1.5 * scale + 0.5,
  };
}

/** Gridlines inside `frame`, tick marks outside it and their labels, at the axes' tick values. */
function drawAxes(
  image: RgbImage,
  frame: PixelBox,
  x: { axis: ChartAxis; labels: readonly string[]; toPixel: (value: number) => number },
  y: { axis: ChartAxis; labels: readonly string[]; toPixel: (value: number) => number },
  metrics: Metrics,
): void {
  const { scale, lineHeight, tickLength } = metrics;
  x.axis.values.forEach((value, i) => {
    const column = Math.floor(x.toPixel(value));
    fillBox(image, { left: column, top: frame.top, right: column + 1, bottom: frame.bottom }, GRID_COLOR);
    fillBox(image, { left: column, top: frame.bottom + 1, right: column + 1, bottom: frame.bottom + 1 + tickLength }, FRAME_COLOR);
    const labelWidth = textWidth(x.labels[i], scale);
    const labelLeft = Math.min(image.width - labelWidth, Math.max(0, column - Math.floor(labelWidth / 2)));
    drawText(image, x.labels[i], labelLeft, frame.bottom + 1 + tickLength + 2 * scale, scale, TEXT_COLOR);
  });
  y.axis.values.forEach((value, i) => {
    const row = Math.floor(y.toPixel(value));
    fillBox(image, { left: frame.left, top: row, right: frame.right, bottom: row + 1 }, GRID_COLOR);
    fillBox(image, { left: frame.left - 1 - tickLength, top: row, right: frame.left - 1, bottom: row + 1 }, FRAME_COLOR);
    const labelLeft = frame.left - 1 - tickLength - 2 * scale - textWidth(y.labels[i], scale);
    drawText(image, y.labels[i], labelLeft, row - Math.floor(lineHeight / 2), scale, TEXT_COLOR);
  });
}

/**
 * Renders `chart` as an RGB image (see the module's axis mapping for where values land). An
 * empty chart, or one whose points are all non-finite, gets a frame and a 'no data' message.
 * Throws, naming the field, for a malformed chart or size.
 */
export function renderLineChart(chart: LineChart, options: LineChartOptions = {}): RenderedChart {
  checkChart(chart);
  const width = checkSize('width', options.width ?? 800, 200);
  const height = checkSize('height', options.height ?? 480, 150);
  const yScale = chart.yScale ?? 'linear';
  const image = createImage(width, height, CHART_BACKGROUND);
  const metrics = chartMetrics(width, height);
  const { scale, pad, lineHeight, tickLength, markerRadius } = metrics;

  const drawn = chart.series.map((series) => drawablePoints(series, yScale === 'log'));
  const finite = drawn.flatMap((d) => d.points.filter((p) => p !== null));
  const nonFinite = drawn.reduce((sum, d) => sum + d.nonFinite, 0);
  const nonPositive = drawn.reduce((sum, d) => sum + d.nonPositive, 0);
  const notes: string[] = [];
  if (nonFinite > 0) notes.push(`${plural(nonFinite, 'point', 'points')} with NaN or infinite values not drawn (gaps)`);
  if (nonPositive > 0) notes.push(`${plural(nonPositive, 'point', 'points')} with y <= 0 not drawn on the log scale (gaps)`);

  // The frame holds the gridlines; data maps onto the plot area, inset so that a marker at an
  // axis end shows whole.
  const inset = Math.ceil(markerRadius) + 1;
  const frameTop = pad + textHeight(scale + 1) + pad;
  const xTickLabelTop = tickLength + 2 * scale;
  const frameBottom = height - (1 + xTickLabelTop + lineHeight + pad + lineHeight + pad + notes.length * (lineHeight + pad));
  const frameRight = width - pad - Math.ceil(textWidth('00000', scale) / 2);
  const top = frameTop + inset;
  const bottom = frameBottom - inset;

  let y: { axis: ChartAxis; labels: string[] } | undefined;
  if (finite.length > 0) {
    const [yMin, yMax] = extent(finite.map((p) => p[1]));
    const ticks = niceTicks(yMin, yMax, yScale, Math.max(2, Math.floor((bottom - top) / (4 * lineHeight))));
    y = { axis: { ...ticks, scale: yScale }, labels: formatTicks(ticks.values, yScale) };
  }
  const yTickLabelWidth = Math.max(0, ...(y?.labels ?? []).map((label) => textWidth(label, scale)));
  const frameLeft = pad + (chart.yLabel ? lineHeight + pad : 0) + yTickLabelWidth + 2 * scale + tickLength + 1;
  const left = frameLeft + inset;
  const right = frameRight - inset;
  if (right - left < 40 || bottom - top < 40) {
    throw new Error(`renderLineChart: a ${width} x ${height} image leaves no room to plot beside the labels`);
  }
  const frame: PixelBox = { left: frameLeft, top: frameTop, right: frameRight, bottom: frameBottom };
  const plotArea: PixelBox = { left, top, right, bottom };
  const x = finite.length > 0 ? xTicksThatFit(...extent(finite.map((p) => p[0])), right - left, scale) : undefined;

  const titleScale = scale + 1;
  const title = fitText(chart.title, width - 2 * pad, titleScale);
  drawText(image, title, Math.round((width - textWidth(title, titleScale)) / 2), pad, titleScale, TEXT_COLOR);
  const xLabelTop = frameBottom + 1 + xTickLabelTop + lineHeight + pad;
  const xLabel = fitText(chart.xLabel, width - 2 * pad, scale);
  drawText(image, xLabel, Math.round((left + right - textWidth(xLabel, scale)) / 2), xLabelTop, scale, TEXT_COLOR);
  if (chart.yLabel) {
    const yLabel = fitText(chart.yLabel, frameBottom - frameTop, scale);
    drawText(image, yLabel, pad, Math.round((top + bottom - textWidth(yLabel, scale)) / 2), scale, TEXT_COLOR, 'up');
  }
  notes.forEach((note, i) => {
    drawText(image, fitText(note, width - 2 * pad, scale), pad, xLabelTop + (i + 1) * (lineHeight + pad), scale, NOTE_COLOR);
  });

  const ink = new Uint8Array(width * height);
  const withMarkers = drawn.map((d) => d.points.filter((p) => p !== null).length <= MARKER_MAX_POINTS);
  const colors = chart.series.map((series, s) => series.color ?? SERIES_PALETTE[s % SERIES_PALETTE.length]);
  if (x !== undefined && y !== undefined) {
    const toX = (value: number): number => left + 0.5 + axisFraction(x.axis, value) * (right - left - 1);
    const toY = (value: number): number => bottom - 0.5 - axisFraction(y.axis, value) * (bottom - top - 1);
    drawAxes(image, frame, { ...x, toPixel: toX }, { ...y, toPixel: toY }, metrics);
    drawn.forEach((d, s) => {
      const layer = createLayer(image, frame);
      const pixels = d.points.map((p) => (p === null ? null : ([toX(p[0]), toY(p[1])] as const)));
      drawPolyline(layer, pixels, metrics.lineHalfWidth, withMarkers[s] ? markerRadius : 0);
      compositeLayer(image, layer, colors[s]);
      layer.coverage.forEach((c, index) => {
        if (c > 0) ink[index] = 1;
      });
    });
  } else {
    const message = 'no data';
    const messageScale = scale + 1;
    const messageLeft = Math.round((left + right - textWidth(message, messageScale)) / 2);
    drawText(image, message, messageLeft, Math.round((top + bottom - textHeight(messageScale)) / 2), messageScale, NO_DATA_COLOR);
  }
  strokeBox(image, { left: frameLeft - 1, top: frameTop - 1, right: frameRight + 1, bottom: frameBottom + 1 }, FRAME_COLOR);

  let legendBox: PixelBox | undefined;
  if (chart.series.length > 0) {
    legendBox = placeLegend(chart.series.map((series) => series.name), frame, ink, width, scale);
    drawLegend(image, legendBox, chart.series.map((series, s) => ({ name: series.name, color: colors[s], marker: withMarkers[s] })), metrics);
  }
  return { ...image, plotArea, xAxis: x?.axis, yAxis: y?.axis, legendBox, notes };
}

/** The legend: one row per series, a line sample (with a marker if the series has them) and its name in its colour. */
function drawLegend(image: RgbImage, box: PixelBox, entries: readonly { name: string; color: Rgb; marker: boolean }[], metrics: Metrics): void {
  const { scale, lineHeight } = metrics;
  fillBox(image, box, CHART_BACKGROUND);
  strokeBox(image, box, LEGEND_BORDER);
  entries.forEach(({ name, color, marker }, s) => {
    const rowTop = box.top + 3 * scale + s * (lineHeight + 3 * scale);
    const sample = createLayer(image, box);
    const sampleY = rowTop + lineHeight / 2;
    strokeSegment(sample, box.left + 3 * scale, sampleY, box.left + 13 * scale, sampleY, metrics.lineHalfWidth);
    if (marker) fillDisc(sample, box.left + 8 * scale, sampleY, metrics.markerRadius);
    compositeLayer(image, sample, color);
    drawText(image, name, box.left + 16 * scale, rowTop, scale, color);
  });
}

/**
 * Draws a polyline (null entries are gaps) into `layer`: segments between consecutive points, a
 * dot for a point with no neighbour to join, and a marker of `markerRadius` (0: none) on each.
 */
function drawPolyline(layer: CoverageLayer, points: readonly ((readonly [number, number]) | null)[], halfWidth: number, markerRadius: number): void {
  points.forEach((point, i) => {
    if (point === null) return;
    const previous = i > 0 ? points[i - 1] : null;
    const next = i + 1 < points.length ? points[i + 1] : null;
    if (previous !== null) strokeSegment(layer, previous[0], previous[1], point[0], point[1], halfWidth);
    if (markerRadius > 0) fillDisc(layer, point[0], point[1], markerRadius);
    else if (previous === null && next === null) fillDisc(layer, point[0], point[1], halfWidth + 0.5);
  });
}

/**
 * The legend's box: in the corner of the frame (top right, top left, bottom right, bottom
 * left, in that preference) that hides the fewest drawn line pixels (`ink`: 1 where a line is).
 */
function placeLegend(names: readonly string[], frame: PixelBox, ink: Uint8Array, imageWidth: number, scale: number): PixelBox {
  const lineHeight = textHeight(scale);
  const boxWidth = 16 * scale + Math.max(...names.map((name) => textWidth(name, scale))) + 3 * scale;
  const boxHeight = 3 * scale + names.length * (lineHeight + 3 * scale);
  const inset = 3 * scale;
  const lefts = [frame.right - inset - boxWidth, frame.left + inset];
  const tops = [frame.top + inset, frame.bottom - inset - boxHeight];
  const corners = tops.flatMap((top) => lefts.map((left) => ({ left, top, right: left + boxWidth, bottom: top + boxHeight })));
  const hidden = corners.map((box) => {
    let count = 0;
    // Lines are only drawn inside the frame, and a legend too big for it may stick out.
    for (let y = Math.max(box.top, frame.top); y < Math.min(box.bottom, frame.bottom); y++) {
      for (let x = Math.max(box.left, frame.left); x < Math.min(box.right, frame.right); x++) count += ink[y * imageWidth + x];
    }
    return count;
  });
  return corners[hidden.indexOf(Math.min(...hidden))];
}

/** `renderLineChart` encoded as an 8-bit RGB PNG. */
export function lineChartPng(chart: LineChart, options: LineChartOptions = {}): Uint8Array {
  const { data, width, height } = renderLineChart(chart, options);
  return encodePng(ndarray(data, [height, width, 3]));
}
