const NL = 0x0a;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const CR = 0x0d;
// Of a line split across chunks only its head matters: is it `\.` (or `\.\r`)?
const HEAD = 4;

/**
 * Counts the rows of one table's COPY data as pg_dump stored it in an archive's data block: one
 * line per row (COPY text format escapes newlines) up to the `\.` line, the way {@link RowCounter}
 * counts them in `pg_restore -f -` output. What follows the rows (the `\.` line and the blank
 * lines pg_dump writes after it) is kept as {@link trailer}: pg_restore prints it as it is.
 */
export class CopyRows {
  rows = 0;
  /** Whether the `\.` line was seen. */
  ended = false;
  private head = Buffer.alloc(0);
  private headLength = 0;
  private readonly after: Buffer[] = [];

  /** Takes the next piece of the block's (decompressed) data. */
  feed(data: Buffer): void {
    if (this.ended) {
      this.after.push(Buffer.from(data));
      return;
    }
    let start = 0;
    for (let nl = data.indexOf(NL, start); nl !== -1; nl = data.indexOf(NL, start)) {
      if (this.isEnd(data, start, nl)) {
        this.ended = true;
        this.after.push(Buffer.from(data.subarray(nl + 1)));
        return;
      }
      this.rows += 1;
      start = nl + 1;
    }
    this.keep(data, start);
  }

  /** Ends the data: a last line without its newline is a row, as pg_restore's reader counts it. */
  end(): void {
    if (this.ended) return;
    if (this.headLength > 0 && !endLine(this.head, this.headLength)) this.rows += 1;
    this.headLength = 0;
  }

  /** The bytes from the `\.` line on ('' when the data had none). */
  trailer(): Buffer {
    if (!this.ended) return Buffer.alloc(0);
    return Buffer.concat([
      this.head.subarray(0, this.headLength),
      Buffer.from('\n'),
      ...this.after,
    ]);
  }

  /** Whether the line [start, nl) of `data`, after what {@link keep} held of it, is `\.`. */
  private isEnd(data: Buffer, start: number, nl: number): boolean {
    if (this.headLength === 0) {
      if (data[start] !== BACKSLASH) return false;
      this.head = Buffer.from(data.subarray(start, Math.min(nl, start + HEAD)));
      this.headLength = nl - start;
    } else {
      this.grow(data.subarray(start, Math.min(nl, start + HEAD)));
      this.headLength += nl - start;
    }
    const end = endLine(this.head, this.headLength);
    if (!end) this.headLength = 0;
    return end;
  }

  private keep(data: Buffer, start: number): void {
    if (start >= data.length) return;
    const piece = data.subarray(start, start + HEAD);
    if (this.headLength === 0) this.head = Buffer.from(piece);
    else this.grow(piece);
    this.headLength += data.length - start;
  }

  private grow(piece: Buffer): void {
    if (this.head.length < HEAD) this.head = Buffer.concat([this.head, piece]).subarray(0, HEAD);
  }
}

/** Whether a line of `length` bytes starting with `head` is the `\.` line (`\.\r` too). */
function endLine(head: Buffer, length: number): boolean {
  return (
    head[0] === BACKSLASH && head[1] === DOT && (length === 2 || (length === 3 && head[2] === CR))
  );
}
