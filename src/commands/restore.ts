import * as core from '@actions/core';
import { findBackup } from '../catalog/backups.js';
import {
  compareCounts,
  plannedTables,
  selectedTables,
  type Comparison,
  type Manifest,
} from '../catalog/manifest.js';
import { ActionError, InputError } from '../errors.js';
import { INPUTS } from '../inputs/read.js';
import {
  setRestoreOutputs,
  skippedNote,
  writeRestoreSummary,
  type RestoreReport,
} from '../outputs/restore.js';
import { writeGlobalsSummary } from '../outputs/globals.js';
import { formatBytes } from '../outputs/summary.js';
import { decryptIfNeeded, fetchVerifiedArchive } from '../pipeline/fetch.js';
import { libpqEnv, writePgpass } from '../postgres/connection.js';
import type { RestoreOutcome } from '../pipeline/restore.js';
import type { RestoreSelection } from '../postgres/pg-restore.js';
import { countRows, inspectTarget, type TargetState } from '../postgres/target.js';
import type { RestoreSettings } from '../settings.js';
import type { Store } from '../storage/store.js';
import { openStores, type RunContext } from './context.js';
import { restoreGlobalsIfAsked } from '../phases/restore-globals.js';
import { provenInTransaction, withPostRestoreSql } from '../phases/rows-in-transaction.js';
import { planInto, type PlannedRestore } from '../phases/plan-restore.js';
import type { PlanRequest, RestorePlan } from '../postgres/restore-plan.js';
import {
  pickClient,
  restoreSafely,
  warnSkippedSettings,
  type RestoreInto,
} from '../phases/restore-into.js';

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
  const manifest = await core.group('Find the backup', () => findAndDescribe(store, settings, ctx));
  checkRestorable(manifest, settings);
  const archivePath = await fetchArchive(store, manifest, settings, ctx.workspace);
  const target = await core.group('Inspect the target', () => inspectAndCheck(settings));
  const client = await core.group('Find a matching pg_restore', () =>
    pickClient(settings.client, manifest, target.server.major, ctx.env),
  );
  const env = libpqEnv(ctx.env, await writePgpass(ctx.workspace, settings.target), ctx.workspace);
  const into = intoOf(settings, { ...ctx, state: target, manifest, client, archivePath, env });
  const globals = await restoreGlobalsIfAsked(store, manifest, settings, ctx);
  const request = requestOf(settings);
  const plan = await core.group('Plan the restore (nothing is changed yet)', async () =>
    withPostRestoreSql(await planInto(into, request), request, settings.postRestoreSql),
  );
  const dropped = await applyRestore(plan);
  const comparison = await core.group('Compare row counts with the manifest', () =>
    rowsOf(plan, request, settings),
  );
  const seconds = (ctx.now().getTime() - started.getTime()) / 1000;
  const report = reportOf(settings, { manifest, comparison, seconds, plan, dropped });
  setRestoreOutputs(report);
  await writeRestoreSummary(report);
  await writeGlobalsSummary(globals);
  failOnMismatch(comparison);
  return report;
}

/** What the restore reports: the comparison, what the plan did and what it left out. */
function reportOf(
  settings: RestoreSettings,
  r: {
    manifest: Manifest;
    comparison: Comparison;
    seconds: number;
    plan: PlannedRestore;
    dropped: RestoreOutcome;
  },
): RestoreReport {
  return {
    manifest: r.manifest,
    comparison: r.comparison,
    durationSeconds: r.seconds,
    target: settings.target.database,
    skipped: r.dropped.skipped,
    ownership: r.plan.plan?.ownership,
    leftOut: r.plan.plan?.skipped.map((x) => `${x.entry} (${x.reason})`),
    postRestoreSql: settings.postRestoreSql !== undefined,
  };
}

/** Fetches the stored object, checks its SHA-256 and decrypts it: the local archive to restore. */
async function fetchArchive(
  store: Store,
  manifest: Manifest,
  settings: RestoreSettings,
  workspace: string,
): Promise<string> {
  const stored = await core.group('Check the SHA-256 of the stored object', async () => {
    const path = await fetchVerifiedArchive(store, manifest.object, workspace);
    core.info(
      `sha256 ${manifest.object.sha256} and ${manifest.object.size} bytes match the manifest.`,
    );
    return path;
  });
  return core.group('Decrypt', () => decrypt(manifest, stored, settings, workspace));
}

/** The restore itself, and what it left out (unknown settings, ownership and privileges). */
async function applyRestore(plan: RestoreInto): Promise<RestoreOutcome> {
  const name = plan.target.database;
  const outcome = await core.group(`Restore ${plan.manifest.id} into '${name}'`, async () => {
    const result = await restoreSafely(plan);
    core.info(`Applied the whole archive to '${name}' in one transaction.`);
    return result;
  });
  warnSkippedSettings(outcome, plan);
  const skipped = skippedNote(outcome.skipped);
  if (skipped) core.info(skipped);
  return outcome;
}

function failOnMismatch(comparison: Comparison): void {
  if (!comparison.mismatches.length) return;
  const first = comparison.mismatches
    .slice(0, 3)
    .map(
      (m) =>
        `${m.table}: ${m.restored < 0 ? 'table missing' : `${m.restored} restored`}, ${m.expected} in the manifest`,
    );
  throw new ActionError(
    `Row counts differ from the manifest for ${comparison.mismatches.length} table(s) (${first.join('; ')}).`,
  );
}

async function findAndDescribe(
  store: Store,
  settings: RestoreSettings,
  ctx: RunContext,
): Promise<Manifest> {
  const manifest = await findBackup(store, settings, ctx.now());
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

function intoOf(
  s: RestoreSettings,
  parts: Omit<RestoreInto, 'target' | 'selection' | 'jobs'>,
): RestoreInto {
  return {
    ...parts,
    target: s.target,
    selection: selectionOf(s),
    jobs: s.jobs,
    lockTimeout: s.lockWaitTimeout,
  };
}

/** The selection as asked; the plan resolves `auto` and makes the entry list. */
function selectionOf(s: RestoreSettings): RestoreSelection {
  return { ...requestOf(s), noOwner: s.noOwner !== false, noPrivileges: s.noPrivileges !== false };
}

function requestOf(s: RestoreSettings): PlanRequest {
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

/** The row comparison: proven inside the transaction with post-restore-sql, else counted now. */
function rowsOf(plan: PlannedRestore, request: PlanRequest, s: RestoreSettings) {
  if (s.postRestoreSql) return Promise.resolve(provenInTransaction(plan, request));
  return compareRows(plan.manifest, s, plan.plan);
}

/** Counts the restored rows of every selected table and compares them with the manifest. */
async function compareRows(
  manifest: Manifest,
  s: RestoreSettings,
  plan: RestorePlan | undefined,
): Promise<Comparison> {
  if (s.schemaOnly) return { compared: false, rows: [], mismatches: [] };
  const tables = plan ? plannedTables(manifest, plan) : selectedTables(manifest, s);
  const comparison = compareCounts(tables, await countRows(s.target, tables));
  const { rows, mismatches } = comparison;
  core.info(
    `${rows.length - mismatches.length} of ${rows.length} tables have the manifest's row counts.`,
  );
  return comparison;
}
