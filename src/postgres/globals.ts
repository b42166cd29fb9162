// Creating a backup's roles and tablespaces on a restore target, inside the restore's safety
// rules: nothing is dropped or altered, an existing role is kept exactly as it is, roles reserved
// by PostgreSQL or a provider are skipped, and a second run changes nothing.
import type pg from 'pg';
import * as core from '@actions/core';
import { ActionError, describeError } from '../errors.js';
import type { GlobalsStatement } from './globals-sql.js';
import { quoteIdent } from './target.js';

/** What applying the globals did, for the summary and the log. */
export interface GlobalsResult {
  /** Roles created by this run. */
  created: string[];
  /** Roles that existed on the target and were left exactly as they are. */
  kept: string[];
  /** Roles never touched, and why (reserved by PostgreSQL or a provider, the connecting user). */
  skipped: { name: string; reason: string }[];
  /** Memberships granted (`role → member`), and those left out (a member that was kept or skipped). */
  memberships: { granted: string[]; skipped: string[] };
  /** Tablespaces created, kept (they existed) or not created (e.g. the location is missing there). */
  tablespaces: { created: string[]; kept: string[]; failed: { name: string; reason: string }[] };
  /** Statements of the script that were not applied (SET lines, grants on parameters, ...). */
  ignored: number;
}

/** What the target already has, read before anything is created. */
export interface TargetRoles {
  /** The connecting user (current_user). */
  currentUser: string;
  /** The bootstrap superuser (the role with OID 10). */
  bootstrap: string;
  roles: Set<string>;
  tablespaces: Set<string>;
}

/**
 * Roles a provider reserves, told by the role that marks its servers: on that provider's server
 * they are its own; anywhere else (a move to self-hosted PostgreSQL) they are ordinary roles the
 * backup's objects are owned by, and are created.
 */
const PROVIDERS: { name: string; marker: string; roles: RegExp }[] = [
  { name: 'RDS', marker: 'rdsadmin', roles: /^(rds_|rdsadmin$)/ },
  { name: 'Cloud SQL', marker: 'cloudsqlsuperuser', roles: /^cloudsql/ },
  { name: 'Supabase', marker: 'supabase_admin', roles: /^supabase_/ },
  { name: 'Azure', marker: 'azure_superuser', roles: /^azure_/ },
];

/** Why a role of the backup is never touched on this target; undefined when it may be created. */
export function reservedReason(name: string, target: TargetRoles): string | undefined {
  if (name === target.currentUser) return 'the connecting user';
  if (name === target.bootstrap) return 'the bootstrap superuser of the target';
  if (name.startsWith('pg_')) return 'reserved by PostgreSQL';
  const provider = PROVIDERS.find((p) => p.roles.test(name) && target.roles.has(p.marker));
  return provider ? `reserved by ${provider.name} on this server` : undefined;
}

/** Decides what to do with every role of the script: pure, so it is table-tested. */
export function planRoles(statements: GlobalsStatement[], target: TargetRoles): GlobalsResult {
  const result: GlobalsResult = {
    created: [],
    kept: [],
    skipped: [],
    memberships: { granted: [], skipped: [] },
    tablespaces: { created: [], kept: [], failed: [] },
    ignored: statements.filter((s) => s.kind === 'ignored').length,
  };
  for (const s of statements) {
    if (s.kind !== 'create-role') continue;
    const reason = reservedReason(s.role, target);
    if (reason) result.skipped.push({ name: s.role, reason });
    else if (target.roles.has(s.role)) result.kept.push(s.role);
    else result.created.push(s.role);
  }
  return result;
}

/** The SQL that creates the planned roles, their settings and their memberships, in order. */
export function roleStatements(
  statements: GlobalsStatement[],
  target: TargetRoles,
  result: GlobalsResult,
): string[] {
  const created = new Set(result.created);
  const sql: string[] = [];
  for (const s of statements) {
    if (s.kind === 'create-role' && created.has(s.role))
      sql.push(`CREATE ROLE ${quoteIdent(s.role)}`);
    if (s.kind === 'role-attributes' && created.has(s.role) && s.attributes.length)
      sql.push(`ALTER ROLE ${quoteIdent(s.role)} WITH ${s.attributes.join(' ')}`);
    if (s.kind === 'role-setting' && created.has(s.role)) sql.push(s.sql);
    if (s.kind === 'membership') sql.push(...grants(s, target, created, result));
  }
  return sql;
}

