import type pg from 'pg';
import type { Connection } from './connection.js';
import { INPUTS } from '../input-names.js';
import { LOCK_CAPACITY_SQL, probeSql, type LockCapacity } from './lock-budget.js';
import { withConnection } from './server.js';
import { tableKey } from './archive-toc.js';
import { EXTENSION_TABLES } from './target.js';

/** What the restore plan needs to know of the target: the user, roles, extensions, schemas. */
export interface TargetFacts {
  user: string;
  superuser: boolean;
  serverVersion: string;
  /** CREATE on the target database (a database this run creates is its own). */
  canCreate: boolean;
  /** CREATEDB (or superuser): may create the target when it does not exist. */
  canCreateDatabase: boolean;
  roles: Set<string>;
  /** Whether this user may act as a role (superuser, or a member of it). */
  actsAs(role: string): boolean;
  /** Extensions installed in the target database. */
  extensions: Set<string>;
  /** Extensions the server can install, and whether a non-superuser may (trusted). */
  available: Map<string, { trusted: boolean }>;
  /** Schemas of the target, and whether this user owns them (or is a member of the owner). */
  schemas: Map<string, { mine: boolean; create: boolean }>;
  /** Functions and procedures of the target outside the system schemas (keys of tableKey). */
  routines: Set<string>;
  /** Event triggers of the target (a provider's). */
  eventTriggers: Set<string>;
  /** Extension configuration tables of the target and the filter pg_dump dumps them with. */
  extensionTables: Map<string, string>;
  publications: Set<string>;
  /** Whether the target has default privileges, which objects the restore creates would get. */
  defaultPrivileges: boolean;
  /** The server's lock table: a one-transaction restore must fit in it. */
  locks: LockCapacity;
}

const WHAT = INPUTS.targetDatabaseUrl;
const USER = `SELECT current_user AS user, r.rolsuper AS superuser, r.rolcreatedb AS createdb,
  pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') AS can_create,
  pg_catalog.current_setting('server_version') AS version,
  EXISTS (SELECT 1 FROM pg_catalog.pg_default_acl) AS default_acl, ${LOCK_CAPACITY_SQL}
  FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`;
const ROLES = `SELECT rolname AS name, pg_catalog.pg_has_role(current_user, oid, 'MEMBER') AS member
  FROM pg_catalog.pg_roles`;
const AVAILABLE = `SELECT name, bool_or(trusted) AS trusted
  FROM pg_catalog.pg_available_extension_versions GROUP BY name`;
const SCHEMAS = `SELECT nspname AS name, pg_catalog.pg_has_role(current_user, nspowner, 'MEMBER') AS mine,
  pg_catalog.has_schema_privilege(oid, 'CREATE') AS create FROM pg_catalog.pg_namespace`;
const ROUTINES = `SELECT DISTINCT n.nspname AS schema, p.proname AS name FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`;

/** Reads the facts from the target database, or (`exists` false) from the server for a new one. */
export async function readTargetFacts(conn: Connection, exists: boolean): Promise<TargetFacts> {
  const read = (client: pg.Client) => factsOf(client, exists);
  return withConnection(conn, WHAT, read, exists ? undefined : 'template1').catch((error) => {
    if (exists) throw error;
    return withConnection(conn, WHAT, read, 'postgres');
  });
}

type Row = Record<string, string | boolean | number | null>;

/** The catalog rows the facts are made of; the database-level ones only when it exists. */
async function readRows(client: pg.Client, exists: boolean): Promise<Record<string, Row[]>> {
  const rows = async (sql: string) => (await client.query<Row>(sql)).rows;
  const inDatabase = async (sql: string) => (exists ? rows(sql) : []);
  return {
    me: await rows(USER),
    roles: await rows(ROLES),
    schemas: await rows(SCHEMAS),
    extensions: await rows('SELECT extname AS name FROM pg_catalog.pg_extension'),
    available: await rows(AVAILABLE),
    routines: await inDatabase(ROUTINES),
    configs: await inDatabase(EXTENSION_TABLES),
    publications: await inDatabase('SELECT pubname AS name FROM pg_catalog.pg_publication'),
    eventTriggers: await inDatabase('SELECT evtname AS name FROM pg_catalog.pg_event_trigger'),
  };
}

const keyOf = (r: Row) => tableKey(String(r.schema), String(r.name));
const names = (rows: Row[] = []) => new Set(rows.map((r) => String(r.name)));

async function factsOf(client: pg.Client, exists: boolean): Promise<TargetFacts> {
  const r = await readRows(client, exists);
  const me = r.me?.[0] ?? {};
  const superuser = me.superuser === true;
  const member = names(r.roles?.filter((x) => x.member === true));
  return {
    user: String(me.user ?? ''),
    superuser,
    serverVersion: String(me.version ?? '').split(' ')[0] ?? '',
    // A database this run creates is owned by this user.
    canCreate: exists ? me.can_create === true : true,
    canCreateDatabase: superuser || me.createdb === true,
    roles: names(r.roles),
    actsAs: (role) => superuser || member.has(role),
    extensions: names(r.extensions),
    available: new Map(
      (r.available ?? []).map((x) => [String(x.name), { trusted: x.trusted === true }]),
    ),
    // A new database's schemas are its template's, and its creator owns public.
    schemas: new Map(
      (r.schemas ?? []).map((x) => [
        String(x.name),
        { mine: !exists || x.mine === true, create: !exists || x.create === true },
      ]),
    ),
    routines: new Set((r.routines ?? []).map(keyOf)),
    extensionTables: new Map((r.configs ?? []).map((c) => [keyOf(c), String(c.cond ?? '')])),
    publications: names(r.publications),
    eventTriggers: names(r.eventTriggers),
    defaultPrivileges: exists && me.default_acl === true,
    locks: { maxLocksPerTransaction: Number(me.max_locks), backends: Number(me.backends) },
  };
}

/**
 * Whether one transaction on the target's server can hold `n` more locks now: takes that many
 * advisory locks in a transaction and rolls it back (nothing is changed). Out of shared memory
 * means it cannot.
 */
export async function lockTableHolds(
  conn: Connection,
  exists: boolean,
  n: number,
  what: string = WHAT,
): Promise<boolean> {
  const probe = async (client: pg.Client) => {
    await client.query('BEGIN');
    try {
      await client.query(probeSql(n));
      return true;
    } catch (error) {
      if (/out of shared memory/.test((error as Error).message)) return false;
      throw error;
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
    }
  };
  return withConnection(conn, what, probe, exists ? undefined : 'postgres');
}
