/**
 * Charts as PNG without a drawing library: line charts (axes with 1-2-5 ticks, gridlines,
 * legend, anti-aliased lines, a 5x7 bitmap font) and the training curves of a JSON-lines
 * metrics log. Pure TypeScript; no TensorFlow.js.
 */
export {
  type ChartAxis,
  type LineChart,
  type LineChartOptions,
  type LineSeries,
  type RenderedChart,
  CHART_BACKGROUND,
  MARKER_MAX_POINTS,
  SERIES_PALETTE,
  lineChartPng,
  renderLineChart,
} from './line-chart.js';
export { type Rgb, type RgbImage, type PixelBox } from './raster.js';
export { type AxisScale, type AxisTicks, formatTicks, niceTicks } from './ticks.js';
export {
  type TrainingMetrics,
  LOSS_KEYS,
  TRAINING_CURVE_FILES,
  VALIDATION_KEYS,
  parseTrainingMetrics,
  readTrainingMetrics,
  trainingCurves,
  writeTrainingCurves,
} from './training-curves.js';
