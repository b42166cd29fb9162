import * as core from '@actions/core';
import type { Comparison, Manifest } from '../catalog/manifest.js';
import { OUTPUTS } from './names.js';
import type { SqlFilterCounts } from '../pipeline/sql-filter.js';
import { addCollapsedTable, escapeHtml, flushSummary, addFieldTable } from './summary.js';
import { plural } from '../units.js';

/** What a finished restore reports. */
export interface RestoreReport {
  manifest: Manifest;
  comparison: Comparison;
  durationSeconds: number;
  target: string;
  /** Ownership and privilege statements left out (no-owner / no-privileges). */
  skipped?: SqlFilterCounts;
  /** What the plan did with owners and privileges, and why (e.g. `owners kept (…); privileges …`). */
  ownership?: string;
  /** Archive entries the plan left out, with why. */
  leftOut?: string[];
  /** True when post-restore-sql ran in the restore transaction (after the row counts). */
  postRestoreSql?: boolean;
}

/**
 * What no-owner / no-privileges left out, and what it means after a restore; undefined for none.
 * Each consequence is named only when statements of its kind were left out.
 */
export function skippedNote(skipped: SqlFilterCounts | undefined): string | undefined {
  const { ownership = 0, privileges = 0 } = skipped ?? {};
  const notes = [
    ...(ownership
      ? [
          `${plural(ownership, 'ownership statement')} of the backup ${ownership === 1 ? 'was' : 'were'} not applied (no-owner): every restored object belongs to the restoring user.`,
        ]
      : []),
    ...(privileges
      ? [
          `${plural(privileges, 'privilege statement')} of the backup ${privileges === 1 ? 'was' : 'were'} not applied (no-privileges): grants such as GRANT ALL ON SCHEMA public TO PUBLIC and ALTER DEFAULT PRIVILEGES are missing, so other roles may be unable to use or create objects.`,
        ]
      : []),
  ];
  if (!notes.length) return undefined;
  const keep = [ownership && 'no-owner: false', privileges && 'no-privileges: false'];
  return `${notes.join(' ')} To keep them, create the roles first (restore-globals: true) and set ${keep.filter(Boolean).join(' and ')}.`;
}

/** Sets the restore outputs. */
export function setRestoreOutputs(r: RestoreReport): void {
  const restored = r.comparison.rows.reduce((sum, row) => sum + Math.max(0, row.restored), 0);
  core.setOutput(OUTPUTS.backupId, r.manifest.id);
  core.setOutput(OUTPUTS.duration, r.durationSeconds.toFixed(1));
  core.setOutput(OUTPUTS.tables, String(r.comparison.rows.length));
  core.setOutput(OUTPUTS.rows, String(restored));
  core.setOutput(
    OUTPUTS.verified,
    String(r.comparison.compared && r.comparison.mismatches.length === 0),
  );
}

/** The summary rows of a restore, as field and value. */
function restoreRows(r: RestoreReport): [string, string][] {
  const c = r.comparison;
  const verdict = !c.compared
    ? 'not compared (schema only)'
    : c.mismatches.length
      ? `${plural(c.mismatches.length, 'table differs', 'tables differ')}`
      : 'all row counts equal the manifest';
  const counted = r.postRestoreSql
    ? ' (counted in the restore transaction, before post-restore-sql)'
    : '';
  const skipped = skippedNote(r.skipped);
  return [
    ['Status', restoreStatus(c)],
    ['Backup', `${r.manifest.id} (${r.manifest.createdAt})`],
    ['Target database', r.target],
    ['Recovery time', `${r.durationSeconds.toFixed(1)} s`],
    ['Verification', `${verdict}${counted}`],
    ...optionalRow('Owners and privileges', r.ownership),
    ...optionalRow('Left out', r.leftOut?.length ? capList(r.leftOut) : undefined),
    ...optionalRow('Post-restore SQL', r.postRestoreSql ? POST_RESTORE_RAN : undefined),
    ...optionalRow('Not applied', skipped),
  ];
}

/** The summary's first row: how the restore ended. */
function restoreStatus(c: Comparison): string {
  if (!c.compared) return '✅ restored (schema only: rows not compared)';
  if (!c.mismatches.length) return '✅ restored';
  return `❌ restored, but ${plural(c.mismatches.length, 'table differs', 'tables differ')} from the manifest (the step fails)`;
}

const POST_RESTORE_RAN = 'ran last in the restore transaction, before COMMIT';

function optionalRow(field: string, value: string | undefined): [string, string][] {
  return value ? [[field, value]] : [];
}

/** Writes the job summary: the restore and the per-table comparison. */
export async function writeRestoreSummary(r: RestoreReport): Promise<void> {
  addFieldTable(`PostgreSQL restore of ${escapeHtml(r.manifest.id)}`, [
    ...restoreRows(r).map(([field, value]) => [field, escapeHtml(value)]),
  ]);
  const c = r.comparison;
  if (c.rows.length) {
    // Differing tables first, then the largest: the cap never hides a mismatch behind others.
    const rest = c.rows.filter((row) => !c.mismatches.includes(row));
    const ordered = [...c.mismatches, ...rest.sort((a, b) => b.expected - a.expected)];
    addCollapsedTable(
      `Rows per table (${c.rows.length})`,
      ['Table', 'Manifest', 'Restored'],
      ordered.map((row) => [
        row.table,
        String(row.expected),
        row.restored < 0 ? 'missing' : String(row.restored),
      ]),
    );
  }
  await flushSummary();
}

/** At most 20 items of a list, and how many more. */
function capList(items: string[]): string {
  const shown = items.slice(0, 20).join('; ');
  return items.length > 20 ? `${shown}; and ${items.length - 20} more` : shown;
}
