// One database's backup, as phases the backup story calls in its log groups: dump-verify-store to
// every location, the manifest built and judged, the recovery document and manifests written.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { buildManifest } from './build-manifest.js';
import { compareWith } from '../catalog/changes.js';
import type { Manifest } from '../catalog/manifest.js';
import { backupId, dataObjectName } from '../catalog/naming.js';
import { claimId, type ClaimedId } from '../catalog/claim.js';
import { commitAll, openWriters, writeManifests } from '../catalog/publish.js';
import type { RecoveryLocation } from '../catalog/recovery-steps.js';
import { recoveryLocations, writeRecovery, type RecoveryJob } from '../catalog/write-recovery.js';
import type { BackupReport } from '../outputs/backup.js';
import { runBackupStream, type BackupStreamResult } from '../pipeline/backup.js';
import { planStages, type StagePlan } from '../pipeline/compression.js';
import { createEncryptor } from '../pipeline/encryption.js';
import type { ChosenClient } from '../postgres/client.js';
import { describeArgs, pgDumpArgs } from '../postgres/pg-dump.js';
import type { ServerInfo } from '../postgres/server.js';
import type { BackupSettings } from '../settings.js';
import type { Committed, Store } from '../storage/store.js';
import type { GlobalsDumped } from './dump-globals.js';
import { judgeBackup } from './judge-backup.js';

/** One database's backup: what the run chose once (stores, client, env) and this database's part. */
export interface DatabaseRun {
  /** This database's settings (its connection and label). */
  settings: BackupSettings;
  stores: Store[];
  client: ChosenClient;
  /** The environment of client programs (PGPASSFILE). */
  clientEnv: NodeJS.ProcessEnv;
  /** The server, as seen connected to this database (its size is the size hint). */
  server: ServerInfo;
  /** Also dump roles and tablespaces into this backup. */
  globals: boolean;
  /** When this backup started (createdAt, the id's time, the duration's start). */
  started: Date;
}

/** One database's dump under its claimed id. */
export interface DumpJob extends DatabaseRun {
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
export interface Dumped {
  result: BackupStreamResult;
  args: string[];
  committed: Committed[];
}

/** The stages of this database's backup (compression, encryption, extension). */
export function planDump(run: DatabaseRun): StagePlan {
  const { settings, client } = run;
  const encrypted = settings.encryption !== undefined;
  return planStages(settings.format, settings.compression, client.major, encrypted);
}

/** Claims the backup id at every location; the claims are held until `release`. */
export async function chooseId(run: DatabaseRun): Promise<ClaimedId> {
  const claimed = await claimId(run.stores, backupId(run.settings.label, run.started));
  core.info(`Backup id: ${claimed.id}`);
  return claimed;
}

/** The dump job of a claimed id. */
export function dumpJobOf(
  run: DatabaseRun,
  parts: { plan: StagePlan; id: string; previous?: Manifest },
  ctx: { workspace: string; signal?: AbortSignal; env: NodeJS.ProcessEnv },
): DumpJob {
  const fileName = dataObjectName(parts.id, parts.plan.extension);
  const locations = recoveryLocations(run.settings, ctx.env);
  return { ...run, ...parts, fileName, workspace: ctx.workspace, signal: ctx.signal, locations };
}

/** Streams pg_dump through the stages to every location and commits the objects. */
export async function dumpToStores(job: DumpJob): Promise<Dumped> {
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
      env: job.clientEnv,
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

/** The manifest of what was dumped, judged against the previous backup (not written yet). */
export function judgedManifest(
  job: DumpJob,
  dumped: Dumped,
  globals: GlobalsDumped | undefined,
  finished: Date,
): Manifest {
  const built = buildManifest({ ...job, ...dumped, finished, globals: globals?.object });
  return judgeBackup(built, job.previous, job.settings.anomaly);
}

/** Writes the recovery document; on a failure removes the objects written before it. */
export async function recordRecovery(
  job: DumpJob,
  dumped: Dumped,
  globals: GlobalsDumped | undefined,
  manifest: Manifest,
): Promise<Manifest['recovery']> {
  return writeRecovery(recoveryJob(job, dumped), manifest).catch(
    removingAfter(job.stores, [job.fileName, ...globalsKeys(globals)]),
  );
}

/** Writes the manifests, the backup's last objects; on a failure removes what came before them. */
export async function recordManifests(
  job: DumpJob,
  globals: GlobalsDumped | undefined,
  manifest: Manifest,
): Promise<Committed[]> {
  const recoveryKey = manifest.recovery ? [manifest.recovery.key] : [];
  const written = await writeManifests(job.stores, manifest, job.fileName).catch(
    removingAfter(job.stores, [...globalsKeys(globals), ...recoveryKey]),
  );
  for (const m of written) core.info(`Manifest written: ${m.location}`);
  return written;
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
export function removingAfter(
  stores: Store[],
  names: string[],
): (error: unknown) => Promise<never> {
  return async (error: unknown) => {
    await Promise.all(
      stores.flatMap((s) => names.map((name) => s.remove(name).catch(() => undefined))),
    );
    throw error;
  };
}

/** The report of one stored backup: its manifest, locations, changes and throughput. */
export function backupReportOf(
  run: DatabaseRun,
  recorded: { dumped: Dumped; manifest: Manifest; manifests: Committed[] },
  durationSeconds: number,
): BackupReport {
  const { dumped, manifest, manifests } = recorded;
  const report: BackupReport = {
    manifest,
    locations: dumped.committed.map((c) => c.location),
    manifestLocation: manifests[0]?.location ?? '',
    artifactId: dumped.committed.find((c) => c.artifactId !== undefined)?.artifactId,
    durationSeconds,
    installSeconds: run.client.installSeconds,
    pruned: [],
  };
  // Throughput as the database was read (pg_database_size over the dump's time), not stored bytes.
  if (run.server.databaseSize && dumped.result.dumpSeconds > 0)
    report.databaseBytesPerSecond = run.server.databaseSize / dumped.result.dumpSeconds;
  return report;
}

/** The report's changes since the previous backup. */
export function withChanges(report: BackupReport, previous: Manifest | undefined): BackupReport {
  report.changes = compareWith(previous, report.manifest);
  return report;
}

/** Without the previous manifest, a hold it may carry is unknown: nothing may expire on a guess. */
export function warnHoldUnknown(label: string): void {
  core.warning(
    `Retention was not applied after this backup: the previous backup of '${label}' could not be read, so whether it holds retention (an anomaly) is unknown. Check that manifest before the next prune.`,
  );
}
