/**
 * The error thrown when run-length text (Kaggle `start length` pairs, COCO compressed strings)
 * cannot be read.
 */

/** What was wrong with the text. */
export type RleParseReason =
  | 'odd-count'
  | 'not-a-number'
  | 'start-below-1'
  | 'length-below-1'
  | 'unsorted'
  | 'overlap'
  | 'past-end'
  | 'bad-character'
  | 'truncated'
  | 'negative-run'
  | 'run-too-large';

/** Malformed run-length text, with where the problem is. */
export class RleParseError extends Error {
  override readonly name = 'RleParseError';
  /** Which rule the text broke. */
  readonly reason: RleParseReason;
  /** 0-based character offset in the text of the offending token or character. */
  readonly position: number;
  /** The offending token (or character) as it appears in the text. */
  readonly token: string;

  constructor(message: string, reason: RleParseReason, position: number, token: string) {
    super(message);
    this.reason = reason;
    this.position = position;
    this.token = token;
  }
}
