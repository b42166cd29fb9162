import * as core from '@actions/core';
import { findBackup } from '../catalog/backups.js';
import {
  compareCounts,
  selectedTables,
  type Comparison,
  type Manifest,
} from '../catalog/manifest.js';
import { plainName } from '../catalog/naming.js';
import { ActionError, InputError } from '../errors.js';
import { INPUTS } from '../inputs/read.js';
import { setRestoreOutputs, writeRestoreSummary, type RestoreReport } from '../outputs/restore.js';
import { formatBytes } from '../outputs/summary.js';
import { decryptIfNeeded, fetchVerifiedArchive } from '../pipeline/fetch.js';
import { runRestore } from '../pipeline/restore.js';
import { findClient } from '../postgres/client.js';
import { libpqEnv, writePgpass } from '../postgres/connection.js';
import type { PgClient } from '../postgres/install/installer.js';
import type { RestoreSelection } from '../postgres/pg-restore.js';
import {
  countRows,
  createTargetDatabase,
  dropTargetDatabase,
  inspectTarget,
  targetSettings,
  type TargetState,
} from '../postgres/target.js';
import type { DumpFormat, RestoreSettings } from '../settings.js';
import type { Journal } from '../state.js';
import type { Store } from '../storage/store.js';
import { openStores, type RunContext } from './context.js';

/**
 * The restore story, in the order that protects the target: find the backup, check its SHA-256,
 * look at the target (read only), pick a client, refuse unsafe cases, and only then create and restore.
 */
export async function runRestoreCommand(
  settings: RestoreSettings,
  ctx: RunContext,
): Promise<RestoreReport> {
  const started = ctx.now();
  const [store] = openStores([settings.storage], settings, ctx);
  if (!store) throw new InputError(INPUTS.storage, 'is empty: give the location to restore from.');
  const manifest = await core.group('Find the backup', () => findAndDescribe(store, settings));
  checkRestorable(manifest, settings);
  const stored = await core.group('Check the SHA-256 of the stored object', () =>
    fetchVerifiedArchive(store, manifest.object, ctx.workspace),
  );
  const archivePath = await core.group('Decrypt', () =>
    decrypt(manifest, stored, settings, ctx.workspace),
  );
  const target = await core.group('Inspect the target', () => inspectAndCheck(settings));
  const client = await core.group('Find a matching pg_restore', () =>
    pickClient(settings, manifest, target, ctx),
  );
  const env = libpqEnv(ctx.env, await writePgpass(ctx.workspace, settings.target), ctx.workspace);
  const plan = { ...ctx, settings, manifest, target, client, archivePath, env };
  const dropped = await core.group(
    `Restore ${manifest.id} into '${settings.target.database}'`,
    () => restoreSafely(plan),
  );
  warnSkippedSettings(dropped, plan);
  const comparison = await core.group('Compare row counts with the manifest', () =>
    compareRows(manifest, settings),
  );
  const report: RestoreReport = {
    manifest,
    comparison,
    durationSeconds: (ctx.now().getTime() - started.getTime()) / 1000,
    target: settings.target.database,
  };
  setRestoreOutputs(report);
  await writeRestoreSummary(report);
  failOnMismatch(comparison);
  return report;
}

function warnSkippedSettings(names: string[], p: RestorePlan): void {
  for (const name of names) {
    core.warning(
      `The target server (PostgreSQL ${p.target.server.version}) does not know the setting '${name}' written by pg_dump ${p.manifest.client.pgDumpVersion}; its SET was skipped.`,
    );
  }
}

function failOnMismatch(comparison: Comparison): void {
  if (!comparison.mismatches.length) return;
  const first = comparison.mismatches
    .slice(0, 3)
    .map((m) => `${m.table}: ${m.restored} restored, ${m.expected} in the manifest`);
  throw new ActionError(
    `Row counts differ from the manifest for ${comparison.mismatches.length} table(s) (${first.join('; ')}).`,
  );
}

async function findAndDescribe(store: Store, settings: RestoreSettings): Promise<Manifest> {
  const manifest = await findBackup(store, settings);
  core.info(
    `Backup ${manifest.id}: ${manifest.dump.format}, ${formatBytes(manifest.object.size)}, created ${manifest.createdAt}, ${manifest.totalRows} rows.`,
  );
  return manifest;
}

async function decrypt(
  manifest: Manifest,
  stored: string,
  settings: RestoreSettings,
  workspace: string,
): Promise<string> {
  const { path, decrypted } = await decryptIfNeeded(manifest, stored, settings.keys, workspace);
  core.info(decrypted ? 'Decrypted with age.' : 'The backup is not encrypted.');
  return path;
}

