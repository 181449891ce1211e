/**
 * Python/YAML literals as written on a command line or in a Detectron2 YAML file: numbers,
 * quoted strings, `True`/`False` (and `true`/`false`), `None`/`null`, lists `[...]` and tuples
 * `(...)` (with Python's trailing comma: `(800,)`), nested. Detectron2 reads `--opts` values
 * and YAML strings with Python's `ast.literal_eval`; this is the subset its configs use.
 */

/** A parsed literal: tuples become arrays. */
export type Literal = number | string | boolean | null | Literal[];

/**
 * Parses `text` as one literal; returns undefined when it is not one (an unquoted word, a
 * half-written list), so that callers can fall back to the raw text as Detectron2 does.
 */
export function parseLiteral(text: string): Literal | undefined {
  const parser = new LiteralParser(text);
  try {
    const value = parser.value();
    parser.skipSpace();
    return parser.atEnd() ? value : undefined;
  } catch (error) {
    if (error instanceof LiteralSyntaxError) return undefined;
    throw error;
  }
}

class LiteralSyntaxError extends Error {}

const NUMBER = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?/;
const WORDS: Record<string, Literal> = { True: true, False: false, true: true, false: false, None: null, null: null };

class LiteralParser {
  private i = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  skipSpace(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i])) this.i++;
  }

  value(): Literal {
    this.skipSpace();
    const c = this.text[this.i];
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.sequence(')');
    if (c === '"' || c === "'") return this.string(c);
    const number = NUMBER.exec(this.text.slice(this.i));
    if (number) {
      this.i += number[0].length;
      return Number(number[0].replaceAll('_', ''));
    }
    const word = /^[A-Za-z]+/.exec(this.text.slice(this.i));
    if (word && Object.hasOwn(WORDS, word[0])) {
      this.i += word[0].length;
      return WORDS[word[0]];
    }
    throw new LiteralSyntaxError();
  }

  private sequence(close: string): Literal[] {
    this.i++;
    const items: Literal[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.i] === close) {
        this.i++;
        return items;
      }
      items.push(this.value());
      this.skipSpace();
      if (this.text[this.i] === ',') this.i++;
      else if (this.text[this.i] !== close) throw new LiteralSyntaxError();
    }
  }

  private string(quote: string): string {
    let out = '';
    for (this.i++; this.i < this.text.length; this.i++) {
      const c = this.text[this.i];
      if (c === quote) {
        this.i++;
        return out;
      }
      if (c === '\\' && this.i + 1 < this.text.length) {
        const e = this.text[++this.i];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
      } else out += c;
    }
    throw new LiteralSyntaxError();
  }
}
