import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { INPUTS } from '../input-names.js';
import pg from 'pg';
import { ActionError, describeError } from '../errors.js';
import type { Connection } from './connection.js';
import { LOCK_CAPACITY_SQL, type LockCapacity } from './lock-budget.js';

/** What the server says about itself. */
export interface ServerInfo {
  /** e.g. `17.2`. */
  version: string;
  /** e.g. `170002`. */
  versionNum: number;
  /** The major version, e.g. 17. */
  major: number;
  /** The database connected to. */
  database: string;
  /** pg_database_size of that database in bytes: an upper estimate of a dump's size. */
  databaseSize: number;
  /** Tables whose rows row-level security may hide from this user (no superuser, BYPASSRLS or ownership). */
  rlsHidden?: string[];
  /** User relations (tables, TOAST, indexes, sequences, views): the locks a restore of it holds. */
  relations?: number;
  /** The server's lock table. */
  locks?: LockCapacity;
}

const CONNECT_TIMEOUT_MS = 20_000;

const INFO_SQL = `SELECT current_setting('server_version') AS server_version,
  current_setting('server_version_num') AS server_version_num, current_database() AS db,
  pg_database_size(current_database()) AS size,
  (SELECT coalesce(array_agg(n.nspname || '.' || c.relname ORDER BY n.nspname, c.relname), '{}')
   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relrowsecurity AND c.relkind IN ('r', 'p') AND NOT pg_catalog.pg_has_role(c.relowner, 'USAGE')
     AND NOT (SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r WHERE r.rolname = current_user)
  ) AS rls_hidden,
  (SELECT count(*) FROM pg_catalog.pg_class c WHERE c.oid >= 16384 AND c.relkind IN ('r', 'p', 't', 'i', 'S', 'v', 'm')
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
  )::int AS relations, ${LOCK_CAPACITY_SQL}`;

/** Connects once with the `pg` driver and reads the server version; errors say what to fix. */
export async function readServerInfo(
  conn: Connection,
  what: string = INPUTS.databaseUrl,
): Promise<ServerInfo> {
  return withConnection(conn, what, readInfo);
}

/** Reads the ServerInfo over an open connection. */
export async function readInfo(client: pg.Client): Promise<ServerInfo> {
  const result = await client.query<Record<string, unknown>>(INFO_SQL);
  return toServerInfo(result.rows[0] ?? {});
}

/** Maps the row of INFO_SQL to a ServerInfo. */
export function toServerInfo(row: Record<string, unknown>): ServerInfo {
  const versionNum = Number(row.server_version_num);
  return {
    version: String(row.server_version).split(' ')[0] ?? '',
    versionNum,
    major: Math.floor(versionNum / 10000),
    database: String(row.db),
    databaseSize: Number(row.size) || 0,
    rlsHidden: Array.isArray(row.rls_hidden) ? row.rls_hidden.map(String) : [],
    relations: Number(row.relations) || 0,
    locks: { maxLocksPerTransaction: Number(row.max_locks), backends: Number(row.backends) },
  };
}

