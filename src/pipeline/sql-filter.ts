import { Transform, type TransformCallback } from 'node:stream';

const NL = 0x0a;
const DOLLAR = 0x24;
const PRIVILEGES = /^(GRANT|REVOKE|ALTER DEFAULT PRIVILEGES) .*;$/;
// B, C, S, A, G, R, D and - (object comments).
const STATEMENT_STARTS = new Set([0x42, 0x43, 0x53, 0x41, 0x47, 0x52, 0x44, 0x2d]);
/** Transaction control that pg_restore -f - and plain dumps write around large objects. */
const TRANSACTION_CONTROL = new Set(['BEGIN;', 'COMMIT;']);

/** What the filter drops. */
export interface SqlFilterRules {
  /** Settings the target server knows; a top-level `SET x = …;` of any other is dropped. */
  knownSettings: Set<string>;
  /** Drop `ALTER … OWNER TO …;` lines (plain dumps with no-owner). */
  dropOwners: boolean;
  /** Drop `GRANT …;` / `REVOKE …;` lines (plain dumps with no-privileges). */
  dropPrivileges: boolean;
  /**
   * Rewrite `--clean`'s drops so they cannot fail on dependencies: every drop of a top-level object
   * gets `CASCADE`, and the drops of sub-objects (constraints, indexes, triggers, rules, policies,
   * defaults, publication members) are left out, as their object's drop removes them. Objects
   * outside the archive that a cascade would take are caught by the overwrite guard.
   */
  cascadeClean?: boolean;
  /**
   * Drop top-level `BEGIN;` and `COMMIT;` (pg_restore wraps large objects in them): the restore
   * runs in one transaction of its own, which they would end early.
   */
  dropTransactionControl?: boolean;
  /** Replaces the dump's `SET lock_timeout = 0;` (wait for ever) with this timeout, e.g. `5min`. */
  lockTimeout?: string;
}

/** Drops of parts of an object: its own drop (with CASCADE) removes them. */
const SUB_OBJECT_DROP =
  /^(ALTER (FOREIGN )?TABLE (IF EXISTS )?(ONLY )?.* (DROP CONSTRAINT .*|ALTER COLUMN .* DROP DEFAULT)|ALTER DOMAIN .* DROP CONSTRAINT .*|ALTER PUBLICATION .* DROP .*|DROP (INDEX|TRIGGER|RULE|POLICY) .*);$/;
/** A drop of a top-level object, as `--clean --if-exists` writes it. */
const OBJECT_DROP = /^DROP (?!USER MAPPING )[A-Z ]+ IF EXISTS .*;$/;
/** The comment pg_restore writes before each object, e.g. `-- Name: t; Type: TABLE; Schema: public; Owner: app`. */
const OBJECT_COMMENT = /^-- (Data for )?Name: (.*); Type: ([^;]*); Schema: ([^;]*);/;
const OWNERSHIP = /^ALTER .* OWNER TO .*;$/;

/** How many statements the filter left out, by kind. */
export interface SqlFilterCounts {
  ownership: number;
  privileges: number;
}

/**
 * Passes SQL text through line by line, leaving COPY data untouched, and drops the statements the
 * rules name; `dropped` lists the settings it left out (reported as warnings).
 */
export class SqlFilter extends Transform {
  /** Names of unknown settings whose SET lines were dropped. */
  readonly dropped = new Set<string>();
  /** Ownership and privilege statements left out. */
  readonly counts: SqlFilterCounts = { ownership: 0, privileges: 0 };
  /** Output line numbers (1-based, after `lineOffset`) where each object's statements start. */
  private readonly objects: { line: number; name: string }[] = [];
  private outLines: number;
  private inClean = true;
  private inCopy = false;
  private dollarTag?: string;
  private carry = Buffer.alloc(0);

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
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const kept: Buffer[] = [];
    let start = 0;
    let keepFrom = 0;
    for (let nl = data.indexOf(NL, start); nl !== -1; nl = data.indexOf(NL, start)) {
      const replacement = this.edit(data, start, nl);
      if (replacement !== '') this.outLines += 1;
      if (replacement !== undefined) {
        if (start > keepFrom) kept.push(data.subarray(keepFrom, start));
        if (replacement) kept.push(Buffer.from(`${replacement}\n`, 'latin1'));
        keepFrom = nl + 1;
      }
      start = nl + 1;
    }
    if (start > keepFrom) kept.push(data.subarray(keepFrom, start));
    this.carry = Buffer.from(data.subarray(start));
    done(null, kept.length === 1 ? kept[0] : Buffer.concat(kept));
  }

  override _flush(done: TransformCallback): void {
    const last = this.carry.length ? this.edit(this.carry, 0, this.carry.length) : '';
    done(null, last === undefined ? this.carry : last ? Buffer.from(last, 'latin1') : undefined);
  }

  /** undefined keeps the line; '' drops it; any other string replaces it. */
  private edit(data: Buffer, start: number, end: number): string | undefined {
    if (this.inCopy) {
      if (end - start === 2 && data[start] === 0x5c && data[start + 1] === 0x2e) {
        this.inCopy = false;
      }
      return undefined;
    }
    // latin1 maps bytes 1:1, so a line of any encoding survives being edited.
    const wasQuoted = this.dollarTag !== undefined;
    if (data.indexOf(DOLLAR, start) !== -1 && data.indexOf(DOLLAR, start) < end) {
      this.trackDollarQuotes(data.toString('latin1', start, end));
    }
    // Lines of function bodies are never edited; only lines starting with B, C, S, A, G, R or D matter.
    if (wasQuoted || !STATEMENT_STARTS.has(data[start] ?? 0)) return undefined;
    return this.editStatement(data.toString('latin1', start, end));
  }

  /** Follows `$tag$ … $tag$` quoting across lines (function bodies). */
  private trackDollarQuotes(line: string): void {
    for (const [tag] of line.matchAll(/\$[A-Za-z_]*\$/g)) {
      if (this.dollarTag === undefined) this.dollarTag = tag;
      else if (tag === this.dollarTag) this.dollarTag = undefined;
    }
  }

  private editStatement(line: string): string | undefined {
    if (line.startsWith('COPY ') && line.endsWith(' FROM stdin;')) {
      this.inCopy = true;
      return undefined;
    }
    if (this.dollarTag !== undefined) return undefined;
    if (this.rules.dropTransactionControl && TRANSACTION_CONTROL.has(line)) return '';
    if (line.startsWith('-- ')) return this.noteObject(line);
    if (this.rules.lockTimeout && line === 'SET lock_timeout = 0;')
      return `SET lock_timeout = '${this.rules.lockTimeout}';`;
    const set = /^SET ([a-z_.]+) = .*;$/.exec(line);
    if (set?.[1] && !set[1].includes('.') && !this.rules.knownSettings.has(set[1])) {
      this.dropped.add(set[1]);
      return '';
    }
    if (this.rules.dropOwners && OWNERSHIP.test(line)) {
      this.counts.ownership += 1;
      return '';
    }
    if (this.rules.dropPrivileges && PRIVILEGES.test(line)) {
      this.counts.privileges += 1;
      return '';
    }
    if (this.rules.cascadeClean && this.inClean) return cleanDrop(line);
    return undefined;
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
}

/** A drop of `--clean`, made safe to run in any order: sub-object drops left out, CASCADE added. */
function cleanDrop(line: string): string | undefined {
  if (SUB_OBJECT_DROP.test(line)) return '';
  if (OBJECT_DROP.test(line) && !/ CASCADE;$/.test(line)) return `${line.slice(0, -1)} CASCADE;`;
  return undefined;
}
