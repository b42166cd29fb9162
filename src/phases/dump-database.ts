import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { compareWith } from '../catalog/changes.js';
import type { Manifest } from '../catalog/manifest.js';
import { backupId, dataObjectName } from '../catalog/naming.js';
import type { RecoveryLocation } from '../catalog/recovery-steps.js';
import type { BackupReport } from '../outputs/backup.js';
import { runBackupStream, type BackupStreamResult } from '../pipeline/backup.js';
import { planStages, type StagePlan } from '../pipeline/compression.js';
import { createEncryptor } from '../pipeline/encryption.js';
import type { ChosenClient } from '../postgres/client.js';
import { describeArgs, pgDumpArgs } from '../postgres/pg-dump.js';
import type { ServerInfo } from '../postgres/server.js';
import type { BackupSettings } from '../settings.js';
import type { Committed, Store } from '../storage/store.js';
import { dumpGlobals, type GlobalsDumped } from './dump-globals.js';
import { judgeBackup } from './judge-backup.js';
import { buildManifest } from '../catalog/build-manifest.js';
import { recoveryLocations, writeRecovery, type RecoveryJob } from '../catalog/write-recovery.js';
import { readPrevious } from '../catalog/previous.js';
import { claimId, whileClaimed, type ClaimedId } from '../catalog/claim.js';
import type { RunContext } from '../commands/context.js';
import { commitAll, openWriters, writeManifests } from '../catalog/publish.js';
import { retainAfterBackup } from '../catalog/apply-retention.js';

/** One database's backup: what the run chose once (stores, client, env) and this database's part. */
export interface DatabaseRun {
  /** This database's settings (its connection and label). */
  settings: BackupSettings;
  stores: Store[];
  client: ChosenClient;
  /** The environment of client programs (PGPASSFILE). */
  env: NodeJS.ProcessEnv;
  /** The server, as seen connected to this database (its size is the size hint). */
  server: ServerInfo;
  /** Also dump roles and tablespaces into this backup. */
  globals: boolean;
  /** When this backup started (createdAt, the id's time, the duration's start). */
  started: Date;
}

/** Names, dumps, verifies, stores and records one database; then changes and retention of its label. */
export async function backupDatabase(run: DatabaseRun, ctx: RunContext): Promise<BackupReport> {
  const { settings, stores, client, started } = run;
  const encrypted = settings.encryption !== undefined;
  const plan = planStages(settings.format, settings.compression, client.major, encrypted);
  const [{ id, release }, { previous, unknown }] = await Promise.all([
    chooseId(settings, stores, started),
    readPrevious(stores[0], settings.label, started),
  ]);
  const fileName = dataObjectName(id, plan.extension);
  const { workspace, signal } = ctx;
  const locations = recoveryLocations(settings, ctx.env);
  const job = { ...run, plan, id, fileName, workspace, signal, previous, locations };
  const { dumped, manifest, manifests } = await whileClaimed(release, () =>
    dumpAndRecord(job, ctx.now),
  );
  const report = reportOf(manifest, dumped.committed, manifests, client, {
    durationSeconds: (ctx.now().getTime() - started.getTime()) / 1000,
  });
  report.changes = compareWith(previous, manifest);
  // Throughput as the database was read (pg_database_size over the dump's time), not stored bytes.
  if (run.server.databaseSize && dumped.result.dumpSeconds > 0)
    report.databaseBytesPerSecond = run.server.databaseSize / dumped.result.dumpSeconds;
  const retention = { own: [id], now: ctx.now(), signal: ctx.signal, journal: ctx.journal };
  // Without the previous manifest, a hold it may carry is unknown: nothing may expire on a guess.
  if (unknown && settings.retention) warnHoldUnknown(settings.label);
  else Object.assign(report, await retainAfterBackup(settings, stores, retention));
  return report;
}

function warnHoldUnknown(label: string): void {
  core.warning(
    `Retention was not applied after this backup: the previous backup of '${label}' could not be read, so whether it holds retention (an anomaly) is unknown. Check that manifest before the next prune.`,
  );
}

function reportOf(
  manifest: Manifest,
  committed: Committed[],
  manifests: Committed[],
  client: ChosenClient,
  time: { durationSeconds: number },
): BackupReport {
  return {
    manifest,
    locations: committed.map((c) => c.location),
    manifestLocation: manifests[0]?.location ?? '',
    artifactId: committed.find((c) => c.artifactId !== undefined)?.artifactId,
    durationSeconds: time.durationSeconds,
    installSeconds: client.installSeconds,
    pruned: [],
  };
}

