/**
 * A 5x7 bitmap font for printable ASCII (32 `' '` to 126 `'~'`): the classic HD44780-style
 * LCD glyphs, with an eighth row for the descenders of g, j, p, q and y. Each glyph is five
 * column bytes, left to right; bit k of a column is glyph row k (row 0 at the top). Characters
 * outside the range are drawn as `'?'`.
 */

/** Glyph width and height in font pixels (before scaling); the capitals are 7 rows tall. */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 8;
/** Horizontal distance from one glyph to the next, in font pixels (one blank column between). */
export const GLYPH_ADVANCE = GLYPH_WIDTH + 1;

const FIRST_CODE = 32;
const LAST_CODE = 126;

// Ten hex digits per glyph; each row of the array holds the sixteen characters in its comment.
const GLYPH_HEX = [
  // space ! " # $ % & ' ( ) * + , - . /
  '000000000000005f00000007000700147f147f14242a7f2a12231308646236495522500005030000001c2241000041221c00082a1c2a0808083e08080050300000080808080800606000002010080402',
  // 0 1 2 3 4 5 6 7 8 9 : ; < = > ?
  '3e5149453e00427f400042615149462141454b311814127f1027454545393c4a49493001710905033649494936064949291e003636000000563600000814224100141414141400412214080201510906',
  // @ A B C D E F G H I J K L M N O
  '324979413e7e1111117e7f494949363e414141227f4141221c7f494949417f090901013e414151327f0808087f00417f41002040413f017f081422417f404040407f0204027f7f0408107f3e4141413e',
  // P Q R S T U V W X Y Z [ \ ] ^ _
  '7f090909063e4151215e7f09192946464949493101017f01013f4040403f1f2040201f7f2018207f631408146303047804036151494543007f41410002040810200041417f0004020102044040404040',
  // ` a b c d e f g h i j k l m n o
  '000102040020545454787f484444383844444420384444487f3854545418087e09010218a4a4a47c7f0804047800447d40004080847d007f1028440000417f40007c041804787c080404783844444438',
  // p q r s t u v w x y z { | } ~
  'fc2424241818242424fc7c080404084854545420043f4440203c4040207c1c2040201c3c4030403c44281028441ca0a0a07c4464544c44000836410000007f000000413608000402040804',
].join('');

const GLYPH_COLUMNS = Uint8Array.from(GLYPH_HEX.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));

/**
 * The five column bytes of `char`'s glyph (bit k = row k from the top); `'?'`'s glyph for a
 * character the font lacks.
 */
export function glyphColumns(char: string): Uint8Array {
  let code = char.codePointAt(0) ?? FIRST_CODE;
  if (code < FIRST_CODE || code > LAST_CODE) code = '?'.charCodeAt(0);
  const start = (code - FIRST_CODE) * GLYPH_WIDTH;
  return GLYPH_COLUMNS.subarray(start, start + GLYPH_WIDTH);
}

/** Width in image pixels of `text` drawn at `scale` (no trailing blank column). */
export function textWidth(text: string, scale: number): number {
  const chars = [...text].length;
  return chars === 0 ? 0 : (chars * GLYPH_ADVANCE - 1) * scale;
}

/** Height in image pixels of one line of text drawn at `scale`. */
export function textHeight(scale: number): number {
  return GLYPH_HEIGHT * scale;
}
