import type pg from 'pg';
import type { Connection } from './connection.js';
import { LOCK_CAPACITY_SQL, probeSql, type LockCapacity } from './lock-budget.js';
import { withConnection } from './server.js';

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
  schemas: Map<string, { mine: boolean }>;
  publications: Set<string>;
  /** Whether the target has default privileges, which objects the restore creates would get. */
  defaultPrivileges: boolean;
  /** The server's lock table: a one-transaction restore must fit in it. */
  locks: LockCapacity;
}

const WHAT = 'target-database-url';
const USER = `SELECT current_user AS user, r.rolsuper AS superuser, r.rolcreatedb AS createdb,
  pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') AS can_create,
  pg_catalog.current_setting('server_version') AS version,
  EXISTS (SELECT 1 FROM pg_catalog.pg_default_acl) AS default_acl, ${LOCK_CAPACITY_SQL}
  FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`;
const ROLES = `SELECT rolname AS name, pg_catalog.pg_has_role(current_user, oid, 'MEMBER') AS member
  FROM pg_catalog.pg_roles`;
const AVAILABLE = `SELECT name, bool_or(trusted) AS trusted
  FROM pg_catalog.pg_available_extension_versions GROUP BY name`;
const SCHEMAS = `SELECT nspname AS name, pg_catalog.pg_has_role(current_user, nspowner, 'MEMBER') AS mine
  FROM pg_catalog.pg_namespace`;

/** Reads the facts from the target database, or (`exists` false) from the server for a new one. */
export async function readTargetFacts(conn: Connection, exists: boolean): Promise<TargetFacts> {
  const read = (client: pg.Client) => factsOf(client, exists);
  return withConnection(conn, WHAT, read, exists ? undefined : 'template1').catch((error) => {
    if (exists) throw error;
    return withConnection(conn, WHAT, read, 'postgres');
  });
}

async function factsOf(client: pg.Client, exists: boolean): Promise<TargetFacts> {
  const rows = async <T extends pg.QueryResultRow>(sql: string) =>
    (await client.query<T>(sql)).rows;
  const [me] = await rows<Record<string, string | number | boolean>>(USER);
  const roles = await rows<{ name: string; member: boolean }>(ROLES);
  const superuser = me?.superuser === true;
  const member = new Set(roles.filter((r) => r.member).map((r) => r.name));
  const schemas = await rows<{ name: string; mine: boolean }>(SCHEMAS);
  return {
    user: String(me?.user ?? ''),
    superuser,
    serverVersion: String(me?.version ?? '').split(' ')[0] ?? '',
    // A database this run creates is owned by this user.
    canCreate: exists ? me?.can_create === true : true,
    canCreateDatabase: superuser || me?.createdb === true,
    roles: new Set(roles.map((r) => r.name)),
    actsAs: (role) => superuser || member.has(role),
    extensions: new Set(
      (await rows<{ extname: string }>('SELECT extname FROM pg_catalog.pg_extension')).map(
        (r) => r.extname,
      ),
    ),
    available: new Map(
      (await rows<{ name: string; trusted: boolean }>(AVAILABLE)).map((r) => [
        r.name,
        { trusted: r.trusted },
      ]),
    ),
    // A new database's schemas are its template's, and its creator owns public.
    schemas: new Map(schemas.map((s) => [s.name, { mine: exists ? s.mine : true }])),
    publications: new Set(
      exists
        ? (await rows<{ pubname: string }>('SELECT pubname FROM pg_catalog.pg_publication')).map(
            (r) => r.pubname,
          )
        : [],
    ),
    defaultPrivileges: exists && me?.default_acl === true,
    locks: { maxLocksPerTransaction: Number(me?.max_locks), backends: Number(me?.backends) },
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
  what = WHAT,
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
