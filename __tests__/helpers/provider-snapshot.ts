/**
 * What must survive a restore of a provider-like database, captured as sorted lines per category so
 * that two snapshots compare line by line and a difference reads as what was lost or gained.
 * Read as the server's superuser: the schema (pg_dump -s, owners and privileges kept), exact rows
 * of every user table (not extension members), the API roles' and app's table privileges, RLS and
 * policies, pg_cron jobs, pg_partman's configuration, large objects and publications.
 */
import path from 'node:path';
import { normalizeDump } from './db-compare.js';
import {
  clientBinDirFor,
  clientEnv,
  connArgs,
  quoteIdent,
  quoteLiteral,
  runCommand,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';

/** Sorted lines per category. */
export type Snapshot = Record<Category, string[]>;

/** The categories of a snapshot. */
export type Category =
  | 'schema'
  | 'rows'
  | 'privileges'
  | 'rls'
  | 'policies'
  | 'cron'
  | 'partman'
  | 'largeObjects'
  | 'publications';

/** The roles whose table privileges a snapshot records (those that exist). */
export const PRIVILEGE_ROLES = ['anon', 'authenticated', 'service_role', 'app'];

// Relations of user schemas that no extension owns (pg_depend deptype 'e').
const RELATIONS = `FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`;
const USER_RELATION = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')`;
const USER_RELATIONS = `${RELATIONS} WHERE ${USER_RELATION}`;

const TABLES_SQL = `SELECT format('%I.%I', n.nspname, c.relname) ${USER_RELATIONS} AND c.relkind = 'r' ORDER BY 1`;

const PRIVILEGE = (p: string) =>
  `CASE WHEN has_table_privilege(r.oid, c.oid, '${p}') THEN '${p}' END`;
const PRIVILEGES_SQL = `
  SELECT format('%s.%s %s: %s', n.nspname, c.relname, r.rolname, coalesce(nullif(concat_ws(',',
    ${['SELECT', 'INSERT', 'UPDATE', 'DELETE'].map(PRIVILEGE).join(', ')}), ''), 'none'))
  ${RELATIONS} CROSS JOIN pg_catalog.pg_roles r
  WHERE ${USER_RELATION} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    AND r.rolname = ANY (ARRAY[${PRIVILEGE_ROLES.map(quoteLiteral).join(', ')}])
  ORDER BY 1`;

const RLS_SQL = `SELECT format('%I.%I rls=%s force=%s', n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity)
  ${USER_RELATIONS} AND c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity) ORDER BY 1`;

const POLICIES_SQL = `SELECT format('%s.%s %s: %s %s to %s using (%s) check (%s)', schemaname, tablename,
  policyname, permissive, cmd, roles::text, qual, with_check) FROM pg_catalog.pg_policies
  WHERE schemaname NOT IN ('cron') ORDER BY 1`;

// Read only where the extension is installed (cron.job, partman.part_config).
const CRON_SQL = `SELECT format('%s | %s | %s | %s | %s | active=%s', jobname, schedule, command, database,
  username, active) FROM cron.job`;

const PARTMAN_SQL = `SELECT format('%s control=%s interval=%s premake=%s', parent_table, control,
  partition_interval, premake) FROM partman.part_config`;

const LARGE_OBJECTS_SQL = `SELECT format('%s large object(s) owned by %s', count(*), lomowner::regrole)
  FROM pg_catalog.pg_largeobject_metadata GROUP BY lomowner ORDER BY 1`;

const PUBLICATIONS_SQL = `SELECT format('%s (owner %s, all tables %s): %s', p.pubname, p.pubowner::regrole,
  p.puballtables, (SELECT string_agg(format('%s.%s', t.schemaname, t.tablename), ', '
    ORDER BY t.schemaname, t.tablename) FROM pg_catalog.pg_publication_tables t WHERE t.pubname = p.pubname))
  FROM pg_catalog.pg_publication p ORDER BY 1`;

function lines(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0)
    .sort();
}

/** The statements of `pg_dump -s` (owners and privileges kept), normalized, one block each. */
async function schemaBlocks(server: PgCluster, database: string): Promise<string[]> {
  const pgDump = path.join(clientBinDirFor(server.major), 'pg_dump');
  const res = await runCommand(pgDump, ['--schema-only', ...connArgs(server, database)], {
    env: clientEnv(server),
    secrets: [server.password],
  });
  return normalizeDump(res.stdout)
    .split(/\n\n+/)
    .map((block) => block.trim())
    .filter((block) => block.length > 0)
    .sort();
}

