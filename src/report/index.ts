/**
 * `cellmask/report`: looking at predictions against the truth. Mask outlines, overlays of true
 * and predicted outlines on an image (RGB pixels and PNG), per-image and per-cell-type MAP-IoU
 * with the counts behind it, and a static HTML page of it all. Pure TypeScript; no TensorFlow.js.
 */
export { countsOutline, maskOutline } from './outline.js';
export type { Rgb, RgbImage } from '../plot/raster.js';
export { type OverlayBase, type OverlayStyle, OVERLAY_STYLE, overlayImage, rgbPng } from './overlay.js';
export {
  type CellTypeScore,
  type ImageScore,
  type ReportImageInput,
  type ReportScores,
  scoreImage,
  scoreReport,
  summarizeScores,
  worstFirst,
} from './scores.js';
export { type ReportPageOptions, OVERLAY_DIR, escapeHtml, overlayHref, overlayPath, reportHtml } from './html.js';
export { checkFileId, checkImageFiles, checkPredictedIds, checkTruthSize, readOverlayBase, truthMasks } from './files.js';
export { type WriteReportOptions, writeReport } from './write-report.js';
