import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { compareWith } from '../catalog/changes.js';
import type { Manifest } from '../catalog/manifest.js';
import { backupId, dataObjectName } from '../catalog/naming.js';
import {
  type BackupReport,
  backupSummaryRows,
  setBackupOutputs,
  writeBackupSummary,
} from '../outputs/backup.js';
import { runBackupStream, type BackupStreamResult } from '../pipeline/backup.js';
import { planStages, type StagePlan } from '../pipeline/compression.js';
import { createEncryptor } from '../pipeline/encryption.js';
import { findClient, type ChosenClient } from '../postgres/client.js';
import { libpqEnv, writePgpass } from '../postgres/connection.js';
import type { PgClient } from '../postgres/install/installer.js';
import { describeArgs, pgDumpArgs } from '../postgres/pg-dump.js';
import { readServerInfo, type ServerInfo } from '../postgres/server.js';
import type { BackupSettings } from '../settings.js';
import type { Committed, Store } from '../storage/store.js';
import { TOOL } from '../tool.js';
import { previousBackup } from './changes.js';
import { claimId, whileClaimed, type ClaimedId } from './claim.js';
import { openStores, type RunContext } from './context.js';
import { commitAll, openWriters, writeManifests } from './publish.js';
import { retainAfterBackup } from './retention.js';

/** The backup story: connect, pick a client, name, dump-verify-store, manifest, report. */
export async function runBackup(settings: BackupSettings, ctx: RunContext): Promise<BackupReport> {
  const started = ctx.now();
  const stores = openStores(settings.storage, settings, ctx);
  const server = await core.group('Connect to the server', () => connect(settings));
  const client = await core.group('Find a matching pg_dump', () =>
    pickClient(settings, server, ctx),
  );
  const plan = planStages(
    settings.format,
    settings.compression,
    client.major,
    settings.encryption !== undefined,
  );
  const env = libpqEnv(
    ctx.env,
    await writePgpass(ctx.workspace, settings.connection),
    ctx.workspace,
  );
  const [{ id, release }, previous] = await Promise.all([
    chooseId(settings, stores, started),
    previousBackup(stores[0], settings.label),
  ]);
  const fileName = dataObjectName(id, plan.extension);
  const { workspace, signal } = ctx;
  const job = { settings, client, plan, id, fileName, stores, env, server, workspace, signal };
  const { dumped, manifest, manifests } = await whileClaimed(release, () =>
    dumpAndRecord(job, started, ctx.now),
  );
  const report = reportOf(manifest, dumped.committed, manifests, client, {
    durationSeconds: (ctx.now().getTime() - started.getTime()) / 1000,
  });
  report.changes = compareWith(previous, manifest);
  Object.assign(report, await retainAfterBackup(settings, stores, ctx.signal));
  await core.group('Report', () => report$(report));
  return report;
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

async function connect(settings: BackupSettings): Promise<ServerInfo> {
  const server = await readServerInfo(settings.connection);
  core.info(`Server: PostgreSQL ${server.version}, database '${server.database}'.`);
  return server;
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

interface DumpJob {
  signal?: AbortSignal;
  settings: BackupSettings;
  client: PgClient;
  plan: StagePlan;
  id: string;
  fileName: string;
  stores: Store[];
  env: NodeJS.ProcessEnv;
  workspace: string;
  server: ServerInfo;
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

/** Dumps to every location, then writes the manifests: everything done under the id's claims. */
async function dumpAndRecord(
  job: DumpJob,
  started: Date,
  now: () => Date,
): Promise<{ dumped: Dumped; manifest: Manifest; manifests: Committed[] }> {
  const dumped = await core.group(`Dump, verify and store ${job.fileName}`, () =>
    dumpToStores(job),
  );
  const manifest = buildManifest({ ...job, ...dumped, started, finished: now() });
  const manifests = await core.group('Write the manifest', () =>
    writeManifests(job.stores, manifest, job.fileName),
  );
  return { dumped, manifest, manifests };
}

interface ManifestParts {
  settings: BackupSettings;
  server: ServerInfo;
  client: PgClient;
  plan: StagePlan;
  id: string;
  fileName: string;
  result: BackupStreamResult;
  args: string[];
  started: Date;
  finished: Date;
}

function buildManifest(p: ManifestParts): Manifest {
  const tables = p.result.tables ?? [];
  return {
    manifestVersion: 1,
    id: p.id,
    label: p.settings.label,
    createdAt: p.started.toISOString(),
    finishedAt: p.finished.toISOString(),
    tool: { name: TOOL.name, version: TOOL.version },
    server: {
      version: p.server.version,
      versionNum: p.server.versionNum,
      database: p.server.database,
    },
    client: { pgDumpVersion: p.client.version },
    dump: {
      format: p.settings.format,
      compression: p.plan.label,
      jobs: p.settings.jobs ?? 1,
      args: p.args,
    },
    encryption: manifestEncryption(p.settings),
    object: { key: p.fileName, size: p.result.size, sha256: p.result.sha256 },
    tables,
    totalRows: tables.reduce((sum, t) => sum + t.rows, 0),
    ...(p.result.schema ? { schema: p.result.schema } : {}),
    verification: { archive: p.result.tables ? 'passed' : 'skipped' },
    labels: p.settings.labels,
  };
}

async function report$(report: BackupReport): Promise<void> {
  setBackupOutputs(report);
  for (const [field, value] of backupSummaryRows(report))
    core.info(`${field}: ${value.replace(/<br>/g, ', ')}`);
  await writeBackupSummary(report);
}

function manifestEncryption(settings: BackupSettings): Manifest['encryption'] {
  const keys = settings.encryption;
  if (!keys) return { scheme: 'none' };
  return keys.passphrase !== undefined
    ? { scheme: 'age', passphrase: true }
    : { scheme: 'age', recipients: keys.recipients };
}
