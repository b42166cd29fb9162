/**
 * Compare databases in tests: exact row counts per table and a normalized schema dump.
 */
import path from 'node:path';
import {
  REPO_ROOT,
  clientBinDirFor,
  clientEnv,
  connArgs,
  quoteIdent,
  quoteLiteral,
  runCommand,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';

export const SAMPLE_SCHEMA_FILE = path.join(
  REPO_ROOT,
  '__tests__',
  'fixtures',
  'sample-schema.sql',
);

const MAX_DUMP_BYTES = 256 * 1024 * 1024;

const TABLES_SQL = `
SELECT coalesce(json_agg(json_build_array(n.nspname, c.relname) ORDER BY n.nspname, c.relname), '[]')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
  AND n.nspname NOT LIKE 'pg\\_temp\\_%'`;

async function listTables(cluster: PgCluster, database: string): Promise<[string, string][]> {
  const out = await cluster.psql(TABLES_SQL, database);
  return JSON.parse(out.trim()) as [string, string][];
}

/**
 * Exact `count(*) FROM ONLY` of every ordinary table and leaf partition (relkind 'r'),
 * keyed `schema.table` with unquoted names. Partitioned parents, views and matviews are skipped.
 */
export async function tableRowCounts(
  cluster: PgCluster,
  database: string,
): Promise<Record<string, number>> {
  const tables = await listTables(cluster, database);
  if (tables.length === 0) return {};
  const parts = tables.map(
    ([schema, table]) =>
      `SELECT ${quoteLiteral(`${schema}.${table}`)} AS k, count(*) AS n FROM ONLY ${quoteIdent(schema)}.${quoteIdent(table)}`,
  );
  const sql = `SELECT json_object_agg(k, n) FROM (\n${parts.join('\nUNION ALL\n')}\n) AS counts`;
  const out = await cluster.psql(sql, database);
  return JSON.parse(out.trim()) as Record<string, number>;
}

/** Drops what differs between dumps of equal databases: comments, SET lines, \restrict keys, blank runs. */
export function normalizeDump(dump: string): string {
  const kept = dump
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .filter((line) => !/^\\(un)?restrict\b/.test(line))
    .filter((line) => !line.startsWith('SET '))
    .filter((line) => line !== "SELECT pg_catalog.set_config('search_path', '', false);");
  return (
    kept
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim() + '\n'
  );
}

/** `pg_dump --schema-only --no-owner --no-privileges` with a client >= the server major, normalized. */
export async function schemaDump(cluster: PgCluster, database: string): Promise<string> {
  const pgDump = path.join(clientBinDirFor(cluster.major), 'pg_dump');
  const args = ['--schema-only', '--no-owner', '--no-privileges', ...connArgs(cluster, database)];
  const res = await runCommand(pgDump, args, {
    env: clientEnv(cluster),
    secrets: [cluster.password],
  });
  if (res.stdout.length > MAX_DUMP_BYTES) throw new Error('schema dump unexpectedly large');
  return normalizeDump(res.stdout);
}

async function databaseExists(cluster: PgCluster, database: string): Promise<boolean> {
  const out = await cluster.psql(
    `SELECT 1 FROM pg_catalog.pg_database WHERE datname = ${quoteLiteral(database)}`,
  );
  return out.trim() === '1';
}

/** Creates `database` if missing and loads __tests__/fixtures/sample-schema.sql into it. */
export async function loadSample(cluster: PgCluster, database: string): Promise<void> {
  if (!(await databaseExists(cluster, database))) await cluster.createDatabase(database);
  const psql = path.join(clientBinDirFor(cluster.major), 'psql');
  const args = [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    ...connArgs(cluster, database),
    '-f',
    SAMPLE_SCHEMA_FILE,
  ];
  await runCommand(psql, args, { env: clientEnv(cluster), secrets: [cluster.password] });
}
