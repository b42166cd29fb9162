import { Transform, type TransformCallback } from 'node:stream';

const NL = 0x0a;
const DOLLAR = 0x24;
const PRIVILEGES = /^(GRANT|REVOKE|ALTER DEFAULT PRIVILEGES) .*;$/;
const STATEMENT_STARTS = new Set([0x42, 0x43, 0x53, 0x41, 0x47, 0x52, 0x44]);
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
   * Make `--clean`'s drops of partition constraints and indexes tolerate the errors PostgreSQL
   * raises for inherited ones (the DROP TABLE that follows removes them anyway).
   */
  tolerateCleanErrors?: boolean;
  /**
   * Drop top-level `BEGIN;` and `COMMIT;` (pg_restore wraps large objects in them): the restore
   * runs in one transaction of its own, which they would end early.
   */
  dropTransactionControl?: boolean;
}

const CLEAN_DROPS: [RegExp, string][] = [
  [/^ALTER TABLE (IF EXISTS )?ONLY .* DROP CONSTRAINT IF EXISTS .*;$/, 'invalid_table_definition'],
  [/^DROP INDEX IF EXISTS .*;$/, 'dependent_objects_still_exist'],
];

/**
 * Passes SQL text through line by line, leaving COPY data untouched, and drops the statements the
 * rules name; `dropped` lists the settings it left out (reported as warnings).
 */
export class SqlFilter extends Transform {
  /** Names of unknown settings whose SET lines were dropped. */
  readonly dropped = new Set<string>();
  private inCopy = false;
  private dollarTag?: string;
  private carry = Buffer.alloc(0);

  constructor(private readonly rules: SqlFilterRules) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const kept: Buffer[] = [];
    let start = 0;
    let keepFrom = 0;
    for (let nl = data.indexOf(NL, start); nl !== -1; nl = data.indexOf(NL, start)) {
      const replacement = this.edit(data, start, nl);
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
    const set = /^SET ([a-z_.]+) = .*;$/.exec(line);
    if (set?.[1] && !set[1].includes('.') && !this.rules.knownSettings.has(set[1])) {
      this.dropped.add(set[1]);
      return '';
    }
    if (this.rules.dropOwners && /^ALTER .* OWNER TO .*;$/.test(line)) return '';
    if (this.rules.dropPrivileges && PRIVILEGES.test(line)) return '';
    const clean = this.rules.tolerateCleanErrors
      ? CLEAN_DROPS.find(([re]) => re.test(line))
      : undefined;
    if (clean && !line.includes('$pgba$')) {
      return `DO $pgba$BEGIN ${line} EXCEPTION WHEN ${clean[1]} THEN NULL; END$pgba$;`;
    }
    return undefined;
  }
}
