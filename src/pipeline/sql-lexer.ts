const QUOTE = 0x27;
const DQUOTE = 0x22;
const DOLLAR = 0x24;
const BACKSLASH = 0x5c;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const NL = 0x0a;

type LexState =
  | 'top'
  | 'single'
  | 'escape'
  | 'double'
  | 'quoteEnd'
  | 'tag'
  | 'dollar'
  | 'block'
  | 'comment'
  | 'meta';

/** Where a quote that may be doubled (`''`, `""`) goes on when it is. */
type Quoted = 'single' | 'escape' | 'double';

/**
 * Follows SQL text the way psql's lexer does — `'…'`, `E'…'`, `"…"`, `$tag$…$tag$`, `--` and
 * nested block comments — to tell which bytes psql would read as a meta-command: a backslash
 * outside all of them. Fed in pieces of any size (each byte once, quoted runs found with
 * indexOf), one line at a time: {@link scan} the bytes of a line, then {@link endLine}.
 */
export class SqlLexer {
  /** With `standard_conforming_strings = off`, a backslash escapes in every `'…'` string. */
  stdStrings = true;
  private state: LexState = 'top';
  private quoted: Quoted = 'single';
  private prev = NL;
  private prev2 = NL;
  private escaped = false;
  private tag = '';
  private matched = 0;
  private depth = 0;
  private found = -1;

  /** True between statements' tokens: not inside a quote, a dollar quote or a comment. */
  get atTop(): boolean {
    return this.state === 'top';
  }

  /** Reads `buf[from, to)` (no newline in it); the index of the first meta-command backslash, or -1. */
  scan(buf: Buffer, from: number, to: number): number {
    this.found = -1;
    for (let i = from; i < to;) i = this.step(buf, i, to);
    return this.found;
  }

  /** The newline ending the current line: comments and meta-commands end, quotes go on. */
  endLine(): void {
    if (this.state === 'comment' || this.state === 'meta' || this.state === 'tag') {
      this.state = 'top';
    } else if (this.state === 'quoteEnd') this.state = 'top';
    this.escaped = false;
    this.matched = 0;
    this.prev = NL;
    this.prev2 = NL;
  }

  private step(buf: Buffer, i: number, to: number): number {
    switch (this.state) {
      case 'top':
        return this.top(buf, i);
      case 'single':
        return this.stdStrings ? this.quote(buf, i, to, QUOTE) : this.escapeString(buf, i);
      case 'double':
        return this.quote(buf, i, to, DQUOTE);
      case 'escape':
        return this.escapeString(buf, i);
      case 'quoteEnd':
        return this.quoteEnd(buf, i);
      case 'tag':
        return this.dollarTag(buf, i);
      case 'dollar':
        return this.dollarBody(buf, i, to);
      case 'block':
        return this.block(buf, i);
      default:
        return to; // a `--` comment or a meta-command runs to the end of the line
    }
  }

  private top(buf: Buffer, i: number): number {
    const c = buf[i] ?? 0;
    const p1 = this.prev;
    const p2 = this.prev2;
    this.prev = c;
    this.prev2 = p1;
    if (c === QUOTE) this.open(isEPrefix(p1, p2) ? 'escape' : 'single');
    else if (c === DQUOTE) this.open('double');
    else if (c === DOLLAR && !isIdentByte(p1)) [this.state, this.tag] = ['tag', '$'];
    else if (c === DASH && p1 === DASH) this.state = 'comment';
    else if (c === STAR && p1 === SLASH) [this.state, this.depth, this.prev] = ['block', 1, 0];
    else if (c === BACKSLASH) this.meta(i);
    return i + 1;
  }

  private open(quoted: Quoted): void {
    this.state = quoted;
    this.quoted = quoted;
  }

  private meta(i: number): void {
    this.state = 'meta';
    if (this.found < 0) this.found = i;
  }

  /** Inside `'…'` or `"…"`: jumps to the next quote, which ends it unless doubled. */
  private quote(buf: Buffer, i: number, to: number, q: number): number {
    const j = buf.subarray(i, to).indexOf(q);
    if (j < 0) return to;
    this.state = 'quoteEnd';
    return i + j + 1;
  }

  /** Inside `E'…'`: a backslash escapes the next byte. */
  private escapeString(buf: Buffer, i: number): number {
    const c = buf[i];
    if (this.escaped) this.escaped = false;
    else if (c === BACKSLASH) this.escaped = true;
    else if (c === QUOTE) this.state = 'quoteEnd';
    return i + 1;
  }

  /** After a closing quote: a second one continues the string (`''`), anything else is SQL. */
  private quoteEnd(buf: Buffer, i: number): number {
    const q = this.quoted === 'double' ? DQUOTE : QUOTE;
    if (buf[i] === q) {
      this.state = this.quoted;
      return i + 1;
    }
    [this.state, this.prev, this.prev2] = ['top', q, 0];
    return i;
  }

  /** After a `$`: a tag (`$body$`, `$$`) opens a dollar quote; anything else (`$1`) does not. */
  private dollarTag(buf: Buffer, i: number): number {
    const c = buf[i] ?? 0;
    if (c === DOLLAR) {
      [this.state, this.tag, this.matched] = ['dollar', `${this.tag}$`, 0];
      return i + 1;
    }
    const ok = isIdentByte(c) && c !== DOLLAR && (this.tag.length > 1 || !isDigit(c));
    if (ok) this.tag += String.fromCharCode(c);
    else [this.state, this.prev, this.prev2] = ['top', DOLLAR, 0];
    return ok ? i + 1 : i;
  }

  /** Inside `$tag$…`: jumps to the next `$`, then matches the tag byte by byte. */
  private dollarBody(buf: Buffer, i: number, to: number): number {
    if (this.matched === 0) {
      const j = buf.subarray(i, to).indexOf(DOLLAR);
      if (j < 0) return to;
      this.matched = 1;
      return i + j + 1;
    }
    const c = buf[i];
    if (c !== this.tag.charCodeAt(this.matched)) this.matched = c === DOLLAR ? 1 : 0;
    else if (++this.matched === this.tag.length)
      [this.state, this.prev, this.matched] = ['top', 0, 0];
    return i + 1;
  }

  /** Inside a block comment, which nests as in PostgreSQL. */
  private block(buf: Buffer, i: number): number {
    const c = buf[i] ?? 0;
    const p = this.prev;
    this.prev = c;
    if (p === SLASH && c === STAR) [this.depth, this.prev] = [this.depth + 1, 0];
    else if (p === STAR && c === SLASH) [this.depth, this.prev] = [this.depth - 1, 0];
    if (this.depth === 0) [this.state, this.prev2] = ['top', 0];
    return i + 1;
  }
}

/** A byte that may continue an identifier (letters, digits, `_`, `$`, any non-ASCII byte). */
function isIdentByte(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    isDigit(c) ||
    c === 0x5f ||
    c === DOLLAR ||
    c >= 0x80
  );
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** `E'` / `e'` starts an escape string when the E is not the end of a longer identifier. */
function isEPrefix(p1: number, p2: number): boolean {
  return (p1 === 0x45 || p1 === 0x65) && !isIdentByte(p2);
}
