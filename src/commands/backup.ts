import * as core from '@actions/core';
import { reportBackups, type BackupReport } from '../outputs/backup.js';
import { findClient, type ChosenClient } from '../postgres/client.js';
import { libpqEnv, writePgpass } from '../postgres/connection.js';
import { capacityOf, lockProblem } from '../postgres/lock-budget.js';
import { readServerInfo, type ServerInfo } from '../postgres/server.js';
import { lockTableHolds } from '../postgres/target-facts.js';
import type { BackupSettings } from '../settings.js';
import { failOnAnomalies } from '../phases/judge-backup.js';
import { backupDatabase, type DatabaseRun } from '../phases/dump-database.js';
import { backupEach, selectDatabases } from '../phases/select-databases.js';
import { openStores, type RunContext } from './context.js';

/**
 * The backup story: connect, pick a client, then name, dump-verify-store, manifest and report the
 * database of database-url, or (with `databases`) each database of the server in turn.
 */
export async function runBackup(settings: BackupSettings, ctx: RunContext): Promise<BackupReport> {
  const started = ctx.now();
  const stores = openStores(settings.storage, settings, ctx);
  const server = await core.group('Connect to the server', () => connect(settings));
  const selection = settings.databases;
  const databases = selection
    ? await core.group('List the databases', () => selectDatabases(settings, selection))
    : undefined;
  const client = await core.group('Find a matching pg_dump', () =>
    pickClient(settings, server, ctx),
  );
  const env = libpqEnv(
    ctx.env,
    await writePgpass(ctx.workspace, settings.connection),
    ctx.workspace,
  );
  const run = { settings, stores, client, env, server, globals: settings.globals, started };
  const report = databases ? await backupEach(run, databases, ctx) : await backupOnly(run, ctx);
  failOnAnomalies(settings.anomaly, report);
  return report;
}

async function backupOnly(run: DatabaseRun, ctx: RunContext): Promise<BackupReport> {
  const report = await backupDatabase(run, ctx);
  await core.group('Report', () => reportBackups([report], [], report.durationSeconds));
  return report;
}

async function connect(settings: BackupSettings): Promise<ServerInfo> {
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
  if (await lockTableHolds(c, true, relations, 'database-url')) return;
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

async function pickClient(
  settings: BackupSettings,
  server: ServerInfo,
  ctx: RunContext,
): Promise<ChosenClient> {
  const client = await findClient(settings.client, server.major, ctx.env);
  core.info(`Client: pg_dump ${client.version} from ${client.binDir}.`);
  return client;
}
