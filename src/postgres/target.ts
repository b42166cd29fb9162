import type pg from 'pg';
import { ActionError } from '../errors.js';
import { INPUTS } from '../input-names.js';
import type { Connection } from './connection.js';
import { tableKey } from './archive-toc.js';
import { readInfo, withConnection, type ServerInfo } from './server.js';

const WHAT = INPUTS.targetDatabaseUrl;
const USER_TABLES = `SELECT count(*)::int AS n FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
    AND d.objid = c.oid AND d.deptype = 'e')`;
/** The configuration tables of extensions and the filter pg_dump dumps them with (`WHERE …` or ''). */
export const EXTENSION_TABLES = `SELECT n.nspname AS schema, c.relname AS name, e.extcondition[i] AS cond
  FROM pg_catalog.pg_extension e
  CROSS JOIN LATERAL pg_catalog.generate_subscripts(e.extconfig, 1) AS i
  JOIN pg_catalog.pg_class c ON c.oid = e.extconfig[i] JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`;

/** What the restore target looks like before anything is changed. */
export type TargetState =
  | { exists: false; server: ServerInfo }
  | { exists: true; server: ServerInfo; userTables: number; settings: Set<string> };

/** Reads the target's state; a missing database is a state, not an error. */
export async function inspectTarget(conn: Connection): Promise<TargetState> {
  try {
    return await withConnection(conn, WHAT, async (client) => ({
      exists: true as const,
      server: await readInfo(client),
      userTables: await scalar(client, USER_TABLES),
      settings: await settingNames(client),
    }));
  } catch (error) {
    if (!/does not exist/.test((error as Error).message)) throw error;
    const server = await withMaintenance(conn, readInfo);
    return { exists: false, server };
  }
}

/** Creates the target database (connected to the maintenance database `postgres`). */
export async function createTargetDatabase(conn: Connection): Promise<void> {
  await withMaintenance(conn, (client) =>
    client.query(`CREATE DATABASE ${quoteIdent(conn.database)}`),
  );
}

/** Drops the target database, used only when this run created it and the restore failed. */
export async function dropTargetDatabase(conn: Connection): Promise<void> {
  await withMaintenance(conn, (client) =>
    // FORCE: a database this run created may have gained connections it did not open (pg_cron's
    // launcher connects to the database named by cron.database_name).
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(conn.database)} WITH (FORCE)`),
  );
}

/** The names of the server's settings (to tell which SET lines of a newer dump it knows). */
export async function targetSettings(conn: Connection): Promise<Set<string>> {
  return withConnection(conn, WHAT, settingNames);
}

/**
 * Exact row counts (own rows only) of the given tables; a missing table counts as -1. An
 * extension's configuration table counts the rows pg_dump dumps of it (its filter), not the rows
 * CREATE EXTENSION inserted (PostGIS's 8,500 spatial_ref_sys rows).
 */
export async function countRows(
  conn: Connection,
  tables: { schema: string; name: string }[],
): Promise<number[]> {
  return withConnection(conn, WHAT, async (client) => {
    const filters = await extensionFilters(client);
    const counts: number[] = [];
    for (const t of tables) {
      const filter = filters.get(tableKey(t.schema, t.name)) ?? '';
      const sql = `SELECT count(*)::bigint AS n FROM ONLY ${quoteIdent(t.schema)}.${quoteIdent(t.name)} ${filter}`;
      counts.push(await scalar(client, sql).catch(() => -1));
    }
    return counts;
  });
}

async function extensionFilters(client: pg.Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ schema: string; name: string; cond: string | null }>(
    EXTENSION_TABLES,
  );
  return new Map(rows.map((r) => [tableKey(r.schema, r.name), r.cond ?? '']));
}

/** Runs `work` over the target server's maintenance database (`postgres`, else `template1`). */
export async function withMaintenance<T>(
  conn: Connection,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  try {
    return await withConnection(conn, WHAT, work, 'postgres');
  } catch (error) {
    if (!/does not exist/.test((error as Error).message)) throw error;
    return withConnection(conn, WHAT, work, 'template1');
  }
}

async function scalar(client: pg.Client, sql: string): Promise<number> {
  const result = await client.query<{ n: string | number }>(sql);
  const n = Number(result.rows[0]?.n);
  if (!Number.isFinite(n)) throw new ActionError(`Unexpected answer to: ${sql}`);
  return n;
}

async function settingNames(client: pg.Client): Promise<Set<string>> {
  const result = await client.query<{ name: string }>('SELECT name FROM pg_catalog.pg_settings');
  return new Set(result.rows.map((r) => r.name));
}

/** Quotes an SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
