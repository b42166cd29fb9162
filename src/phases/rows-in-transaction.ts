// With post-restore-sql the restore's rows are counted inside its own transaction, before the
// user's SQL changes them (a masking UPDATE keeps the counts, an erasure DELETE does not): the
// counts are the archive's, and a difference rolls the whole restore back.
import * as core from '@actions/core';
import {
  compareCounts,
  plannedTables,
  selectedTables,
  type Comparison,
} from '../catalog/manifest.js';
import type { TableRows } from '../pipeline/row-count.js';
import { rowCountCheckSql } from '../postgres/post-restore.js';
import type { PlanRequest } from '../postgres/restore-plan.js';
import type { PlannedRestore } from './plan-restore.js';

/** The tables a restore compares with the manifest: the plan's, else the selection's. */
export function comparedTables(p: PlannedRestore, request: PlanRequest): TableRows[] {
  return p.plan ? plannedTables(p.manifest, p.plan) : selectedTables(p.manifest, request);
}

/** The restore with post-restore-sql last in its transaction, after the in-transaction row check. */
export function withPostRestoreSql(
  p: PlannedRestore,
  request: PlanRequest,
  sql: string | undefined,
): PlannedRestore {
  if (!sql) return p;
  const rowCheck = request.schemaOnly ? '' : rowCountCheckSql(comparedTables(p, request));
  core.info(
    'post-restore-sql runs last in the restore transaction, after the row counts are taken there.',
  );
  return { ...p, selection: { ...p.selection, rowCheck, postRestoreSql: sql } };
}

/** The comparison a committed restore with the row check proved: every count as the manifest's. */
export function provenInTransaction(p: PlannedRestore, request: PlanRequest): Comparison {
  if (request.schemaOnly) return { compared: false, rows: [], mismatches: [] };
  const tables = comparedTables(p, request);
  core.info(
    `${tables.length} of ${tables.length} tables had the manifest's row counts inside the restore transaction, before post-restore-sql.`,
  );
  return compareCounts(
    tables,
    tables.map((t) => t.rows),
  );
}
