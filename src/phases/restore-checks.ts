// The restore's checks before and after it changes the target: whether the backup can restore as
// asked, whether the target may be restored into, and whether the rows came back.
import * as core from '@actions/core';
import {
  compareCounts,
  plannedTables,
  selectedTables,
  type Comparison,
  type Manifest,
} from '../catalog/manifest.js';
import { ActionError, InputError } from '../errors.js';
import { INPUTS } from '../inputs/read.js';
import type { RestoreReport } from '../outputs/restore.js';
import type { RestoreOutcome } from '../pipeline/restore.js';
import type { PlanRequest, RestorePlan } from '../postgres/restore-plan.js';
import { countRows, inspectTarget, type TargetState } from '../postgres/target.js';
import type { RestoreSettings } from '../settings.js';
import type { PlannedRestore } from './plan-restore.js';
import { provenInTransaction } from './rows-in-transaction.js';

/** A plain-format backup restores whole into an empty database: a selection or overwrite is refused. */
export function checkRestorable(manifest: Manifest, settings: RestoreSettings): void {
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

/** Looks at the target (read only) and refuses a missing one without create-database, or a full one without overwrite. */
export async function inspectAndCheck(settings: RestoreSettings): Promise<TargetState> {
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

/** The row comparison: proven inside the transaction with post-restore-sql, else counted now. */
export function rowsOf(
  plan: PlannedRestore,
  request: PlanRequest,
  s: RestoreSettings,
): Promise<Comparison> {
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

/** Fails when any table's restored rows differ from the manifest's, naming the first three. */
export function failOnMismatch(comparison: Comparison): void {
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

/** What the restore reports: the comparison, what the plan did and what it left out. */
export function restoreReportOf(
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
