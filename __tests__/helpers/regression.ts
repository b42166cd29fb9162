/**
 * PostgreSQL's own `regression` database (what `make installcheck-parallel` leaves behind) for the
 * fidelity tier: throwaway servers of the PostgreSQL 18 that scripts/provision-regression.sh built,
 * each on a fresh copy of its template data directory, and what the tests compare — plain dumps
 * taken and filtered the way pg_upgrade's test does, exact row counts, restore scripts.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { adjustRegressDumpfile } from './adjust-dump.js';
import {
  clientEnv,
  connArgs,
  quoteIdent,
  quoteLiteral,
  runCommand,
  startClusterFromData,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';
import { collectProcess } from '../../scripts/lib/spawn.js';

/** Where provisioning keeps the build, the server and the template (PGBA_REGRESS_ROOT). */
export const REGRESS_ROOT = process.env.PGBA_REGRESS_ROOT ?? '/var/cache/pgba-regress';

/** The full PostgreSQL 18 server built from the Debian source package. */
export const REGRESS_BIN_DIR = path.join(REGRESS_ROOT, 'pg18', 'bin');

/** The client the tier uses for the action and for its own dumps. */
export const CLIENT_BIN_DIR = '/usr/lib/postgresql/18/bin';

const TEMPLATE_DIR = path.join(REGRESS_ROOT, 'template');

/** The directory of PostgreSQL's Perl test modules (AdjustDump.pm) in the kept source tree. */
function perlModuleDir(): string {
  const trees = readdirSync(REGRESS_ROOT).filter((d) => d.startsWith('postgresql-18-'));
  const tree = trees.sort().pop(); // the one provisioning built (it takes the last, too)
  if (!tree)
    throw new Error(`no postgresql-18 source tree in ${REGRESS_ROOT}: run scripts/provision.sh`);
  return path.join(REGRESS_ROOT, tree, 'src', 'test', 'perl');
}

/** The original: PostgreSQL::Test::AdjustDump::adjust_regress_dumpfile run by perl on `dump`. */
export async function adjustWithPerl(dump: string, adjustChildColumns: boolean): Promise<string> {
  const code = 'local $/; my $d = <STDIN>; print adjust_regress_dumpfile($d, $ARGV[0]);';
  const args = ['-I', perlModuleDir(), '-MPostgreSQL::Test::AdjustDump', '-e', code];
  const res = await runCommand('perl', [...args, adjustChildColumns ? '1' : '0'], { input: dump });
  return res.stdout;
}

/** A server of the regression build on a fresh `cp -a` of the template; `regression` is in it. */
export async function startRegressionCluster(): Promise<PgCluster> {
  if (!existsSync(path.join(REGRESS_ROOT, '.complete'))) {
    throw new Error(`no regression template in ${REGRESS_ROOT}: run scripts/provision.sh`);
  }
  return startClusterFromData(18, REGRESS_BIN_DIR, TEMPLATE_DIR);
}

