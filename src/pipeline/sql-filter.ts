import { Transform, type TransformCallback } from 'node:stream';
import { ActionError } from '../errors.js';
import {
  cleanDrop,
  droppedTransactionControl,
  EDITABLE_FIRST_BYTES,
  EDITABLE_PREFIX,
  EDITABLE_START,
  skippedKind,
  standardStrings,
  unknownSetting,
  type SqlFilterCounts,
  type SqlFilterRules,
} from './sql-edits.js';
import { copyDataLines } from './copy-lines.js';
import { SqlLexer } from './sql-lexer.js';

export type { SqlFilterCounts, SqlFilterRules } from './sql-edits.js';

const NL = 0x0a;
const NEWLINE = Buffer.from('\n');
/** The comment pg_restore writes before each object, e.g. `-- Name: t; Type: TABLE; Schema: public; Owner: app`. */
const OBJECT_COMMENT = /^-- (Data for )?Name: (.*); Type: ([^;]*); Schema: ([^;]*);/;
/** The dump's own restriction of psql (pg_dump 13.22, 14.19, 15.14, 16.10, 17.6, 18 and newer). */
const DUMP_RESTRICT = /^\\(restrict|unrestrict) ([A-Za-z0-9]+)\r?$/;
/** Longer than any {@link DUMP_RESTRICT} line pg_dump writes. */
const RESTRICT_LINE_MAX = 256;
/** Bytes of a refused meta-command read to name it. */
const META_NAME_MAX = 32;

/**
 * How the current line travels: `copy` COPY data, passed on as it comes; `pass` SQL no rule can
 * edit, passed on as it comes; `hold` SQL a rule may edit, held until its newline; `refuse` a
 * meta-command, whose name is read before the stream fails.
 */
type LineMode = 'new' | 'copy' | 'pass' | 'hold' | 'refuse';

/**
 * Passes SQL text through line by line, leaving COPY data untouched, and drops the statements the
 * rules name; `dropped` lists the settings it left out (reported as warnings). Linear in its
 * input: only lines that a rule may edit are held whole, and each only until its newline.
 */
export class SqlFilter extends Transform {
  /** Names of unknown settings whose SET lines were dropped. */
  readonly dropped = new Set<string>();
  /** Ownership and privilege statements left out. */
  readonly counts: SqlFilterCounts = { ownership: 0, privileges: 0 };
  /** Output line numbers (1-based, after `lineOffset`) where each object's statements start. */
  private readonly objects: { line: number; name: string }[] = [];
  private readonly lexer = new SqlLexer();
  private outLines: number;
  private inLines = 0;
  private inClean = true;
  private inCopy = false;
  private dumpKey?: string;
  private mode: LineMode = 'new';
  /** The first bytes of the current line (latin1), its length so far, and its held parts. */
  private head = '';
  private lineLength = 0;
  private held: Buffer[] = [];
  private refused = '';
  /** A COPY statement whose quoted table or column name holds a newline, until it ends. */
  private copyPending = false;
  /** The last bytes of the current line (to see ` FROM stdin;` end a COPY statement). */
  private tail = '';

  /** `lineOffset`: lines the consumer read before this filter's output (for {@link objectAt}). */
  constructor(
    private readonly rules: SqlFilterRules,
    lineOffset = 0,
  ) {
    super();
    this.outLines = lineOffset;
  }

  /** Lines passed on so far, `lineOffset` included. */
  get lines(): number {
    return this.outLines;
  }

  /** The object whose statements the given output line belongs to, as `TYPE schema.name`. */
  objectAt(line: number): string | undefined {
    let found: string | undefined;
    for (const o of this.objects) {
      if (o.line > line) break;
      found = o.name;
    }
    return found;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const out: Buffer[] = [];
    try {
      for (let pos = 0; pos < chunk.length;) pos = this.feed(chunk, pos, out);
    } catch (error) {
      done(error as Error);
      return;
    }
    done(null, out.length === 1 ? out[0] : Buffer.concat(out));
  }

  override _flush(done: TransformCallback): void {
    const out: Buffer[] = [];
    try {
      if (this.mode !== 'new') this.endLine(out, false);
    } catch (error) {
      done(error as Error);
      return;
    }
    done(null, out.length ? Buffer.concat(out) : undefined);
  }

