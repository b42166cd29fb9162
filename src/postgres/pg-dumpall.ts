import type pg from 'pg';
import { clientProgram, type PgClient } from './install/installer.js';
import { toConninfo, type Connection } from './connection.js';
import { startProcess, type RunningProcess } from './process.js';

/** Whether the connected user may read role passwords (pg_authid): superusers, not managed users. */
export async function canReadRolePasswords(client: pg.Client): Promise<boolean> {
  const result = await client.query<{ ok: boolean }>(
    `SELECT has_table_privilege('pg_catalog.pg_authid', 'SELECT') AS ok`,
  );
  return result.rows[0]?.ok === true;
}

/** pg_dumpall's argv for roles and tablespaces only; pure, no shell, never a password. */
export function pgDumpallArgs(connection: Connection, rolePasswords: boolean): string[] {
  return [
    '--globals-only',
    '--no-password',
    ...(rolePasswords ? [] : ['--no-role-passwords']),
    `--dbname=${toConninfo(connection)}`,
  ];
}

/** Starts pg_dumpall; the caller awaits both its stdout and `exited`. */
export function startPgDumpall(
  client: PgClient,
  args: string[],
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): RunningProcess {
  return startProcess(clientProgram(client, 'pg_dumpall'), args, {
    env,
    signal,
    name: 'pg_dumpall',
  });
}
