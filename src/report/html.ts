/**
 * The report as one static HTML page: a summary, a table per cell type, a table per image (worst
 * first, each row linking to its picture) and every image's overlay. Everything the page needs is
 * inline (CSS, a few lines of script that sort the tables when a column header is clicked) except
 * the overlay PNGs, which it loads by paths relative to itself, so the page works when opened from
 * disk (file://) and when the folder is moved or served as is. No text reaches the page unescaped.
 */
import { MAP_IOU_THRESHOLDS } from '../metrics/index.js';
import type { Rgb } from '../plot/raster.js';
import { OVERLAY_STYLE, type OverlayStyle } from './overlay.js';
import type { CellTypeScore, ImageScore, ReportScores } from './scores.js';

/** The folder, relative to the page, that holds the overlays. */
export const OVERLAY_DIR = 'overlays';

/** Where the overlay of image `id` is written, relative to the page's folder: `overlays/<id>.png`. */
export function overlayPath(id: string): string {
  return `${OVERLAY_DIR}/${id}.png`;
}

/** `overlayPath` as a relative URL: the id percent-encoded, so `#`, `?` or `%` in it stay part of the file name. */
export function overlayHref(id: string): string {
  return `${OVERLAY_DIR}/${encodeURIComponent(id)}.png`;
}

