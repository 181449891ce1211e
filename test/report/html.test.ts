import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type ImageScore, escapeHtml, overlayHref, overlayPath, reportHtml, summarizeScores } from '../../src/report/index.js';

function image(id: string, cellType: string, score: number): ImageScore {
  return { id, cellType, height: 4, width: 6, numTruth: 2, numPred: 1, score, tp: 1, fp: 0, fn: 1, precisions: Array(10).fill(score) };
}

const EVIL = '<img src=x onerror="alert(1)">&\'';

/** The values of attribute `name` on the page, in document order. */
function attributes(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(` ${name}="([^"]*)"`, 'g'))].map((m) => m[1]);
}

describe('escapeHtml', () => {
  it('escapes the five characters that can end text or an attribute', () => {
    assert.equal(escapeHtml(`a<b>c&d"e'f`), 'a&#60;b&#62;c&#38;d&#34;e&#39;f');
  });
});

describe('overlayPath and overlayHref', () => {
  it('put the overlay under overlays/ relative to the page, the URL percent-encoded', () => {
    assert.equal(overlayPath('a b#1'), 'overlays/a b#1.png');
    assert.equal(overlayHref('a b#1'), 'overlays/a%20b%231.png');
  });
});

describe('reportHtml', () => {
  const scores = summarizeScores([image('good', 'shsy5y', 0.9), image(EVIL, 'astro', 0.1), image('middle', 'shsy5y', 0.5)]);
  const html = reportHtml(scores, { title: 'run <1>', sources: [['predictions', 'dir/<pred>']] });

  it('inserts no text unescaped', () => {
    assert.ok(!html.includes('<img src=x'), 'the malicious id reached the page as markup');
    assert.ok(!html.includes('onerror="'), 'the malicious id closed an attribute');
    assert.ok(html.includes('&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#38;&#39;'));
    assert.ok(html.includes('<title>run &#60;1&#62;</title>'));
    assert.ok(html.includes('<dd>dir/&#60;pred&#62;</dd>'));
  });

  it('lists the images worst first, each linking to its figure', () => {
    assert.deepEqual(attributes(html, 'data-id'), [EVIL, 'middle', 'good'].map(escapeHtml));
    const links = [...html.matchAll(/<a href="#(image-\d+)">/g)].map((m) => m[1]);
    assert.deepEqual(links, ['image-1', 'image-2', 'image-3']);
    const figures = [...html.matchAll(/<figure class="overlay" id="(image-\d+)">/g)].map((m) => m[1]);
    assert.deepEqual(figures, links);
  });

  it('loads each overlay by a relative path, with the size of the image, and nothing from elsewhere', () => {
    const sources = attributes(html, 'src');
    assert.deepEqual(sources, [EVIL, 'middle', 'good'].map((id) => escapeHtml(overlayHref(id))));
    assert.deepEqual(attributes(html, 'width'), ['6', '6', '6']);
    assert.deepEqual(attributes(html, 'height'), ['4', '4', '4']);
    assert.ok(!html.includes('//'), 'the page refers to another host (or a protocol-relative URL)');
  });

  it('summarises and tabulates the cell types with the total row', () => {
    assert.match(html, /MAP-IoU <strong>0\.5000<\/strong> over 3 images/);
    const table = html.slice(html.indexOf('<table id="cell-type-table"'), html.indexOf('</table>', html.indexOf('<table id="cell-type-table"')));
    const rows = [...table.matchAll(/<tr><td class="text" data-value="([^"]*)">/g)].map((m) => m[1]);
    assert.deepEqual(rows, ['astro', 'shsy5y', 'all']);
    assert.match(table, /data-value="0\.7">0\.7000</); // shsy5y: (0.9 + 0.5) / 2
  });
});
