import * as core from '@actions/core';
import { findBackup } from '../catalog/backups.js';
import { compareCounts, type Comparison, type Manifest } from '../catalog/manifest.js';
import { plainName } from '../catalog/naming.js';
import { ActionError, InputError } from '../errors.js';
import { INPUTS } from '../inputs/read.js';
import { formatBytes } from '../outputs/summary.js';
import {
  setVerifyOutputs,
  verifyProblems,
  verifySummaryRows,
  writeVerifySummary,
  type DrillReport,
  type VerifyReport,
} from '../outputs/verify.js';
import { readWholeArchive } from '../pipeline/archive-read.js';
import { decryptIfNeeded, fetchVerifiedArchive } from '../pipeline/fetch.js';
import type { TableRows } from '../pipeline/row-count.js';
import type { ChosenClient } from '../postgres/client.js';
import { libpqEnv, writePgpass } from '../postgres/connection.js';
import type { TargetState } from '../postgres/target.js';
import type { DumpFormat, VerifySettings } from '../settings.js';
import type { Store } from '../storage/store.js';
import { openStores, type RunContext } from './context.js';
import { pickClient, type RestoreInto } from '../phases/restore-into.js';
import type { PlanRequest } from '../postgres/restore-plan.js';
import { inspectDrill, runDrill } from '../phases/verify-drill.js';
import { writeRecord } from '../catalog/write-verification.js';

/**
 * The verify story: find the backup, check its SHA-256, decrypt, read the whole archive and compare
 * its rows with the manifest; with target-database-url, then a restore drill. Nothing is written to
 * the storage but, once everything passed, the verification record `<id>.verified.json`; only a
 * drill database the run created is created (and dropped again).
 */
export async function runVerify(settings: VerifySettings, ctx: RunContext): Promise<VerifyReport> {
  const started = ctx.now();
  const [store] = openStores([settings.storage], settings, ctx);
  if (!store) throw new InputError(INPUTS.storage, 'is empty: give the location to verify.');
  const manifest = await core.group('Find the backup', () => findAndDescribe(store, settings, ctx));
  const timings: Record<string, number> = {};
  const archivePath = await fetchAndDecrypt(store, manifest, settings, { ...ctx, timings });
  const fetchSeconds = secondsSince(started, ctx);
  const drill = settings.drill;
  const state =
    drill && (await core.group('Inspect the drill database', () => inspectDrill(drill)));
  const client = await core.group('Find a matching pg_restore', () =>
    clientFor(settings, manifest, state, ctx),
  );
  const env = libpqEnv(ctx.env, drill && (await writePgpass(ctx.workspace, drill)), ctx.workspace);
  const local = { ...ctx, client, env, format: manifest.dump.format as DumpFormat };
  const compared = await timed(timings, 'read', () =>
    core.group('Read the whole archive', async () => {
      const objectKey = plainName(manifest.object.key);
      const read = await readWholeArchive({ ...local, path: archivePath, objectKey });
      return compareArchive(manifest, read);
    }),
  );
  const report: VerifyReport = {
    ...compared,
    manifest,
    location: store.locationOf(manifest.object.key),
    fetchSeconds,
    timings,
    durationSeconds: 0,
  };
  if (drill && state && client && !verifyProblems(report).length) {
    const p = { ...local, target: drill, state, manifest, client, archivePath };
    report.drill = await drillInto(p, settings, ctx);
  }
  report.durationSeconds = secondsSince(started, ctx);
  await core.group('Report', () => report$(report));
  await core.group('Write the verification record', () => writeRecord(store, report, ctx.now()));
  return report;
}

/** Times a phase into `timings` (seconds, one decimal). */
async function timed<T>(timings: Record<string, number>, name: string, work: () => Promise<T>) {
  const started = Date.now();
  const result = await work();
  timings[name] = Number(((Date.now() - started) / 1000).toFixed(1));
  return result;
}

function secondsSince(started: Date, ctx: RunContext): number {
  return (ctx.now().getTime() - started.getTime()) / 1000;
}

