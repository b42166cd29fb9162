import * as core from '@actions/core';
import type { Manifest } from './manifest.js';
import { flushSummary, OUTPUTS } from './outputs.js';
import type { TableRows } from './pipeline/row-count.js';
import { countRows } from './postgres/target.js';
import type { RestoreSettings } from './restore-settings.js';

/** One table's rows: as the manifest recorded them and as the target has them now. */
export interface RowComparison {
  table: string;
  expected: number;
  /** -1 when the table is missing from the target. */
  restored: number;
}

/** The row comparison after a restore. */
export interface Comparison {
  /** False when rows were not restored (schema-only), so nothing could be compared. */
  compared: boolean;
  rows: RowComparison[];
  mismatches: RowComparison[];
}

/** What a finished restore reports. */
export interface RestoreReport {
  manifest: Manifest;
  comparison: Comparison;
  durationSeconds: number;
  target: string;
}

/** The manifest tables a restore with these settings brings back. */
export function selectedTables(
  manifest: Manifest,
  s: Pick<RestoreSettings, 'schemas' | 'tables'>,
): TableRows[] {
  // The same sets pg_restore gets (buildSelectionArgs): it keeps a table matching both.
  const schemas = new Set(s.schemas);
  const names = new Set<string>();
  for (const table of s.tables) {
    const dot = table.lastIndexOf('.');
    if (dot > 0) schemas.add(table.slice(0, dot));
    names.add(dot > 0 ? table.slice(dot + 1) : table);
  }
  return manifest.tables.filter(
    (t) => (schemas.size === 0 || schemas.has(t.schema)) && (names.size === 0 || names.has(t.name)),
  );
}

/** Counts the restored rows of every selected table and compares them with the manifest. */
export async function compareRows(manifest: Manifest, s: RestoreSettings): Promise<Comparison> {
  if (s.schemaOnly) return { compared: false, rows: [], mismatches: [] };
  const tables = selectedTables(manifest, s);
  const counts = await countRows(s.target, tables);
  const rows = tables.map((t, i) => ({
    table: `${t.schema}.${t.name}`,
    expected: t.rows,
    restored: counts[i] ?? -1,
  }));
  const mismatches = rows.filter((r) => r.expected !== r.restored);
  core.info(
    `${rows.length - mismatches.length} of ${rows.length} tables have the manifest's row counts.`,
  );
  return { compared: true, rows, mismatches };
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

/** Writes the job summary: the restore and the per-table comparison. */
export async function writeRestoreSummary(r: RestoreReport): Promise<void> {
  const c = r.comparison;
  const verdict = !c.compared
    ? 'not compared (schema only)'
    : c.mismatches.length
      ? `${c.mismatches.length} table(s) differ`
      : 'all row counts equal the manifest';
  core.summary.addHeading(`PostgreSQL restore of ${r.manifest.id}`, 3);
  core.summary.addTable([
    [
      { data: 'Field', header: true },
      { data: 'Value', header: true },
    ],
    ['Backup', `${r.manifest.id} (${r.manifest.createdAt})`],
    ['Target database', r.target],
    ['Recovery time', `${r.durationSeconds.toFixed(1)} s`],
    ['Verification', verdict],
  ]);
  if (c.rows.length) {
    core.summary.addTable([
      [
        { data: 'Table', header: true },
        { data: 'Manifest', header: true },
        { data: 'Restored', header: true },
      ],
      ...c.rows.map((row) => [
        row.table,
        String(row.expected),
        row.restored < 0 ? 'missing' : String(row.restored),
      ]),
    ]);
  }
  await flushSummary();
}
