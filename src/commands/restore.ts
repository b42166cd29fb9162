import * as core from '@actions/core';
import { ActionError, InputError } from '../errors.js';
import { INPUTS } from '../inputs.js';
import type { Manifest } from '../manifest.js';
import { formatBytes } from '../outputs.js';
import { join } from 'node:path';
import { decryptFile } from '../pipeline/encryption.js';
import { fetchVerifiedArchive, runRestore } from '../pipeline/restore.js';
import { findClient, type PgClient } from '../postgres/client.js';
import { libpqEnv, writePgpass } from '../postgres/connection.js';
import type { RestoreSelection } from '../postgres/pg-restore.js';
import {
  createTargetDatabase,
  dropTargetDatabase,
  inspectTarget,
  targetSettings,
  type TargetState,
} from '../postgres/target.js';
import type { RestoreSettings } from '../restore-settings.js';
import { candidatesFor, describeChoice, listBackups, resolveLabel } from '../selection.js';
import type { DumpFormat } from '../settings.js';
import { createStore, type Store } from '../storage/store.js';
import {
  compareRows,
  setRestoreOutputs,
  writeRestoreSummary,
  type RestoreReport,
} from '../restore-report.js';

/** What the restore command needs from its surroundings. */
export interface RestoreContext {
  env: NodeJS.ProcessEnv;
  workspace: string;
  now: () => Date;
}

/**
 * The restore story, in the order that protects the target: find the backup, check its SHA-256,
 * look at the target (read only), pick a client, refuse unsafe cases, and only then create and restore.
 */
export async function runRestoreCommand(
  settings: RestoreSettings,
  ctx: RestoreContext,
): Promise<RestoreReport> {
  const started = ctx.now();
  const store = createStore(settings.storage, {
    s3: settings.s3,
    artifact: settings.artifact,
    env: ctx.env,
    tempDir: ctx.workspace,
  });
  const manifest = await core.group('Find the backup', () => findBackup(store, settings));
  checkRestorable(manifest, settings);
  const stored = await core.group('Check the SHA-256 of the stored object', () =>
    fetchVerifiedArchive(store, manifest.object, ctx.workspace),
  );
  const archivePath = await core.group('Decrypt', () =>
    decryptIfNeeded(manifest, stored, settings, ctx),
  );
  const target = await core.group('Inspect the target', () => inspectAndCheck(settings));
  const client = await core.group('Find a matching pg_restore', () =>
    pickClient(settings, manifest, target, ctx),
  );
  const env = libpqEnv(ctx.env, await writePgpass(ctx.workspace, settings.target));
  const dropped = await core.group(
    `Restore ${manifest.id} into '${settings.target.database}'`,
    () =>
      restoreSafely({
        settings,
        manifest,
        target,
        client,
        archivePath,
        env,
        workspace: ctx.workspace,
      }),
  );
  for (const name of dropped) {
    core.warning(
      `The target server (PostgreSQL ${target.server.version}) does not know the setting '${name}' written by pg_dump ${manifest.client.pgDumpVersion}; its SET was skipped.`,
    );
  }
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
  if (comparison.mismatches.length) {
    const first = comparison.mismatches
      .slice(0, 3)
      .map((m) => `${m.table}: ${m.restored} restored, ${m.expected} in the manifest`);
    throw new ActionError(
      `Row counts differ from the manifest for ${comparison.mismatches.length} table(s) (${first.join('; ')}).`,
    );
  }
  return report;
}

async function findBackup(store: Store, settings: RestoreSettings): Promise<Manifest> {
  const backups = listBackups(await store.listManifests());
  const label = resolveLabel(settings.label, backups, store.description);
  const candidates = candidatesFor(
    settings.choice,
    backups.filter((b) => b.label === label),
  );
  for (const candidate of candidates) {
    const manifest = JSON.parse(await store.readSmall(candidate.manifestFile)) as Manifest;
    if (settings.choice.kind !== 'time' || new Date(manifest.createdAt) <= settings.choice.at) {
      core.info(
        `Backup ${manifest.id}: ${manifest.dump.format}, ${formatBytes(manifest.object.size)}, created ${manifest.createdAt}, ${manifest.totalRows} rows.`,
      );
      return manifest;
    }
  }
  throw new ActionError(
    `No backup with label '${label}' at ${store.description} matches backup: ${describeChoice(settings.choice)}.`,
  );
}

/** Decrypts an encrypted backup in full to a 0600 spool, so a wrong key fails before the target is touched. */
async function decryptIfNeeded(
  manifest: Manifest,
  stored: string,
  settings: RestoreSettings,
  ctx: RestoreContext,
): Promise<string> {
  if (manifest.encryption.scheme === 'none') {
    core.info('The backup is not encrypted.');
    return stored;
  }
  const plain = join(ctx.workspace, manifest.object.key.replace(/\.age$/, ''));
  await decryptFile(stored, plain, settings.keys, manifest.encryption);
  core.info('Decrypted with age.');
  return plain;
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
  ctx: RestoreContext,
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
  if (created) await createTargetDatabase(p.settings.target);
  const jobs = created ? p.settings.jobs : undefined;
  if (p.settings.jobs && !created)
    core.warning(
      'jobs is used only when the action creates the target database (a parallel restore cannot be rolled back); restoring in one transaction.',
    );
  try {
    return await runRestore({
      client: p.client,
      format: p.manifest.dump.format as DumpFormat,
      archivePath: p.archivePath,
      objectKey: p.manifest.object.key.replace(/\.age$/, ''),
      target: p.settings.target,
      selection: selectionOf(p.settings),
      jobs,
      knownSettings: p.target.exists ? p.target.settings : await targetSettings(p.settings.target),
      env: p.env,
      workspace: p.workspace,
    });
  } catch (error) {
    if (created) await dropTargetDatabase(p.settings.target).catch(() => undefined);
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
