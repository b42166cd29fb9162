// Fake pg_dump, pg_restore and psql: bash scripts in a temp bin dir, steered by files next to them.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgClient } from '../../src/postgres/install/installer.js';

/** One table of a fake dump: its COPY rows as text lines (tab-separated columns). */
export interface FakeTable {
  schema: string;
  name: string;
  columns: string[];
  rows: string[];
}

/** What the fake pg_dump does: print the dump, stop with exit 1 halfway, or print garbage. */
export type DumpMode = 'ok' | 'fail-mid' | 'garbage';

/** The two tables the fake pg_dump dumps unless told otherwise. */
export const DEFAULT_TABLES: FakeTable[] = [
  {
    schema: 'public',
    name: 'accounts',
    columns: ['id', 'email'],
    rows: ['1\tann@example.com', '2\tbob@example.com', '3\tcyd@example.com'],
  },
  {
    schema: 'shop',
    name: 'orders',
    columns: ['id', 'account_id', 'note'],
    rows: ['10\t1\tfirst', '11\t2\t\\N'],
  },
];

/** A plain-format SQL dump of `tables` as pg_dump writes it (the parts RowCounter reads). */
export function plainDump(tables: FakeTable[] = DEFAULT_TABLES): string {
  const head = [
    '--',
    '-- PostgreSQL database dump',
    '--',
    '',
    'SET statement_timeout = 0;',
    "SET client_encoding = 'UTF8';",
    '',
  ];
  const blocks = tables.flatMap((t) => [
    '--',
    `-- Data for Name: ${t.name}; Type: TABLE DATA; Schema: ${t.schema}; Owner: app`,
    '--',
    '',
    `COPY ${t.schema}.${t.name} (${t.columns.join(', ')}) FROM stdin;`,
    ...t.rows,
    '\\.',
    '',
    '',
  ]);
  const tail = ['--', '-- PostgreSQL database dump complete', '--', ''];
  return [...head, ...blocks, ...tail].join('\n');
}

/** `schema.name` → rows of every `COPY … FROM stdin;` block in SQL text. */
export function copyRows(sql: string): Record<string, number> {
  const counts: Record<string, number> = {};
  let current: string | undefined;
  for (const line of sql.split('\n')) {
    const copy = /^COPY ([^ ]+) .*FROM stdin;$/.exec(line);
    if (current !== undefined) {
      if (line === '\\.') current = undefined;
      else counts[current] = (counts[current] ?? 0) + 1;
    } else if (copy?.[1]) {
      current = copy[1];
      counts[current] = 0;
    }
  }
  return counts;
}

const PROGRAMS = ['pg_dump', 'pg_restore', 'psql'] as const;
type Program = (typeof PROGRAMS)[number];

/** A fake client installation and the switches of its programs. */
export interface FakeClient {
  client: PgClient;
  /** The SQL the fake pg_dump prints in mode `ok`. */
  setDump(sql: string): Promise<void>;
  setDumpMode(mode: DumpMode): Promise<void>;
  /** psql's exit code (after it has read all its input). */
  setPsqlExit(code: number): Promise<void>;
  /** Back to the start: the default dump, mode ok, psql exit 0, no recorded input or args. */
  reset(): Promise<void>;
  /** What psql read on stdin in its last run ('' before any run). */
  psqlInput(): Promise<string>;
  /** The argv of each program's last run, one argument a line. */
  lastArgs(program: Program): Promise<string[]>;
}

// pg_dump: prints dump.sql; `fail-mid` stops after half of it with exit 1, `garbage` prints noise.
const PG_DUMP = `#!/usr/bin/env bash
here="$(dirname "$0")"
printf '%s\\n' "$@" > "$here/pg_dump.args"
mode="$(cat "$here/pg_dump.mode" 2>/dev/null || echo ok)"
case "$mode" in
  fail-mid)
    lines=$(wc -l < "$here/dump.sql")
    head -n $((lines / 2)) "$here/dump.sql"
    echo "pg_dump: error: Dumping the contents of table \\"orders\\" failed: connection lost" >&2
    exit 1 ;;
  garbage)
    printf 'this is not a dump\\n\\x00\\x01\\x02 COPY nothing\\n'
    exit 0 ;;
  *)
    cat "$here/dump.sql" ;;
esac
`;

// pg_restore: prints the archive (a file argument, else stdin) as the SQL it holds.
const PG_RESTORE = `#!/usr/bin/env bash
here="$(dirname "$0")"
printf '%s\\n' "$@" > "$here/pg_restore.args"
last="\${!#}"
if [ $# -gt 0 ] && [ -f "$last" ]; then cat "$last"; else cat; fi
`;

// psql: copies stdin to psql.stdin, then exits with psql.exit (0 when absent). It reports a
// release that has \\restrict, which the restore requires of psql.
const PSQL = `#!/usr/bin/env bash
here="$(dirname "$0")"
if [ "$1" = --version ]; then echo "psql (PostgreSQL) 18.1"; exit 0; fi
printf '%s\\n' "$@" > "$here/psql.args"
cat > "$here/psql.stdin"
code="$(cat "$here/psql.exit" 2>/dev/null || echo 0)"
if [ "$code" != 0 ]; then echo "psql:<stdin>:42: ERROR:  fake psql failure" >&2; fi
exit "$code"
`;

/** Writes the fake programs into a new temp bin dir and returns the client pointing at it. */
export async function createFakeClient(version = '16.4'): Promise<FakeClient> {
  const binDir = await mkdtemp(join(tmpdir(), 'fake-pg-'));
  const scripts: Record<Program, string> = { pg_dump: PG_DUMP, pg_restore: PG_RESTORE, psql: PSQL };
  for (const [name, text] of Object.entries(scripts)) {
    await writeFile(join(binDir, name), text);
    await chmod(join(binDir, name), 0o755);
  }
  const at = (name: string) => join(binDir, name);
  const reset = async () => {
    const state = ['pg_dump.mode', 'psql.exit', 'psql.stdin', ...PROGRAMS.map((p) => `${p}.args`)];
    await Promise.all(state.map((name) => rm(at(name), { force: true })));
    await writeFile(at('dump.sql'), plainDump());
  };
  await reset();
  return {
    reset,
    client: { binDir, version, major: Number(version.split('.')[0]) },
    setDump: (sql) => writeFile(at('dump.sql'), sql),
    setDumpMode: (mode) => writeFile(at('pg_dump.mode'), mode),
    setPsqlExit: (code) => writeFile(at('psql.exit'), String(code)),
    psqlInput: () => readFile(at('psql.stdin'), 'utf8').catch(() => ''),
    lastArgs: async (program) =>
      (await readFile(at(`${program}.args`), 'utf8')).split('\n').filter(Boolean),
  };
}
