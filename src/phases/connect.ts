// The backup's first phases: connect and look at the server, then find the matching pg_dump.
import * as core from '@actions/core';
import { INPUTS } from '../input-names.js';
import { findClient, type ChosenClient } from '../postgres/client.js';
import { capacityOf, lockProblem } from '../postgres/lock-budget.js';
import { readServerInfo, type ServerInfo } from '../postgres/server.js';
import { lockTableHolds } from '../postgres/target-facts.js';
import type { BackupSettings } from '../settings.js';

/** Connects, says what the server is, and warns about what would make the backup hard to restore. */
export async function connectForBackup(settings: BackupSettings): Promise<ServerInfo> {
  const c = settings.connection;
  core.info(`Connecting to ${c.host || 'localhost'}:${c.port}, database '${c.database}'.`);
  const server = await readServerInfo(c);
  core.info(`Server: PostgreSQL ${server.version}, database '${server.database}'.`);
  warnHiddenRows(settings, server);
  await warnLocks(c, server);
  return server;
}

/** A database with more relations than its server's lock table holds cannot be restored there in one transaction. */
async function warnLocks(c: BackupSettings['connection'], server: ServerInfo): Promise<void> {
  const { relations = 0, locks } = server;
  if (!locks || relations <= capacityOf(locks)) return;
  if (await lockTableHolds(c, true, relations, INPUTS.databaseUrl)) return;
  core.warning(
    `This database has ${relations} relations; a restore into a server like this one (one transaction) would run out of locks: ${lockProblem(relations, locks).replace(/^locks: /, '')}.`,
  );
}

/** With --enable-row-security, a user row-level security applies to backs up only what it sees. */
function warnHiddenRows(settings: BackupSettings, server: ServerInfo): void {
  const hidden = server.rlsHidden ?? [];
  if (!hidden.length || !settings.extraArgs.includes('--enable-row-security')) return;
  const names =
    hidden.length > 10 ? [...hidden.slice(0, 10), `${hidden.length - 10} more`] : hidden;
  core.warning(
    `Row-level security may hide rows from this backup: ${names.join(', ')} (the user is not their owner, a superuser or BYPASSRLS, and extra-args has --enable-row-security). The backup holds only the rows the user can see; give it BYPASSRLS for a complete one.`,
  );
}

/** The pg_dump that matches the server (found, or installed). */
export async function pickDumpClient(
  settings: BackupSettings,
  server: ServerInfo,
  env: NodeJS.ProcessEnv,
): Promise<ChosenClient> {
  const client = await findClient(settings.client, server.major, env);
  core.info(`Client: pg_dump ${client.version} from ${client.binDir}.`);
  return client;
}
