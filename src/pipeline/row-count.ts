import { Writable } from 'node:stream';
import { NeedsCollector } from './archive-needs.js';
import { SchemaHash } from './schema-hash.js';
import type { TableRows } from '../catalog/archive-facts.js';
export type { TableRows } from '../catalog/archive-facts.js';

const NL = 0x0a;
const MAX_LINE = 1 << 20; // longer lines are only ever COPY data; their head is enough
// Of a COPY data line split across chunks only its head matters: is it `\.` (or `\.\r`)?
const COPY_HEAD = 4;
const DATA_HEADER = '-- Data for Name: ';
const TABLE_DATA = 'Type: TABLE DATA;';
const DUMP_COMPLETE = '-- PostgreSQL database dump complete';

type State = 'scan' | 'expect-copy' | 'copy-statement' | 'copy';

/**
 * Counts the rows of every TABLE DATA entry in SQL text as pg_dump (plain) or
 * `pg_restore -f -` writes it: a `-- Data for Name: …; Type: TABLE DATA` header, a COPY line,
 * one line per row (COPY text format escapes newlines), and a `\.` line. Every line outside COPY
 * data also goes to {@link schema}, the archive's schema fingerprint.
 */
export class RowCounter extends Writable {
  /** Tables in archive order. */
  readonly tables: TableRows[] = [];
  /** The schema fingerprint of the non-data statements. */
  readonly schema = new SchemaHash();
  /** The extensions and roles the non-data statements name. */
  readonly needs = new NeedsCollector();
  private state: State = 'scan';
  private carry: Buffer[] = [];
  private carryLength = 0;
  private headerSchema = '';
  /** A COPY statement whose quoted table or column name holds a newline, until it ends. */
  private copyStatement = '';
  /** Whether the closing `-- PostgreSQL database dump complete` line was seen. */
  complete = false;

  /** `onBytes` is told the size of every chunk (a progress meter). */
  constructor(private readonly onBytes?: (n: number) => void) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.onBytes?.(chunk.length);
    let start = 0;
    while (start < chunk.length) {
      if (this.state === 'copy' && this.carryLength === 0) {
        start = this.countCopyRows(chunk, start);
        continue;
      }
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) {
        this.keep(chunk.subarray(start));
        break;
      }
      this.onLine(
        this.carryLength ? this.takeCarry(chunk.subarray(start, nl)) : chunk.subarray(start, nl),
      );
      start = nl + 1;
    }
    done();
  }

  /**
   * The hot path: inside a COPY block every line is a row until `\.`. Rows are counted with
   * indexOf on the raw bytes, no object per line; returns where the block ended (or the chunk did).
   */
  private countCopyRows(chunk: Buffer, from: number): number {
    const table = this.tables[this.tables.length - 1];
    let start = from;
    let rows = 0;
    for (let nl = chunk.indexOf(NL, start); nl !== -1; nl = chunk.indexOf(NL, start)) {
      if (isCopyEnd(chunk, start, nl)) {
        if (table) table.rows += rows;
        this.state = 'scan';
        return nl + 1;
      }
      rows += 1;
      start = nl + 1;
    }
    if (table) table.rows += rows;
    this.keep(chunk.subarray(start));
    return chunk.length;
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.carryLength) this.onLine(this.takeCarry(Buffer.alloc(0)));
    if (this.state === 'copy')
      done(new Error('the archive ends inside the data of a table (truncated)'));
    else done();
  }

  /** Sum of rows over all tables. */
  totalRows(): number {
    return this.tables.reduce((sum, t) => sum + t.rows, 0);
  }

  private onLine(line: Buffer): void {
    if (this.state === 'copy') this.onCopyLine(line);
    else this.onSqlLine(line.toString('utf8'));
  }

  private onCopyLine(line: Buffer): void {
    const current = this.tables[this.tables.length - 1];
    if (isCopyEnd(line, 0, line.length)) this.state = 'scan';
    else if (current) current.rows += 1;
  }

  private onSqlLine(line: string): void {
    this.schema.line(line);
    this.needs.line(line);
    if (line === DUMP_COMPLETE) {
      this.complete = true;
    } else if (line.startsWith(DATA_HEADER)) {
      this.state = line.includes(TABLE_DATA) ? 'expect-copy' : 'scan';
      this.headerSchema = /; Schema: (.*?); Owner:/.exec(line)?.[1] ?? '';
    } else if (this.state === 'copy-statement') {
      this.continueCopy(`${this.copyStatement}\n${line}`);
    } else if (this.state === 'expect-copy' && line.startsWith('COPY ')) {
      this.continueCopy(line);
    } else if (
      this.state === 'expect-copy' &&
      line !== '' &&
      !line.startsWith('--') &&
      !line.startsWith('\\')
    ) {
      this.state = 'scan';
    }
  }

  /** A COPY statement, whole or begun: its target names are read once it ends (` FROM stdin;`). */
  private continueCopy(statement: string): void {
    if (!statement.endsWith(' FROM stdin;')) {
      this.copyStatement = statement;
      this.state = 'copy-statement';
      return;
    }
    const [schema, name] = parseCopyTarget(statement.slice(5), this.headerSchema);
    this.tables.push({ schema, name, rows: 0 });
    this.copyStatement = '';
    this.state = 'copy';
  }

  private keep(rest: Buffer): void {
    const limit = this.state === 'copy' ? COPY_HEAD : MAX_LINE;
    if (rest.length === 0 || this.carryLength >= limit) return;
    const part = Buffer.from(rest.subarray(0, limit - this.carryLength));
    this.carry.push(part);
    this.carryLength += part.length;
  }

  private takeCarry(tail: Buffer): Buffer {
    const limit = this.state === 'copy' ? COPY_HEAD : MAX_LINE;
    const line = Buffer.concat([
      ...this.carry,
      tail.subarray(0, Math.max(0, limit - this.carryLength)),
    ]);
    this.carry = [];
    this.carryLength = 0;
    return line;
  }
}

/** Whether bytes [start, end) are the `\.` line that ends a COPY block (`\.\r` too). */
function isCopyEnd(data: Buffer, start: number, end: number): boolean {
  const length = end - start;
  return (
    data[start] === 0x5c &&
    data[start + 1] === 0x2e &&
    (length === 2 || (length === 3 && data[start + 2] === 0x0d))
  );
}

/** Parses `schema.table` (each part plain or double-quoted) from the text after `COPY `. */
export function parseCopyTarget(text: string, fallbackSchema: string): [string, string] {
  const first = readIdentifier(text, 0);
  if (text[first.end] !== '.') return [fallbackSchema, first.name];
  const second = readIdentifier(text, first.end + 1);
  return [first.name, second.name];
}

function readIdentifier(text: string, at: number): { name: string; end: number } {
  if (text[at] !== '"') {
    const m = /^[^.\s(]*/.exec(text.slice(at));
    const name = m?.[0] ?? '';
    return { name, end: at + name.length };
  }
  let name = '';
  let i = at + 1;
  while (i < text.length) {
    if (text[i] === '"' && text[i + 1] === '"') {
      name += '"';
      i += 2;
    } else if (text[i] === '"') {
      return { name, end: i + 1 };
    } else {
      name += text[i];
      i += 1;
    }
  }
  return { name, end: i };
}