/** Runs `work` on one connection (TLS per sslmode, with its fallbacks); errors say what to fix. */
export async function withConnection<T>(
  conn: Connection,
  what: string,
  work: (client: pg.Client) => Promise<T>,
  database = conn.database,
): Promise<T> {
  const sslModes = sslAttempts(conn.params.sslmode ?? 'prefer', conn.params);
  for (const [i, ssl] of sslModes.entries()) {
    let client: pg.Client;
    try {
      client = await connectWith(conn, ssl, database);
    } catch (error) {
      const last = i === sslModes.length - 1;
      if (!last && /SSL|encryption/i.test(describeError(error))) continue;
      throw explainConnectError(error, { ...conn, database }, what);
    }
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new ActionError(`Could not connect to the server of '${what}'.`);
}

async function connectWith(
  conn: Connection,
  ssl: false | ConnectionOptions,
  database: string,
): Promise<pg.Client> {
  const client = new pg.Client({
    host: conn.host || undefined,
    port: conn.port,
    user: conn.user || undefined,
    password: conn.password,
    database,
    ssl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'postgres-backup-action',
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The TLS settings to try in order for a libpq sslmode. */
export function sslAttempts(
  mode: string,
  params: Record<string, string> = {},
): (false | ConnectionOptions)[] {
  switch (mode) {
    case 'disable':
      return [false];
    case 'allow':
      return [false, { rejectUnauthorized: false }];
    case 'prefer':
      return [{ rejectUnauthorized: false }, false];
    case 'require':
      return [{ rejectUnauthorized: false }];
    case 'verify-ca':
      return [{ ...tlsFiles(params), checkServerIdentity: () => undefined }];
    case 'verify-full':
      return [tlsFiles(params)];
    default:
      throw new ActionError(
        `Unknown sslmode '${mode}' in database-url: use disable, allow, prefer, require, verify-ca or verify-full.`,
      );
  }
}

function tlsFiles(params: Record<string, string>): ConnectionOptions {
  const read = (p: string | undefined) => (p ? readFileSync(p) : undefined);
  const ca =
    params.sslrootcert && params.sslrootcert !== 'system' ? read(params.sslrootcert) : undefined;
  return { ca, cert: read(params.sslcert), key: read(params.sslkey) };
}

/** Turns a driver error into one line that says what failed and what to do. */
export function explainConnectError(error: unknown, conn: Connection, what: string): ActionError {
  const code = (error as { code?: string }).code ?? '';
  const message = describeError(error);
  const where = `${conn.host || 'localhost'}:${conn.port}`;
  const hint = CONNECT_HINTS[code] ?? hintFromMessage(message);
  const user = conn.user ? ` as user '${conn.user}'` : '';
  const text = hint
    .replace('{where}', () => where)
    .replace('{user}', () => user)
    .replace('{db}', () => conn.database)
    .replace('{what}', () => what);
  return new ActionError(`${text} (${message})`, { cause: error });
}

// What to check when packets do not arrive: most often a firewall, or an IPv6-only host on a runner
// that has no IPv6 (GitHub-hosted runners have none).
const UNREACHABLE =
  "Check what stands between the runner and the server: a firewall or IP allow-list must admit the runner's address (GitHub-hosted runners' addresses change: allow them, or run the job on a self-hosted runner inside the database's network); an IPv6-only host (such as Supabase's direct db.<project>.supabase.co) cannot be reached from GitHub-hosted runners, which have no IPv6: use the provider's session pooler (IPv4) instead; and check the host and port.";

const CONNECT_HINTS: Record<string, string> = {
  ECONNREFUSED:
    'Could not connect to {where} ({what}): connection refused. Is the server running and reachable from the runner?',
  ENOTFOUND:
    "Could not resolve the host of {what} ({where}). Check the host name in the URL; a host with only an IPv6 address (such as Supabase's direct db.<project>.supabase.co) is not found on runners without IPv6: use the provider's session pooler (IPv4) instead.",
  EAI_AGAIN:
    "Could not resolve the host of {what} ({where}). Check the host name and the runner's DNS.",
  ETIMEDOUT: `Timed out connecting to {where} ({what}). ${UNREACHABLE}`,
  EHOSTUNREACH: `Host {where} ({what}) is unreachable from the runner. ${UNREACHABLE}`,
  ENETUNREACH: `The network of {where} ({what}) is unreachable from the runner. ${UNREACHABLE}`,
  EADDRNOTAVAIL: `The address of {where} ({what}) cannot be reached from the runner. ${UNREACHABLE}`,
  '28P01':
    'Authentication failed{user} on {where} ({what}). Check the user name and password in the URL (percent-encode special characters).',
  '3D000':
    "Database '{db}' does not exist on {where} ({what}). Check the database name at the end of the URL.",
  '28000':
    'The server at {where} refused the connection{user} ({what}). If it requires SSL, add ?sslmode=require to the URL; otherwise check pg_hba.conf.',
  '53300':
    'The server at {where} has too many connections ({what}). Try again later or raise max_connections.',
  '57P03': 'The server at {where} is starting up or shutting down ({what}). Try again in a moment.',
};

function hintFromMessage(message: string): string {
  if (/timeout/i.test(message)) return CONNECT_HINTS.ETIMEDOUT ?? '';
  if (/SSL|certificate/i.test(message)) {
    return 'The TLS connection to {where} failed ({what}). Check sslmode, sslrootcert and the server certificate.';
  }
  return 'Could not connect to {where} ({what}).';
}