/** Claims the backup id at every location (a log group); the claims are held until `release`. */
async function chooseId(
  settings: BackupSettings,
  stores: Store[],
  started: Date,
): Promise<ClaimedId> {
  return core.group('Choose the backup id', async () => {
    const claimed = await claimId(stores, backupId(settings.label, started));
    core.info(`Backup id: ${claimed.id}`);
    return claimed;
  });
}

interface DumpJob extends DatabaseRun {
  signal?: AbortSignal;
  plan: StagePlan;
  id: string;
  fileName: string;
  workspace: string;
  /** The previous backup of the label at the first location: what this one is judged against. */
  previous?: Manifest;
  /** Every location as the recovery document names it. */
  locations: RecoveryLocation[];
}

/** What the dump produced: the stream's result, pg_dump's recorded args, the committed objects. */
interface Dumped {
  result: BackupStreamResult;
  args: string[];
  committed: Committed[];
}

async function dumpToStores(job: DumpJob): Promise<Dumped> {
  const spoolDir = job.settings.format === 'directory' ? join(job.workspace, 'dump') : undefined;
  if (spoolDir) await mkdir(join(job.workspace), { recursive: true });
  const target = spoolDir
    ? { kind: 'directory' as const, path: spoolDir }
    : { kind: 'stdout' as const };
  const { argv, recorded } = pgDumpArgs(job.settings, job.plan.dumpCompress, target);
  core.info(`pg_dump ${describeArgs(argv)}`);
  const hints = { sizeHint: job.server.databaseSize };
  const writers = await openWriters(job.stores, job.fileName, hints);
  try {
    const result = await runBackupStream({
      client: job.client,
      format: job.settings.format,
      dumpArgs: argv,
      spoolDir,
      tarRoot: job.id,
      plan: job.plan,
      verify: job.settings.verify === 'archive',
      databaseSize: job.server.databaseSize,
      env: job.env,
      sinks: writers.map((w) => w.stream),
      signal: job.signal,
      encryptor: job.settings.encryption
        ? await createEncryptor(job.settings.encryption)
        : undefined,
    });
    const committed = await commitAll(writers, job.stores, job.fileName, job.signal);
    core.info(`Stored ${result.size} bytes, sha256 ${result.sha256}.`);
    return { result, committed, args: recorded };
  } catch (error) {
    await Promise.all(writers.map((w) => w.abort().catch(() => undefined)));
    throw error;
  }
}

/**
 * Dumps to every location, then the globals when asked, then writes the manifests: everything
 * under the id's claims; a failure removes every object this backup committed.
 */
async function dumpAndRecord(
  job: DumpJob,
  now: () => Date,
): Promise<{ dumped: Dumped; manifest: Manifest; manifests: Committed[] }> {
  const dumped = await core.group(`Dump, verify and store ${job.fileName}`, () =>
    dumpToStores(job),
  );
  const globals = job.globals
    ? await core.group('Dump roles and tablespaces', () =>
        dumpGlobals(job).catch(removingAfter(job.stores, [job.fileName])),
      )
    : undefined;
  const parts = { ...job, ...dumped, started: job.started, finished: now() };
  const built = buildManifest({ ...parts, globals: globals?.object });
  const judged = judgeBackup(built, job.previous, job.settings.anomaly);
  const recovery = await core.group('Write the recovery document', () =>
    writeRecovery(recoveryJob(job, dumped), judged).catch(
      removingAfter(job.stores, [job.fileName, ...globalsKeys(globals)]),
    ),
  );
  const manifest = { ...judged, recovery };
  const manifests = await core.group('Write the manifest', async () => {
    const written = await writeManifests(job.stores, manifest, job.fileName).catch(
      removingAfter(job.stores, [...globalsKeys(globals), recovery.key]),
    );
    for (const m of written) core.info(`Manifest written: ${m.location}`);
    return written;
  });
  return { dumped, manifest, manifests };
}

function recoveryJob(job: DumpJob, dumped: Dumped): RecoveryJob {
  const rls = job.settings.extraArgs.includes('--enable-row-security');
  return {
    stores: job.stores,
    locations: job.locations,
    needs: dumped.result.needs,
    rlsHidden: rls ? job.server.rlsHidden : undefined,
  };
}

function globalsKeys(globals: GlobalsDumped | undefined): string[] {
  return globals ? [globals.object.key] : [];
}

/** A rejection handler that removes this run's committed objects everywhere, then rethrows. */
function removingAfter(stores: Store[], names: string[]): (error: unknown) => Promise<never> {
  return async (error: unknown) => {
    await Promise.all(
      stores.flatMap((s) => names.map((name) => s.remove(name).catch(() => undefined))),
    );
    throw error;
  };
}