// A member's memberships are part of it: only a member this run created gets them, and only of
// roles that exist once the roles are created.
function grants(
  s: Extract<GlobalsStatement, { kind: 'membership' }>,
  target: TargetRoles,
  created: Set<string>,
  result: GlobalsResult,
): string[] {
  const sql: string[] = [];
  for (const role of s.roles) {
    for (const member of s.members) {
      const pair = `${role} → ${member}`;
      if (created.has(member) && (created.has(role) || target.roles.has(role))) {
        result.memberships.granted.push(pair);
        const options = s.options ? ` ${s.options}` : '';
        sql.push(`GRANT ${quoteIdent(role)} TO ${quoteIdent(member)}${options}`);
      } else result.memberships.skipped.push(pair);
    }
  }
  return sql;
}

/** Reads what roles and tablespaces the target has. */
export async function readTargetRoles(client: pg.Client): Promise<TargetRoles> {
  const who = await client.query<{ me: string; boot: string }>(
    `SELECT current_user AS me, (SELECT rolname FROM pg_catalog.pg_roles WHERE oid = 10) AS boot`,
  );
  const roles = await client.query<{ n: string }>(`SELECT rolname AS n FROM pg_catalog.pg_roles`);
  const spaces = await client.query<{ n: string }>(
    `SELECT spcname AS n FROM pg_catalog.pg_tablespace`,
  );
  return {
    currentUser: who.rows[0]?.me ?? '',
    bootstrap: who.rows[0]?.boot ?? '',
    roles: new Set(roles.rows.map((r) => r.n)),
    tablespaces: new Set(spaces.rows.map((r) => r.n)),
  };
}

/**
 * Creates the roles (one transaction: all or none), then the tablespaces (each on its own, as
 * CREATE TABLESPACE cannot run in a transaction; one that cannot be created is a warning).
 */
export async function applyGlobals(
  client: pg.Client,
  statements: GlobalsStatement[],
): Promise<GlobalsResult> {
  const target = await readTargetRoles(client);
  const result = planRoles(statements, target);
  await inTransaction(client, roleStatements(statements, target, result));
  for (const name of result.created) target.roles.add(name);
  await createTablespaces(client, statements, target, result);
  return result;
}

async function inTransaction(client: pg.Client, sql: string[]): Promise<void> {
  if (!sql.length) return;
  await client.query('BEGIN');
  for (const statement of sql) {
    try {
      await client.query(statement);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new ActionError(
        `Creating the backup's roles failed at "${describeStatement(statement)}" (${describeError(error)}); no role was created and the database was not restored.`,
        { cause: error },
      );
    }
  }
  await client.query('COMMIT');
}

/** A statement as it may be logged: a password never. */
function describeStatement(sql: string): string {
  return sql.replace(/PASSWORD\s+'(?:[^']|'')*'/gi, "PASSWORD '***'").slice(0, 200);
}

async function createTablespaces(
  client: pg.Client,
  statements: GlobalsStatement[],
  target: TargetRoles,
  result: GlobalsResult,
): Promise<void> {
  const made = new Set<string>();
  for (const s of statements) {
    if (s.kind === 'create-tablespace') {
      if (target.tablespaces.has(s.tablespace)) result.tablespaces.kept.push(s.tablespace);
      else if (await tryCreate(client, s, target, result)) made.add(s.tablespace);
    }
    if (s.kind === 'tablespace-setting' && made.has(s.tablespace))
      await client.query(s.sql).catch((error: unknown) => {
        core.warning(
          `Tablespace ${s.tablespace}: ${describeError(error)} (${s.sql.slice(0, 120)})`,
        );
      });
  }
}

async function tryCreate(
  client: pg.Client,
  s: Extract<GlobalsStatement, { kind: 'create-tablespace' }>,
  target: TargetRoles,
  result: GlobalsResult,
): Promise<boolean> {
  const owner = s.owner && target.roles.has(s.owner) ? ` OWNER ${quoteIdent(s.owner)}` : '';
  try {
    await client.query(
      `CREATE TABLESPACE ${quoteIdent(s.tablespace)}${owner} LOCATION ${s.location}`,
    );
    result.tablespaces.created.push(s.tablespace);
    return true;
  } catch (error) {
    const reason = describeError(error);
    result.tablespaces.failed.push({ name: s.tablespace, reason });
    core.warning(
      `Tablespace ${s.tablespace} was not created (${reason}): create it on the target by hand if the database uses it.`,
    );
    return false;
  }
}
