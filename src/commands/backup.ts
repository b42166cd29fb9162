import * as core from '@actions/core';
import { retainAfterBackup } from '../catalog/apply-retention.js';
import { whileClaimed } from '../catalog/claim.js';
import type { Manifest } from '../catalog/manifest.js';
import { readPrevious } from '../catalog/previous.js';
import { describePolicy } from '../catalog/retention.js';
import { describeError } from '../errors.js';
import { reportBackups, type BackupReport, type FailedDatabase } from '../outputs/backup.js';
import { dumpGlobals } from '../phases/dump-globals.js';
import {
  backupReportOf,
  chooseId,
  dumpJobOf,
  dumpToStores,
  judgedManifest,
  planDump,
  recordManifests,
  recordRecovery,
  removingAfter,
  warnHoldUnknown,
  withChanges,
  type DatabaseRun,
  type DumpJob,
} from '../phases/dump-database.js';
import { failOnAnomalies } from '../phases/judge-backup.js';
import { connectForBackup, pickDumpClient } from '../phases/connect.js';
import { databasesFailure, forDatabase, selectDatabases } from '../phases/select-databases.js';
import { readServerInfo } from '../postgres/server.js';
import type { BackupSettings } from '../settings.js';
import { secondsBetween } from '../units.js';
import { clientEnvOf, openStores, type RunContext } from './context.js';

/**
 * The backup story: connect, pick a client, then name, dump-verify-store, manifest and report the
 * database of database-url, or (with `databases`) each database of the server in turn.
 */
export async function runBackup(settings: BackupSettings, ctx: RunContext): Promise<BackupReport> {
  const started = ctx.now();
  const stores = openStores(settings.storage, settings, ctx);
  const server = await core.group('Connect to the server', () => connectForBackup(settings));
  const selection = settings.databases;
  const databases = selection
    ? await core.group('List the databases', () => selectDatabases(settings, selection))
    : undefined;
  const client = await core.group('Find a matching pg_dump', () =>
    pickDumpClient(settings, server, ctx.env),
  );
  const clientEnv = await clientEnvOf(ctx, settings.connection);
  const run = { settings, stores, client, clientEnv, server, globals: settings.globals, started };
  const report = databases ? await backupEach(run, databases, ctx) : await backupOnly(run, ctx);
  failOnAnomalies(settings.anomaly, report);
  return report;
}

async function backupOnly(run: DatabaseRun, ctx: RunContext): Promise<BackupReport> {
  const report = await backupDatabase(run, ctx);
  await core.group('Report', () => reportBackups([report], [], report.durationSeconds));
  return report;
}

/**
 * Backs up every database in turn. The globals go with the first backup that succeeds (the next
 * database's when one fails). Reports every finished backup, then fails naming the failed ones.
 */
async function backupEach(
  run: DatabaseRun,
  databases: string[],
  ctx: RunContext,
): Promise<BackupReport> {
  const reports: BackupReport[] = [];
  const failed: FailedDatabase[] = [];
  for (const [i, database] of databases.entries()) {
    core.info(`Database ${i + 1} of ${databases.length}: '${database}'.`);
    const settings = forDatabase(run.settings, database);
    const globals = run.globals && reports.length === 0;
    try {
      const server = await readServerInfo(settings.connection);
      const one = { ...run, settings, server, globals, started: ctx.now() };
      reports.push(await backupDatabase(one, ctx));
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      failed.push({ database, error: describeError(error) });
      core.info(`The backup of '${database}' failed: ${describeError(error)}`);
    }
  }
  const total = secondsBetween(run.started, ctx.now());
  const report = await core.group('Report', () => reportBackups(reports, failed, total));
  if (failed.length) throw databasesFailure(failed, reports, report);
  return report as BackupReport;
}

/** One database: claim its id, dump and record it under the claim, then its label's retention. */
async function backupDatabase(run: DatabaseRun, ctx: RunContext): Promise<BackupReport> {
  const plan = planDump(run);
  const [{ id, release }, { previous, unknown }] = await Promise.all([
    core.group('Choose the backup id', () => chooseId(run)),
    readPrevious(run.stores[0], run.settings.label, run.started),
  ]);
  const job = dumpJobOf(run, { plan, id, previous }, ctx);
  const recorded = await whileClaimed(release, () => dumpAndRecord(job, ctx.now));
  const duration = secondsBetween(run.started, ctx.now());
  const report = withChanges(backupReportOf(run, recorded, duration), previous);
  const policy = run.settings.retention;
  if (policy && unknown) warnHoldUnknown(run.settings.label);
  else if (policy) {
    const retention = describePolicy(policy);
    const own = { own: [id], now: ctx.now(), signal: ctx.signal, journal: ctx.journal };
    const pruned = await core.group(`Apply retention (${retention})`, () =>
      retainAfterBackup(run.settings, policy, run.stores, own),
    );
    Object.assign(report, { pruned, retention });
  }
  return report;
}

/**
 * Dumps to every location, then the globals when asked, then writes the recovery document and the
 * manifests: everything under the id's claims; a failure removes every object this backup committed.
 */
async function dumpAndRecord(job: DumpJob, now: () => Date) {
  const dumped = await core.group(`Dump, verify and store ${job.fileName}`, () =>
    dumpToStores(job),
  );
  const globals = job.globals
    ? await core.group('Dump roles and tablespaces', () =>
        dumpGlobals(job).catch(removingAfter(job.stores, [job.fileName])),
      )
    : undefined;
  const judged: Manifest = judgedManifest(job, dumped, globals, now());
  const recovery = await core.group('Write the recovery document', () =>
    recordRecovery(job, dumped, globals, judged),
  );
  const manifest = { ...judged, recovery };
  const manifests = await core.group('Write the manifest', () =>
    recordManifests(job, globals, manifest),
  );
  return { dumped, manifest, manifests };
}
