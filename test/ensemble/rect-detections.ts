/** Detections with rectangle masks, for tests whose answers a person can work out. */
import type { Detections } from '../../src/ensemble/index.js';
import { kaggleRleToCounts } from '../../src/rle/index.js';

/** A W x H image with one rectangle mask per box (box x1,y1,x2,y2 in whole pixels). */
export function rectDetections(height: number, width: number, boxes: number[][], scores: number[], classes: number[]): Detections {
  const masks = boxes.map(([x1, y1, x2, y2]) => {
    const mask = new Uint8Array(height * width);
    for (let y = y1; y < y2; y++) mask.fill(1, y * width + x1, y * width + x2);
    return kaggleRleToCounts(runsText(mask), height, width);
  });
  return { height, width, boxes: Float32Array.from(boxes.flat()), scores: Float32Array.from(scores), classes: Int32Array.from(classes), masks };
}

function runsText(mask: Uint8Array): string {
  const parts: number[] = [];
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] && (p === 0 || !mask[p - 1])) parts.push(p + 1, 0);
    if (mask[p]) parts[parts.length - 1]++;
  }
  return parts.join(' ');
}
