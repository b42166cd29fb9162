import * as core from '@actions/core';
import type { Comparison, Manifest } from '../catalog/manifest.js';
import { OUTPUTS } from './names.js';
import { flushSummary } from './summary.js';

/** What a finished restore reports. */
export interface RestoreReport {
  manifest: Manifest;
  comparison: Comparison;
  durationSeconds: number;
  target: string;
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
