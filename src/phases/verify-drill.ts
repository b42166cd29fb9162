import * as core from '@actions/core';
import { secondsBetween } from '../units.js';
import {
  compareCounts,
  plannedTables,
  selectedTables,
  type Comparison,
} from '../catalog/manifest.js';
import type { PlanRequest } from '../postgres/restore-plan.js';
import { planInto, type PlannedRestore } from './plan-restore.js';
import { provenInTransaction, withPostRestoreSql } from './rows-in-transaction.js';
import { runAssertions } from '../postgres/assertions.js';
import { ActionError } from '../errors.js';
import type { DrillReport } from '../outputs/verify.js';
import { checkBtreeIndexes, dropAmcheck, type AmcheckReport } from '../postgres/amcheck.js';
import type { Connection } from '../postgres/connection.js';
import { countRows, inspectTarget, type TargetState } from '../postgres/target.js';
import {
  createIfMissing,
  restoreArchive,
  warnSkippedSettings,
  type CreatedDatabase,
  type RestoreInto,
} from './restore-into.js';

/** Looks at the drill database (read only) and refuses one that has user tables. */
export async function inspectDrill(conn: Connection): Promise<TargetState> {
  const state = await inspectTarget(conn);
  const name = conn.database;
  if (state.exists && state.userTables > 0) {
    throw new ActionError(
      `The drill database '${name}' already has ${state.userTables} user table(s); nothing was changed. Give target-database-url a database that does not exist (the drill creates and drops it) or an empty one.`,
    );
  }
  core.info(
    `Drill database: PostgreSQL ${state.server.version}, '${name}' ${state.exists ? 'exists and is empty: the restored backup stays in it' : 'will be created and dropped afterwards'}.`,
  );
  return state;
}

/** The user's part of a drill: SQL run last in its restore transaction, and checks after it. */
export interface DrillChecks {
  postRestoreSql?: string;
  assertSql: string[];
}

/**
 * Restores into the drill database, compares every restored table's rows with the manifest, runs
 * the user's assertions and checks the B-tree indexes; a database the drill created is dropped
 * afterwards, also on failure.
 */
export async function runDrill(
  asked: RestoreInto,
  request: PlanRequest,
  checks: DrillChecks,
  now: () => Date,
): Promise<DrillReport> {
  const started = now();
  const p = withPostRestoreSql(await planInto(asked, request), request, checks.postRestoreSql);
  const created = await createIfMissing(p);
  let report: DrillReport;
  try {
    report = await restoreAndCheck(p, { request, checks, created: created !== undefined }, now);
    report.seconds = secondsBetween(started, now()) - report.checksSeconds;
  } catch (error) {
    if (created) await created.drop().catch(() => undefined);
    const undo = created ? 'the database it created was dropped' : 'the database is as it was';
    throw new ActionError(`The restore drill failed and ${undo}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (created) await dropAfter(created, p.target.database);
  return report;
}

/** The drill's restore, row comparison, then its checks (timed apart: the recovery time is without them). */
async function restoreAndCheck(
  p: PlannedRestore,
  how: { request: PlanRequest; checks: DrillChecks; created: boolean },
  now: () => Date,
): Promise<DrillReport> {
  const skipped = await restoreArchive(p, how.created);
  warnSkippedSettings(skipped, p);
  const comparison = how.checks.postRestoreSql
    ? provenInTransaction(p, how.request)
    : await compareRestored(p, how.request);
  const checksStarted = now();
  const assertions = await runAssertions(p.target, how.checks.assertSql);
  for (const a of assertions)
    core.info(`${a.passed ? 'passed' : 'FAILED'}: ${a.sql}${a.detail ? ` (${a.detail})` : ''}`);
  const amcheck = await checkIndexes(p, how.created);
  return {
    database: p.target.database,
    created: how.created,
    server: p.state.server.version,
    seconds: 0,
    checksSeconds: secondsBetween(checksStarted, now()),
    comparison,
    amcheck,
    assertions,
    postRestoreSql: how.checks.postRestoreSql !== undefined,
  };
}

async function dropAfter(created: CreatedDatabase, name: string): Promise<void> {
  try {
    await created.drop();
    core.info(`Dropped the drill database '${name}'.`);
  } catch (error) {
    throw new ActionError(
      `The restore drill passed, but its database '${name}' could not be dropped (${(error as Error).message}); the post step tries again: drop it by hand if it stays.`,
      { cause: error },
    );
  }
}

async function compareRestored(p: PlannedRestore, request: PlanRequest): Promise<Comparison> {
  const tables = p.plan ? plannedTables(p.manifest, p.plan) : selectedTables(p.manifest, request);
  const comparison = compareCounts(tables, await countRows(p.target, tables));
  const { rows, mismatches } = comparison;
  core.info(
    `${rows.length - mismatches.length} of ${rows.length} restored tables have the manifest's row counts.`,
  );
  return comparison;
}

async function checkIndexes(p: RestoreInto, created: boolean): Promise<AmcheckReport> {
  const report = await checkBtreeIndexes(p.target, p.signal);
  if (!report.available) {
    core.info(`amcheck not available (${report.reason}): the restored indexes were not checked.`);
    return report;
  }
  core.info(
    `amcheck: ${report.checked - report.failures.length} of ${report.checked} B-tree indexes passed bt_index_check.`,
  );
  // A database that is kept gets back the extensions it had: the check's own is dropped again.
  if (report.created && !created) await dropAmcheck(p.target);
  return report;
}