function checkRestorable(manifest: Manifest, settings: RestoreSettings): void {
  const selective =
    settings.schemas.length || settings.tables.length || settings.schemaOnly || settings.dataOnly;
  if (manifest.dump.format === 'plain' && (selective || settings.overwrite)) {
    const input = settings.overwrite ? INPUTS.overwrite : INPUTS.tables;
    throw new InputError(
      input,
      'a plain-format backup restores whole into an empty database: schemas, tables, schema-only, data-only and overwrite need a custom, directory or tar backup.',
    );
  }
}

async function inspectAndCheck(settings: RestoreSettings): Promise<TargetState> {
  const target = await inspectTarget(settings.target);
  const name = settings.target.database;
  if (!target.exists && !settings.createDatabase) {
    throw new ActionError(
      `The target database '${name}' does not exist and create-database is false: create it or set create-database: true.`,
    );
  }
  if (target.exists && target.userTables > 0 && !settings.overwrite) {
    throw new ActionError(
      `The target database '${name}' already has ${target.userTables} user table(s); nothing was changed. Restore into an empty database, or set overwrite: true and confirm: ${name} to drop the archive's objects first.`,
    );
  }
  core.info(
    `Target: PostgreSQL ${target.server.version}, database '${name}' ${target.exists ? `exists (${target.userTables} user tables)` : 'will be created'}.`,
  );
  return target;
}

async function pickClient(
  settings: RestoreSettings,
  manifest: Manifest,
  target: TargetState,
  ctx: RunContext,
): Promise<PgClient> {
  const dumpMajor = Number(manifest.client.pgDumpVersion.split('.')[0]);
  const client = await findClient(
    settings.client,
    Math.max(target.server.major, dumpMajor),
    ctx.env,
  );
  core.info(`Client: pg_restore ${client.version} from ${client.binDir}.`);
  return client;
}

interface RestorePlan {
  signal?: AbortSignal;
  journal?: Journal;
  settings: RestoreSettings;
  manifest: Manifest;
  target: TargetState;
  client: PgClient;
  archivePath: string;
  env: NodeJS.ProcessEnv;
  workspace: string;
}

/** Creates the database when missing, restores, and drops a database it created if the restore fails. */
async function restoreSafely(p: RestorePlan): Promise<string[]> {
  const created = !p.target.exists;
  // Recorded before it exists: a main step killed from here on leaves the post step to drop it.
  const undone = created
    ? p.journal?.add({ kind: 'database', database: p.settings.target.database })
    : undefined;
  if (created) await createTargetDatabase(p.settings.target);
  const jobs = created ? p.settings.jobs : undefined;
  if (p.settings.jobs && !created)
    core.warning(
      'jobs is used only when the action creates the target database (a parallel restore cannot be rolled back); restoring in one transaction.',
    );
  try {
    const dropped = await runRestore({
      client: p.client,
      format: p.manifest.dump.format as DumpFormat,
      archivePath: p.archivePath,
      objectKey: plainName(p.manifest.object.key),
      target: p.settings.target,
      selection: selectionOf(p.settings),
      jobs,
      knownSettings: p.target.exists ? p.target.settings : await targetSettings(p.settings.target),
      env: p.env,
      workspace: p.workspace,
      signal: p.signal,
    });
    undone?.();
    return dropped;
  } catch (error) {
    if (created) await dropTargetDatabase(p.settings.target).then(undone, () => undefined);
    const undo = created
      ? 'the database this run created was dropped again'
      : 'the transaction was rolled back; the target is as it was';
    throw new ActionError(`The restore failed and ${undo}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function selectionOf(s: RestoreSettings): RestoreSelection {
  return {
    schemas: s.schemas,
    tables: s.tables,
    schemaOnly: s.schemaOnly,
    dataOnly: s.dataOnly,
    noOwner: s.noOwner,
    noPrivileges: s.noPrivileges,
    clean: s.overwrite,
  };
}

/** Counts the restored rows of every selected table and compares them with the manifest. */
async function compareRows(manifest: Manifest, s: RestoreSettings): Promise<Comparison> {
  if (s.schemaOnly) return { compared: false, rows: [], mismatches: [] };
  const tables = selectedTables(manifest, s);
  const comparison = compareCounts(tables, await countRows(s.target, tables));
  const { rows, mismatches } = comparison;
  core.info(
    `${rows.length - mismatches.length} of ${rows.length} tables have the manifest's row counts.`,
  );
  return comparison;
}
