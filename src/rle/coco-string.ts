/**
 * pycocotools' compressed RLE string (`rleToString` / `rleFrString` in `maskApi.c`).
 *
 * Each count is written as a little-endian sequence of 5-bit groups, one character per group:
 * character = 48 + group, plus 32 when another group follows (so characters run from '0', 48,
 * to 'o', 111). The last group's bit 4 is the sign, as in signed LEB128. From the fourth count
 * on (index i > 2) the value written is `counts[i] - counts[i - 2]`, which is small for the
 * similar run lengths of neighbouring columns.
 *
 * Example: counts [2, 3, 40] -> "23X1": 2 -> '2' (48 + 2), 3 -> '3'; 40 = 8 + 1 * 32 is the group
 * 8 with a continuation (48 + 8 + 32 = 88, 'X') then the group 1 ('1').
 */
import { checkCounts } from './counts.js';
import { describe } from '../utils/describe.js';
import { RleParseError } from './errors.js';

/** The compressed string of counts (pycocotools `rleToString`). */
export function cocoRleToString(counts: Uint32Array): string {
  checkCounts(counts, 'cocoRleToString', 'counts');
  const chars: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    let x = i > 2 ? counts[i] - counts[i - 2] : counts[i];
    let more = true;
    while (more) {
      // Arithmetic shift right by 5 on a value that may exceed 32 bits: floor division.
      const group = x - Math.floor(x / 32) * 32;
      x = Math.floor(x / 32);
      more = group & 0x10 ? x !== -1 : x !== 0;
      chars.push(48 + group + (more ? 0x20 : 0));
    }
  }
  let s = '';
  const chunk = 4096;
  for (let k = 0; k < chars.length; k += chunk) s += String.fromCharCode(...chars.slice(k, k + chunk));
  return s;
}

/**
 * Counts of a compressed string (pycocotools `rleFrString`).
 * @throws RleParseError for a character outside '0'..'o' ('bad-character'), a string that ends
 *   inside a count ('truncated'), or a count that decodes below 0 ('negative-run') or above
 *   2^32 - 1 ('run-too-large'); `position` is the offending character's offset.
 */
export function cocoRleFromString(s: string): Uint32Array {
  if (typeof s !== 'string') throw new TypeError(`cocoRleFromString: s must be a string, got ${describe(s)}`);
  const counts = new Uint32Array(s.length);
  let m = 0;
  let p = 0;
  while (p < s.length) {
    const start = p;
    let x = 0;
    let scale = 1;
    let more = true;
    while (more) {
      if (p >= s.length) {
        throw new RleParseError(
          `cocoRleFromString: string ends inside the count that starts at position ${start} (its last character has the continuation bit)`,
          'truncated', start, s.slice(start));
      }
      const code = s.charCodeAt(p);
      if (code < 48 || code > 111) {
        throw new RleParseError(
          `cocoRleFromString: character ${JSON.stringify(s[p])} at position ${p} is outside '0'..'o' (codes 48..111)`,
          'bad-character', p, s[p]);
      }
      const c = code - 48;
      x += (c & 0x1f) * scale;
      scale *= 32;
      more = (c & 0x20) !== 0;
      p++;
      if (!more && c & 0x10) x -= scale;
      if (more && scale > 2 ** 40) {
        throw new RleParseError(`cocoRleFromString: count at position ${start} has too many characters`, 'run-too-large', start, s.slice(start, p));
      }
    }
    if (m > 2) x += counts[m - 2];
    if (x < 0) {
      throw new RleParseError(`cocoRleFromString: count ${m} at position ${start} decodes to ${x}, below 0`, 'negative-run', start, s.slice(start, p));
    }
    if (x > 0xffffffff) {
      throw new RleParseError(`cocoRleFromString: count ${m} at position ${start} decodes to ${x}, above 2^32 - 1`, 'run-too-large', start, s.slice(start, p));
    }
    counts[m++] = x;
  }
  return counts.slice(0, m);
}