/** Runs `fn`, printing how long it took (the tier's budget is watched step by step). */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    console.log(`[fidelity] ${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

/** Runs a client program of CLIENT_BIN_DIR against the cluster; resolves to its stdout. */
async function client(cluster: PgCluster, program: string, args: string[]): Promise<string> {
  const res = await runCommand(path.join(CLIENT_BIN_DIR, program), args, {
    env: clientEnv(cluster),
    secrets: [cluster.password],
  });
  return res.stdout;
}

/** What a dump for comparison is: the whole database or its schema; of the original or a copy. */
export interface DumpKind {
  schemaOnly?: boolean;
  /** True for the database the regression tests built (its child tables' columns are reordered). */
  original: boolean;
}

/** A plain dump as pg_upgrade's test takes it: `pg_dump --no-sync --restrict-key=test` (18 client). */
export async function plainDump(
  cluster: PgCluster,
  database: string,
  opts: { schemaOnly?: boolean } = {},
): Promise<string> {
  const args = ['--no-sync', '--restrict-key=test', ...(opts.schemaOnly ? ['--schema-only'] : [])];
  return client(cluster, 'pg_dump', [...args, ...connArgs(cluster, database)]);
}

/** A plain dump (see plainDump) through adjust_regress_dumpfile. */
export async function adjustedDump(
  cluster: PgCluster,
  database: string,
  kind: DumpKind,
): Promise<string> {
  return adjustRegressDumpfile(await plainDump(cluster, database, kind), kind.original);
}

/** Both comparison dumps of a database: the whole one and the schema-only one. */
export async function adjustedDumps(
  cluster: PgCluster,
  database: string,
  original: boolean,
): Promise<{ full: string; schema: string }> {
  const [full, schema] = await Promise.all([
    adjustedDump(cluster, database, { original }),
    adjustedDump(cluster, database, { original, schemaOnly: true }),
  ]);
  return { full, schema };
}

const RELATIONS_SQL = `
SELECT coalesce(json_agg(json_build_array(n.nspname, c.relname, c.relispopulated)
                         ORDER BY n.nspname, c.relname), '[]')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
  AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

/**
 * Exact `count(*) FROM ONLY` of every table, partitioned table and materialized view (relkind
 * r, p, m), keyed `schema.name`; a materialized view that is not populated counts -1.
 */
export async function exactRowCounts(
  cluster: PgCluster,
  database: string,
): Promise<Record<string, number>> {
  const rels = JSON.parse((await cluster.psql(RELATIONS_SQL, database)).trim()) as [
    string,
    string,
    boolean,
  ][];
  if (rels.length === 0) return {};
  const parts = rels.map(([schema, name, populated]) => {
    const key = quoteLiteral(`${schema}.${name}`);
    if (!populated) return `SELECT ${key} AS k, -1::bigint AS n`;
    return `SELECT ${key} AS k, count(*) AS n FROM ONLY ${quoteIdent(schema)}.${quoteIdent(name)}`;
  });
  const sql = `SELECT json_object_agg(k, n) FROM (\n${parts.join('\nUNION ALL\n')}\n) AS counts`;
  return JSON.parse((await cluster.psql(sql, database)).trim()) as Record<string, number>;
}

/** `pg_restore -f - ARGS archive` of the 18 client: the SQL script a restore runs. */
export async function restoreScript(archive: string, args: string[] = []): Promise<string> {
  const res = await runCommand(path.join(CLIENT_BIN_DIR, 'pg_restore'), [
    ...args,
    '-f',
    '-',
    archive,
  ]);
  return res.stdout;
}

const OWNERSHIP = /^ALTER .+ OWNER TO .+;$/;
const PRIVILEGE = /^(GRANT|REVOKE|ALTER DEFAULT PRIVILEGES) .+;$/;

/** How many ownership (ALTER … OWNER TO) and privilege (GRANT, REVOKE, ALTER DEFAULT PRIVILEGES) statements a script has. */
export function countOwnershipAndPrivileges(script: string): {
  ownership: number;
  privileges: number;
} {
  const lines = script.split('\n');
  return {
    ownership: lines.filter((l) => OWNERSHIP.test(l)).length,
    privileges: lines.filter((l) => PRIVILEGE.test(l)).length,
  };
}

/**
 * Whether a dump line is about ownership or privileges only: such a statement, the `-- Name:`
 * comment of an ACL or DEFAULT ACL entry, any `-- Name:` or `-- Data for Name:` comment (its Owner
 * field), or a bare `--` of a comment block.
 */
export function isOwnershipOrPrivilegeLine(line: string): boolean {
  return OWNERSHIP.test(line) || PRIVILEGE.test(line) || /^-- (Data for )?Name: |^--$/.test(line);
}

/**
 * A dump with ownership and privileges taken out: their statements and ACL entries' comment
 * blocks removed, the `Owner:` field of every entry's comment blanked. Equal for a restore with and without them.
 */
export function withoutOwnershipAndPrivileges(dump: string): string {
  return dump
    .replace(/^--\n-- Name: [^\n]*; Type: (ACL|DEFAULT ACL);[^\n]*\n--\n/gm, '')
    .split('\n')
    .filter((l) => !OWNERSHIP.test(l) && !PRIVILEGE.test(l))
    .map((l) => (/^-- (Data for )?Name: /.test(l) ? l.replace(/; Owner: .*$/, '; Owner: ?') : l))
    .join('\n');
}

/** The `Name: …; Type: …` comment of the first statement of a script that a server rejects. */
export interface FirstFailure {
  /** e.g. `Name: x; Type: COLLATION; Schema: public; Owner: -`. */
  object: string;
  /** The server's error line. */
  error: string;
}

/**
 * Runs a restore script on a scratch database of `cluster` the way the spec allows (SET lines of
 * settings the server does not know left out, stop at the first error) and names the object whose
 * statement failed; the scratch database is dropped again.
 */
export async function firstFailingObject(
  cluster: PgCluster,
  script: string,
): Promise<FirstFailure> {
  const known = new Set((await cluster.psql('SELECT name FROM pg_settings')).trim().split('\n'));
  const lines = script.split('\n');
  const runnable = lines.map((l) => {
    const set = /^SET ([a-z_.]+) = .*;$/.exec(l);
    return set && !known.has(set[1] ?? '') ? '' : l; // '' keeps psql's line numbers
  });
  const scratch = 'fidelity_first_failure';
  await cluster.psql(`DROP DATABASE IF EXISTS ${scratch}; CREATE DATABASE ${scratch}`);
  try {
    const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction'];
    const run = await collectProcess(
      path.join(CLIENT_BIN_DIR, 'psql'),
      [...args, ...connArgs(cluster, scratch), '-f', '-'],
      { env: clientEnv(cluster), input: runnable.join('\n') },
    );
    const m = /^psql:<stdin>:(\d+): (ERROR: .*)$/m.exec(run.stderr);
    if (run.code === 0 || !m) throw new Error(`expected the script to fail: ${run.stderr}`);
    const at = Number(m[1]);
    const header = lines
      .slice(0, at)
      .reverse()
      .find((l) => l.startsWith('-- Name: '));
    return { object: (header ?? '').replace(/^-- /, ''), error: m[2] ?? '' };
  } finally {
    await cluster.psql(`DROP DATABASE IF EXISTS ${scratch}`);
  }
}
