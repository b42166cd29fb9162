import type pg from 'pg';
import type { Connection } from './connection.js';
import { INPUTS } from '../input-names.js';
import { withConnection } from './server.js';
import { quoteIdent } from './target.js';

const WHAT = INPUTS.targetDatabaseUrl;

// Valid, ready B-tree indexes (not partitioned parents) of user schemas, by OID and display name.
const BTREE_INDEXES = `SELECT c.oid::int8 AS oid, c.oid::regclass::text AS name
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
  JOIN pg_catalog.pg_am a ON a.oid = c.relam
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE a.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid AND i.indisready
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  ORDER BY 2`;

const EXTENSION_SCHEMA = `SELECT n.nspname AS schema FROM pg_catalog.pg_extension e
  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'amcheck'`;

/** One index that bt_index_check rejected. */
export interface IndexFailure {
  index: string;
  error: string;
}

/** What the index check found. */
export type AmcheckReport =
  | { available: false; /** Why amcheck could not be used. */ reason: string }
  | {
      available: true;
      /** True when this check created the extension (the caller may drop it again). */
      created: boolean;
      /** B-tree indexes checked. */
      checked: number;
      failures: IndexFailure[];
    };

/**
 * Runs amcheck's bt_index_check (with heapallindexed: every heap tuple is in the index) on every
 * B-tree index of the user schemas, creating the extension when it is missing and may be created.
 */
export async function checkBtreeIndexes(
  conn: Connection,
  signal?: AbortSignal,
): Promise<AmcheckReport> {
  return withConnection(conn, WHAT, async (client) => {
    const ready = await ensureAmcheck(client);
    if ('reason' in ready) return { available: false, reason: ready.reason };
    const indexes = await client.query<{ oid: string; name: string }>(BTREE_INDEXES);
    const failures: IndexFailure[] = [];
    const check = `SELECT ${quoteIdent(ready.schema)}.bt_index_check($1::oid::regclass, true)`;
    for (const index of indexes.rows) {
      signal?.throwIfAborted();
      await client.query(check, [index.oid]).catch((error: Error) => {
        failures.push({ index: index.name, error: error.message });
      });
    }
    return { available: true, created: ready.created, checked: indexes.rows.length, failures };
  });
}

/** Drops the amcheck extension again (after a check that created it in a database that is kept). */
export async function dropAmcheck(conn: Connection): Promise<void> {
  await withConnection(conn, WHAT, (client) => client.query('DROP EXTENSION IF EXISTS amcheck'));
}

async function ensureAmcheck(
  client: pg.Client,
): Promise<{ schema: string; created: boolean } | { reason: string }> {
  const existing = await extensionSchema(client);
  if (existing) return { schema: existing, created: false };
  try {
    await client.query('CREATE EXTENSION amcheck');
  } catch (error) {
    return { reason: (error as Error).message };
  }
  const schema = await extensionSchema(client);
  return schema
    ? { schema, created: true }
    : { reason: 'the extension was not found after CREATE' };
}

async function extensionSchema(client: pg.Client): Promise<string | undefined> {
  const result = await client.query<{ schema: string }>(EXTENSION_SCHEMA);
  return result.rows[0]?.schema;
}