  /** Takes the bytes of the current line from `pos` up to its newline or the chunk's end. */
  private feed(chunk: Buffer, pos: number, out: Buffer[]): number {
    if (this.inCopy && this.mode === 'new') {
      const passed = this.passCopyLines(chunk, pos, out);
      if (passed > pos) return passed;
    }
    const nl = chunk.indexOf(NL, pos);
    const end = nl < 0 ? chunk.length : nl;
    if (end > pos) this.takePart(chunk.subarray(pos, end), out);
    if (nl < 0) return chunk.length;
    this.endLine(out, true);
    return nl + 1;
  }

  /** COPY data from the start of a line: its whole lines before `\.` passed on as one piece. */
  private passCopyLines(chunk: Buffer, pos: number, out: Buffer[]): number {
    const { stop, lines } = copyDataLines(chunk, pos);
    if (stop === pos) return pos;
    out.push(chunk.subarray(pos, stop));
    this.outLines += lines;
    this.inLines += lines;
    return stop;
  }

  private takePart(part: Buffer, out: Buffer[]): void {
    if (this.mode === 'new') this.mode = this.modeOf(part[0] ?? 0);
    if (this.head.length < EDITABLE_PREFIX)
      this.head += part.toString('latin1', 0, EDITABLE_PREFIX - this.head.length);
    this.lineLength += part.length;
    if (this.copyPending)
      this.tail = (this.tail + part.toString('latin1', Math.max(0, part.length - 12))).slice(-12);
    this.route(part, out);
  }

  /** Sends a part of the current line the way its mode says. */
  private route(part: Buffer, out: Buffer[]): void {
    if (this.mode === 'copy') out.push(part);
    else if (this.mode === 'pass') this.pass(part, out);
    else if (this.mode === 'refuse') this.refuse(part.toString('latin1', 0, META_NAME_MAX));
    else this.hold(part, out);
  }

  /** How a line starting with `first` travels. */
  private modeOf(first: number): LineMode {
    if (this.inCopy) return 'copy';
    return this.lexer.atTop && EDITABLE_FIRST_BYTES.has(first) ? 'hold' : 'pass';
  }

  /** SQL passed on as it comes, read by the lexer on the way (a meta-command fails the stream). */
  private pass(part: Buffer, out: Buffer[]): void {
    const meta = this.lexer.scan(part, 0, part.length);
    if (meta < 0 || !this.rules.refuseMetaCommands) {
      out.push(part);
      return;
    }
    out.push(part.subarray(0, meta));
    this.mode = 'refuse';
    this.refuse(part.toString('latin1', meta, meta + META_NAME_MAX));
  }

  /** Collects the first bytes of a refused meta-command, then fails with its name. */
  private refuse(text: string): void {
    this.refused += text;
    if (this.refused.length >= META_NAME_MAX) throw this.refusal(this.refused);
  }

  /** Holds a line a rule may edit; once its first bytes say none can, passes it on. */
  private hold(part: Buffer, out: Buffer[]): void {
    this.held.push(part);
    const refuse = this.rules.refuseMetaCommands === true;
    if (refuse && this.head.startsWith('\\') && this.lineLength > RESTRICT_LINE_MAX)
      this.metaLine(this.head);
    const decided = this.lineLength - part.length >= EDITABLE_PREFIX;
    if (decided || this.lineLength < EDITABLE_PREFIX || EDITABLE_START.test(this.head)) return;
    this.mode = 'pass';
    for (const p of this.held.splice(0)) this.route(p, out);
  }

  /** The end of the current line (`newline` false: the input's last bytes, without one). */
  private endLine(out: Buffer[], newline: boolean): void {
    if (this.mode === 'refuse') throw this.refusal(this.refused);
    let kept = true;
    if (this.mode === 'hold') kept = this.release(out, newline);
    else if (this.mode === 'copy' || (this.mode === 'new' && this.inCopy)) this.endCopyLine();
    else {
      this.lexer.endLine();
      this.continueCopy();
    }
    if (this.mode !== 'hold' && newline) out.push(NEWLINE);
    if (kept && newline) this.outLines += 1;
    this.inLines += 1;
    [this.mode, this.head, this.lineLength, this.held, this.tail] = ['new', '', 0, [], ''];
  }