async function findAndDescribe(
  store: Store,
  settings: VerifySettings,
  ctx: RunContext,
): Promise<Manifest> {
  const manifest = await findBackup(store, settings, ctx.now());
  core.info(
    `Backup ${manifest.id}: ${manifest.dump.format}, ${formatBytes(manifest.object.size)}, created ${manifest.createdAt}, ${manifest.totalRows} rows in ${manifest.tables.length} tables.`,
  );
  return manifest;
}

/** The stored object as a local, SHA-256-checked and decrypted file. */
async function fetchAndDecrypt(
  store: Store,
  manifest: Manifest,
  settings: VerifySettings,
  ctx: RunContext & { timings: Record<string, number> },
): Promise<string> {
  const stored = await timed(ctx.timings, 'download', () => fetchChecked(store, manifest, ctx));
  return timed(ctx.timings, 'decrypt', () =>
    core.group('Decrypt', async () => {
      const keys = settings.keys;
      const { path, decrypted } = await decryptIfNeeded(manifest, stored, keys, ctx.workspace);
      core.info(decrypted ? 'Decrypted with age.' : 'The backup is not encrypted.');
      return path;
    }),
  );
}

/** Downloads the stored object and checks its SHA-256 and size against the manifest. */
function fetchChecked(store: Store, manifest: Manifest, ctx: RunContext): Promise<string> {
  return core.group('Check the SHA-256 of the stored object', async () => {
    const path = await fetchVerifiedArchive(store, manifest.object, ctx.workspace);
    core.info(
      `sha256 ${manifest.object.sha256} and ${manifest.object.size} bytes match the manifest.`,
    );
    return path;
  });
}

/** pg_restore for the archive read (not needed for plain SQL) and the drill. */
async function clientFor(
  settings: VerifySettings,
  manifest: Manifest,
  state: TargetState | undefined,
  ctx: RunContext,
): Promise<ChosenClient | undefined> {
  if (!state && manifest.dump.format === 'plain') {
    core.info('A plain-format backup is read without a client.');
    return undefined;
  }
  return pickClient(settings.client, manifest, state?.server.major ?? 0, ctx.env);
}

/** The rows counted in the archive against the manifest's, and tables the manifest misses. */
function compareArchive(
  manifest: Manifest,
  counted: TableRows[],
): { archive: Comparison; unlisted: string[] } {
  const key = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
  const found = new Map(counted.map((t) => [key(t), t.rows]));
  const archive = compareCounts(
    manifest.tables,
    manifest.tables.map((t) => found.get(key(t)) ?? -1),
  );
  const listed = new Set(manifest.tables.map(key));
  const unlisted = counted.map(key).filter((name) => !listed.has(name));
  const { rows, mismatches } = archive;
  core.info(
    `${rows.length - mismatches.length} of ${rows.length} tables in the archive have the manifest's row counts.`,
  );
  return { archive, unlisted };
}

/** The restore drill, its selection planned like a restore's. */
function drillInto(
  p: Omit<RestoreInto, 'selection' | 'jobs'>,
  settings: VerifySettings,
  ctx: RunContext,
): Promise<DrillReport> {
  const into = { ...p, selection: asked(settings), jobs: settings.jobs };
  return core.group(`Restore drill into '${p.target.database}'`, () =>
    runDrill(into, selectionOf(settings), settings, ctx.now),
  );
}

/** The drill's selection before the plan resolves `auto`. */
function asked(s: VerifySettings) {
  const request = selectionOf(s);
  return { ...request, noOwner: s.noOwner !== false, noPrivileges: s.noPrivileges !== false };
}

function selectionOf(s: VerifySettings): PlanRequest {
  return {
    schemas: s.schemas,
    tables: s.tables,
    schemaOnly: false,
    dataOnly: false,
    noOwner: s.noOwner,
    noPrivileges: s.noPrivileges,
    clean: false,
  };
}

async function report$(report: VerifyReport): Promise<void> {
  setVerifyOutputs(report);
  for (const [field, value] of verifySummaryRows(report)) core.info(`${field}: ${value}`);
  await writeVerifySummary(report);
  const problems = verifyProblems(report);
  if (problems.length)
    throw new ActionError(`Backup ${report.manifest.id} did not verify: ${problems.join('; ')}.`);
  core.info('Outputs and job summary written.');
}