/** `text` safe inside HTML text and inside a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What the page says besides the scores. */
export interface ReportPageOptions {
  /** The page's title and heading (default "cellmask report"). */
  readonly title?: string;
  /** Labelled lines under the heading, e.g. `['predictions', 'runs/fold0/pred']`. */
  readonly sources?: readonly (readonly [label: string, value: string])[];
  /** The overlays' colours, for the legend; `OVERLAY_STYLE` by default (as `overlayImage`). */
  readonly style?: OverlayStyle;
}

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
h1 { margin: 0 0 0.3em; }
section { overflow-x: auto; }
dl.sources { display: grid; grid-template-columns: max-content auto; gap: 0 1em; margin: 0 0 1em; color: #555; }
dl.sources dt { font-weight: 600; }
dl.sources dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
.summary { font-size: 1.15em; }
.legend span.swatch { display: inline-block; width: 1.6em; height: 0.8em; margin: 0 0.3em 0 1em; vertical-align: middle; border: 1px solid #888; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; background: #fff; }
th, td { padding: 0.25em 0.6em; border: 1px solid #ddd; text-align: right; }
th { background: #eee; }
td.text, th.text { text-align: left; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; }
tfoot td { font-weight: 600; }
td.id { font-family: ui-monospace, monospace; }
figure.overlay { margin: 0 0 2em; }
figure.overlay figcaption { margin-bottom: 0.3em; }
figure.overlay table { margin: 0.3em 0; font-size: 0.9em; }
figure.overlay img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid #ccc; }
`;

// Sorts a table's body rows by the clicked column's data-value (numbers as numbers), toggling
// between ascending and descending on repeated clicks.
const SCRIPT = `
'use strict';
document.querySelectorAll('table.sortable').forEach(function (table) {
  var headers = table.querySelectorAll('thead th');
  headers.forEach(function (th, column) {
    th.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      headers.forEach(function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) {
        var text = row.cells[column].getAttribute('data-value');
        var number = Number(text);
        return text !== '' && !isNaN(number) ? number : text;
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
`;

/** A table cell whose sort key is `value` and whose text is `shown` (both escaped). */
function cell(value: string | number, shown: string = String(value), className?: string): string {
  const cls = className === undefined ? '' : ` class="${className}"`;
  return `<td${cls} data-value="${escapeHtml(String(value))}">${escapeHtml(shown)}</td>`;
}

function rgbCss([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/** The columns shared by the cell-type rows and the total row. */
function groupCells(group: CellTypeScore): string {
  return [
    cell(group.cellType, group.cellType, 'text'),
    cell(group.images),
    cell(group.numTruth),
    cell(group.numPred),
    cell(group.tp),
    cell(group.fp),
    cell(group.fn),
    cell(group.score, group.score.toFixed(4)),
  ].join('');
}

function cellTypeTable(scores: ReportScores): string {
  const rows = scores.perCellType.map((group) => `<tr>${groupCells(group)}</tr>`).join('\n');
  return `<table id="cell-type-table" class="sortable">
<thead><tr><th class="text">cell type</th><th>images</th><th>true objects</th><th>predicted objects</th><th>TP@0.5</th><th>FP@0.5</th><th>FN@0.5</th><th>MAP-IoU</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot><tr>${groupCells(scores.total)}</tr></tfoot>
</table>`;
}

/** The anchor of the `rank`-th image (1-based, worst first). */
function anchor(rank: number): string {
  return `image-${rank}`;
}

function imageRow(image: ImageScore, rank: number): string {
  const p50 = image.precisions[0];
  const p75 = image.precisions[MAP_IOU_THRESHOLDS.indexOf(0.75)];
  return `<tr data-id="${escapeHtml(image.id)}">${[
    cell(rank),
    `<td class="text id" data-value="${escapeHtml(image.id)}"><a href="#${anchor(rank)}">${escapeHtml(image.id)}</a></td>`,
    cell(image.cellType, image.cellType, 'text'),
    cell(image.score, image.score.toFixed(4)),
    cell(image.numTruth),
    cell(image.numPred),
    cell(image.tp),
    cell(image.fp),
    cell(image.fn),
    cell(p50, p50.toFixed(3)),
    cell(p75, p75.toFixed(3)),
  ].join('')}</tr>`;
}

function imageTable(scores: ReportScores): string {
  const rows = scores.images.map((image, k) => imageRow(image, k + 1)).join('\n');
  return `<table id="image-table" class="sortable">
<thead><tr><th>rank</th><th class="text">image</th><th class="text">cell type</th><th>MAP-IoU</th><th>true</th><th>predicted</th><th>TP@0.5</th><th>FP@0.5</th><th>FN@0.5</th><th>P@0.50</th><th>P@0.75</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function figure(image: ImageScore, rank: number): string {
  const id = escapeHtml(image.id);
  const thresholds = MAP_IOU_THRESHOLDS.map((t) => `<td>${t.toFixed(2)}</td>`).join('');
  const precisions = image.precisions.map((p) => `<td>${p.toFixed(3)}</td>`).join('');
  return `<figure class="overlay" id="${anchor(rank)}">
<figcaption><strong>${rank}. <span class="id">${id}</span></strong> (${escapeHtml(image.cellType)}): MAP-IoU ${image.score.toFixed(4)};
${image.numTruth} true, ${image.numPred} predicted; at IoU 0.5 TP ${image.tp}, FP ${image.fp}, FN ${image.fn}. <a href="#image-table">back to the table</a></figcaption>
<table class="thresholds"><tr><th>IoU &gt;</th>${thresholds}</tr><tr><th>precision</th>${precisions}</tr></table>
<img src="${escapeHtml(overlayHref(image.id))}" width="${image.width}" height="${image.height}" loading="lazy" alt="${id}: true and predicted outlines">
</figure>`;
}

/**
 * The report page for `scores` (images in the order given: `scoreReport` puts the worst first),
 * each image's overlay at `overlayHref(id)` relative to the page.
 */
export function reportHtml(scores: ReportScores, options: ReportPageOptions = {}): string {
  const title = escapeHtml(options.title ?? 'cellmask report');
  const style = options.style ?? OVERLAY_STYLE;
  const sources = (options.sources ?? []).map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join('');
  const { total } = scores;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${title}</h1>
${sources === '' ? '' : `<dl class="sources">${sources}</dl>`}
<p class="summary" id="summary">MAP-IoU <strong>${scores.mapIou.toFixed(4)}</strong> over ${total.images} images;
${total.numTruth} true objects, ${total.numPred} predicted; at IoU 0.5 TP ${total.tp}, FP ${total.fp}, FN ${total.fn}.</p>
<p class="legend">Outlines:<span class="swatch" style="background: ${rgbCss(style.truth)}"></span>true
<span class="swatch" style="background: ${rgbCss(style.prediction)}"></span>predicted
<span class="swatch" style="background: ${rgbCss(style.both)}"></span>both${style.fill > 0 ? '; predicted cells tinted' : ''}.
MAP-IoU: per image, the mean over IoU thresholds 0.50, 0.55, ..., 0.95 of TP / (TP + FP + FN); overall and per cell type, the mean over images.</p>
</header>
<section id="cell-types">
<h2>Per cell type</h2>
${cellTypeTable(scores)}
</section>
<section id="images">
<h2>Per image, worst first</h2>
${imageTable(scores)}
</section>
<section id="overlays">
<h2>Overlays</h2>
${scores.images.map((image, k) => figure(image, k + 1)).join('\n')}
</section>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
