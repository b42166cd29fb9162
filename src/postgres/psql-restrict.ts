import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { ActionError } from '../errors.js';
import { parseClientVersion } from './client.js';
import { clientProgram, type PgClient } from './install/installer.js';

const run = promisify(execFile);

/**
 * The first release of each major whose psql has `\restrict` (PostgreSQL 18, back-patched in
 * August 2025); majors older than 13 never got it.
 */
const RESTRICT_SINCE: Record<number, number> = { 13: 22, 14: 19, 15: 14, 16: 10, 17: 6, 18: 0 };

/** The psql releases that can be restricted, for messages. */
export const RESTRICTING_PSQL = '13.22, 14.19, 15.14, 16.10, 17.6, 18.0 or newer of its major';

/** Whether a psql of `version` (e.g. `15.14`) knows `\restrict`. */
export function psqlCanRestrict(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const since = RESTRICT_SINCE[major];
  return major > 18 || (since !== undefined && minor >= since);
}

/**
 * The version of a client's psql (`psql --version`); throws an ActionError naming the psql
 * needed when it cannot be restricted: then no restore may pipe a backup's SQL into it.
 */
export async function requireRestrictingPsql(
  client: PgClient,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const psql = clientProgram(client, 'psql');
  const { stdout } = await run(psql, ['--version'], {
    timeout: 15_000,
    env,
  }).catch((error: unknown) => {
    throw new ActionError(`psql could not be run (${psql}): ${(error as Error).message}`);
  });
  const version = parseClientVersion(stdout) ?? '';
  if (psqlCanRestrict(version)) return version;
  throw new ActionError(
    `psql ${version || stdout.trim()} (${client.binDir}) cannot restrict meta-commands (\\restrict), which a restore through psql needs so that no psql command written in a backup can run on this machine: use psql ${RESTRICTING_PSQL} (pg-version or pg-bin-dir), or restore a custom or tar backup straight into a server at least as new as its pg_restore, without overwrite.`,
  );
}

/** A fresh key for `\restrict` (hex, unguessable), one per restore. */
export function newRestrictKey(): string {
  return randomBytes(24).toString('hex');
}

/** The first line psql reads: from here on it refuses every meta-command but `\unrestrict KEY`. */
export function restrictLine(key: string): string {
  return `\\restrict ${key}\n`;
}
