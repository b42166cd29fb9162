// The SQL a restore runs inside its own transaction after the data is in: the row-count check
// and the user's post-restore-sql, both fed to psql before COMMIT.
import { scanSql } from './sql-text.js';

/** Marks the row-count check's error so the restore can explain it. */
export const ROWS_MARK = 'pgba-row-counts';

/** What ends a last statement that lacks its `;`: on a line of its own (the text may end in `--`). */
export const STATEMENT_END = '\n; -- (end of the last statement)';

/** The number of the user's own last line in the checked text (without an added statement end). */
export function userLines(sql: string): number {
  const lines = sql.split('\n').length - 1;
  return sql.endsWith(`${STATEMENT_END}\n`) ? lines - 1 : lines;
}

/** Statements that would end the restore's one transaction early or read psql's input as data. */
const REFUSED = [
  /^(BEGIN|COMMIT|END|ROLLBACK|ABORT|START TRANSACTION|PREPARE TRANSACTION)\b/i,
  /^COPY\b.*\bFROM STDIN\b/i,
];

/**
 * Checks SQL text meant to run inside the restore's transaction: plain SQL only (no psql
 * meta-command, no transaction control, no COPY from psql's input), every quote closed. Returns
 * the text ending in `;` and a newline, or the problem in words.
 */
export function checkPlainSql(text: string): { sql: string } | { problem: string } {
  const scan = scanSql(text);
  if (scan.problem) return { problem: scan.problem };
  const refused = scan.statements.find((s) => REFUSED.some((r) => r.test(s.head)));
  if (refused)
    return {
      problem: `line ${refused.line} starts '${refused.head.slice(0, 40)}', which would end the restore's one transaction or read psql's input as data`,
    };
  return { sql: `${text.replace(/\s*$/, '')}${scan.open ? STATEMENT_END : ''}\n` };
}

/** A table and the rows the manifest gives it. */
export interface ExpectedRows {
  schema: string;
  name: string;
  rows: number;
}

/**
 * SQL that counts each table's rows inside the restore's transaction and fails it, naming the
 * tables, when a count differs from the manifest's. An extension's configuration table counts the
 * rows pg_dump dumps of it (its filter), as after a restore. Names travel hex-encoded: no quoting.
 */
export function rowCountCheckSql(tables: ExpectedRows[]): string {
  if (!tables.length) return '';
  const hex = (s: string) =>
    `pg_catalog.convert_from('\\x${Buffer.from(s).toString('hex')}'::bytea, 'UTF8')`;
  const values = tables.map((t) => `(${hex(t.schema)}, ${hex(t.name)}, ${t.rows}::int8)`);
  return `DO $pgba_rows$
DECLARE t record; n int8; cond text; bad text[] := '{}';
BEGIN
  FOR t IN SELECT * FROM (VALUES ${values.join(', ')}) AS v(s, r, rows) LOOP
    SELECT e.extcondition[i] INTO cond FROM pg_catalog.pg_extension e
      CROSS JOIN LATERAL pg_catalog.generate_subscripts(e.extconfig, 1) AS i
      JOIN pg_catalog.pg_class c ON c.oid = e.extconfig[i]
      JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
      WHERE ns.nspname = t.s AND c.relname = t.r;
    BEGIN
      EXECUTE pg_catalog.format('SELECT count(*) FROM ONLY %I.%I %s', t.s, t.r, coalesce(cond, '')) INTO n;
    EXCEPTION WHEN undefined_table OR invalid_schema_name THEN n := -1;
    END;
    IF n <> t.rows THEN
      bad := bad || pg_catalog.format('%s.%s: %s, %s in the manifest', t.s, t.r,
        CASE WHEN n < 0 THEN 'table missing' ELSE n || ' restored' END, t.rows);
    END IF;
  END LOOP;
  IF pg_catalog.cardinality(bad) > 0 THEN
    RAISE EXCEPTION '${ROWS_MARK}: %: %', CASE pg_catalog.cardinality(bad)
        WHEN 1 THEN '1 table differs' ELSE pg_catalog.cardinality(bad) || ' tables differ' END,
      pg_catalog.array_to_string(bad[1:3], '; ');
  END IF;
END $pgba_rows$;
`;
}