  /** The line that ends a COPY statement begun over several lines starts its data. */
  private continueCopy(): void {
    if (!this.copyPending || !this.lexer.atTop) return;
    this.copyPending = false;
    if (this.tail.endsWith(' FROM stdin;')) this.inCopy = true;
  }

  private endCopyLine(): void {
    if (this.lineLength === 2 && this.head === '\\.') this.inCopy = false;
  }

  /** Edits a held line and passes on what is left of it; false when it was dropped. */
  private release(out: Buffer[], newline: boolean): boolean {
    const line = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held);
    const edit = this.edit(line);
    if (edit === undefined) out.push(line);
    else if (edit) out.push(Buffer.from(edit, 'latin1'));
    if (edit !== '' && newline) out.push(NEWLINE);
    return edit !== '';
  }

  /** undefined keeps the line; '' drops it; any other string replaces it. */
  private edit(line: Buffer): string | undefined {
    if (line[0] === 0x5c && this.rules.refuseMetaCommands)
      return this.metaLine(line.toString('latin1'));
    const meta = this.lexer.scan(line, 0, line.length);
    if (meta >= 0 && this.rules.refuseMetaCommands)
      throw this.refusal(line.toString('latin1', meta, meta + META_NAME_MAX));
    this.lexer.endLine();
    // A line that opens a quote continues in the next: it is not a whole statement (a COPY
    // whose quoted table or column name holds a newline goes on until its ` FROM stdin;`).
    if (!this.lexer.atTop) {
      this.copyPending = line.toString('latin1', 0, 5) === 'COPY ';
      return undefined;
    }
    // latin1 maps bytes 1:1, so a line of any encoding survives being edited.
    return this.editStatement(line.toString('latin1'));
  }

  private editStatement(line: string): string | undefined {
    if (line.startsWith('COPY ') && line.endsWith(' FROM stdin;')) {
      this.inCopy = true;
      return undefined;
    }
    if (droppedTransactionControl(line, this.rules)) return '';
    if (line.startsWith('-- ')) return this.noteObject(line);
    if (this.rules.lockTimeout && line === 'SET lock_timeout = 0;')
      return `SET lock_timeout = '${this.rules.lockTimeout}';`;
    this.lexer.stdStrings = standardStrings(line) ?? this.lexer.stdStrings;
    const setting = unknownSetting(line, this.rules);
    if (setting) {
      this.dropped.add(setting);
      return '';
    }
    const skipped = skippedKind(line, this.rules);
    if (skipped) {
      this.counts[skipped] += 1;
      return '';
    }
    return this.rules.cascadeClean && this.inClean ? cleanDrop(line) : undefined;
  }

  /** Remembers where an object's statements start; its first comment ends the clean phase. */
  private noteObject(line: string): undefined {
    const m = OBJECT_COMMENT.exec(line);
    if (m) {
      this.inClean = false;
      const schema = m[4] === '-' ? '' : `${m[4]}.`;
      this.objects.push({ line: this.outLines + 1, name: `${m[3]} ${schema}${m[2]}` });
    }
    return undefined;
  }

  /** Drops the dump's own `\restrict KEY` and the `\unrestrict KEY` that ends it; refuses the rest. */
  private metaLine(line: string): '' {
    const m = DUMP_RESTRICT.exec(line);
    if (m?.[1] === 'restrict' && this.dumpKey === undefined) this.dumpKey = m[2];
    else if (m?.[1] === 'unrestrict' && m[2] === this.dumpKey) this.dumpKey = undefined;
    else throw this.refusal(line);
    return '';
  }

  /** The error for the meta-command `text` starts with. */
  private refusal(text: string): ActionError {
    const name = /^\\([A-Za-z]+|[^\sA-Za-z])?/.exec(text)?.[0] ?? '\\';
    return new ActionError(
      `The backup's SQL holds the psql meta-command ${name} at line ${this.inLines + 1}, outside any quote or COPY data; it was refused before psql read it. pg_dump writes none there (only its own \\restrict and \\unrestrict lines, which are dropped): the backup was altered by someone who can write to its storage. Restore an earlier backup you trust, and check who can write to the storage.`,
    );
  }
}