async function rowCounts(server: PgCluster, database: string): Promise<string[]> {
  const tables = lines(await server.psql(TABLES_SQL, database));
  if (tables.length === 0) return [];
  const parts = tables.map(
    (t) => `SELECT ${quoteLiteral(t)} || '=' || count(*) FROM ONLY ${qualified(t)}`,
  );
  return lines(await server.psql(parts.join('\nUNION ALL\n'), database));
}

/** `schema.table` as printed by format('%I.%I') is already quoted where needed. */
function qualified(name: string): string {
  return name.includes('"') ? name : name.split('.').map(quoteIdent).join('.');
}

/** Captures everything a restore must keep of `database` on `server`. */
export async function snapshot(server: PgCluster, database: string): Promise<Snapshot> {
  const query = async (sql: string) => lines(await server.psql(sql, database));
  const exists = async (table: string) =>
    (
      await server.psql(`SELECT to_regclass(${quoteLiteral(table)}) IS NOT NULL`, database)
    ).trim() === 't';
  return {
    schema: await schemaBlocks(server, database),
    rows: await rowCounts(server, database),
    privileges: await query(PRIVILEGES_SQL),
    rls: await query(RLS_SQL),
    policies: await query(POLICIES_SQL),
    cron: (await exists('cron.job')) ? await query(CRON_SQL) : [],
    partman: (await exists('partman.part_config')) ? await query(PARTMAN_SQL) : [],
    largeObjects: await query(LARGE_OBJECTS_SQL),
    publications: await query(PUBLICATIONS_SQL),
  };
}

/** What compare leaves out: whole categories, and schema blocks matching a pattern. */
export interface CompareOptions {
  skip?: Category[];
  /** Schema blocks (statements) matching one of these are not compared. */
  ignoreSchema?: RegExp[];
}

/** A schema block in one line: whole when short (a GRANT group), else its first line. */
function firstLine(block: string): string {
  const all = block.split('\n');
  return all.length <= 4 ? all.join(' ⏎ ') : `${all[0]} …`;
}

function multisetDiff(a: string[], b: string[]): { lost: string[]; gained: string[] } {
  const left = new Map<string, number>();
  for (const x of a) left.set(x, (left.get(x) ?? 0) + 1);
  const gained: string[] = [];
  for (const x of b) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else gained.push(x);
  }
  const lost = [...left].flatMap(([x, n]) => Array<string>(n).fill(x));
  return { lost, gained };
}

/**
 * The differences between two snapshots, one line each: `category: - line` is in `a` only,
 * `category: + line` in `b` only (schema blocks by their first line). Empty when they are equal.
 */
export function compare(a: Snapshot, b: Snapshot, opts: CompareOptions = {}): string[] {
  const ignored = (block: string) => (opts.ignoreSchema ?? []).some((re) => re.test(block));
  const out: string[] = [];
  for (const category of Object.keys(a) as Category[]) {
    if (opts.skip?.includes(category)) continue;
    const keep = (x: string) => category !== 'schema' || !ignored(x);
    const { lost, gained } = multisetDiff(a[category].filter(keep), b[category].filter(keep));
    const show = category === 'schema' ? firstLine : (x: string) => x;
    out.push(...lost.map((x) => `${category}: - ${show(x)}`));
    out.push(...gained.map((x) => `${category}: + ${show(x)}`));
  }
  return out;
}

/** Only the lines of `diff` about the table `schema.table` (its rows, privileges, RLS, policies, schema). */
export function aboutTable(diff: string[], table: string): string[] {
  const [schema = '', name = ''] = table.split('.');
  const re = new RegExp(`\\b${schema}\\.${name}\\b`);
  return diff.filter((line) => re.test(line));
}

/** `snap` with the large objects and publications of role `from` owned by `to` (a restore without owners). */
export function ownedBy(snap: Snapshot, from: string, to: string): Snapshot {
  const swap = (line: string) =>
    line.replace(`owned by ${from}`, `owned by ${to}`).replace(`(owner ${from},`, `(owner ${to},`);
  return {
    ...snap,
    largeObjects: snap.largeObjects.map(swap).sort(),
    publications: snap.publications.map(swap).sort(),
  };
}

/** The privileges `role` has in `after` on a table where it had fewer (or none) in `before`. */
export function privilegesGained(before: Snapshot, after: Snapshot, role: string): string[] {
  const had = new Map(
    before.privileges.map((l) => [l.slice(0, l.lastIndexOf(':')), l.slice(l.lastIndexOf(':') + 2)]),
  );
  return after.privileges.filter((line) => {
    const key = line.slice(0, line.lastIndexOf(':'));
    if (!key.endsWith(` ${role}`)) return false;
    const now = line.slice(line.lastIndexOf(':') + 2).split(',');
    const then = (had.get(key) ?? 'none').split(',');
    return now.some((p) => p !== 'none' && !then.includes(p));
  });
}
