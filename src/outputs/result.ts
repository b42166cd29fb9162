// The one ungrouped line that ends a successful run (and its `::notice::`), for the commands whose
// own output file does not have one: backup and restore.
import { anomalyFacts } from './anomalies.js';
import type { BackupReport } from './backup.js';
import { groupDigits } from './notification.js';
import type { RestoreReport } from './restore.js';
import { formatBytes, plural } from '../units.js';

/** `Backed up app-20261122T020000Z: 159.0 KiB, 25 000 rows in 12 tables, verified, at … (3.4 s)` */
export function backupResultLine(r: BackupReport): string {
  if ((r.backups?.length ?? 0) > 1 || r.failed?.length) return serverResultLine(r);
  const m = r.manifest;
  const facts = [
    formatBytes(m.object.size),
    `${plural(m.totalRows, 'row', 'rows', groupDigits(m.totalRows))} in ${plural(m.tables.length, 'table')}`,
    ...(m.encryption.scheme === 'none' ? [] : ['encrypted']),
    m.verification.archive === 'passed' ? 'verified' : 'not verified (verify: none)',
    ...(r.retention === undefined ? [] : [`${r.pruned.length} pruned`]),
    ...anomalyFacts(m),
  ];
  const where = r.locations.length > 1 ? `${r.locations.length} locations` : r.locations[0];
  return `Backed up ${m.id}: ${facts.join(', ')}, at ${where ?? '-'} (${r.durationSeconds.toFixed(1)} s).`;
}

/** With several databases: `Backed up 3 databases (app-…, crm-…, web-…): 1.2 MiB, 80 000 rows (9.0 s).` */
function serverResultLine(r: BackupReport): string {
  const all = r.backups ?? [r];
  const size = all.reduce((sum, b) => sum + b.manifest.object.size, 0);
  const rows = all.reduce((sum, b) => sum + b.manifest.totalRows, 0);
  const failed = r.failed?.length
    ? `; ${r.failed.length} failed: ${r.failed.map((f) => f.database).join(', ')}`
    : '';
  const ids = all.map((b) => b.manifest.id).join(', ');
  const flagged = all.flatMap((b) =>
    anomalyFacts(b.manifest).length
      ? [`${b.manifest.label}: ${anomalyFacts(b.manifest).join(', ')}`]
      : [],
  );
  const flags = flagged.length ? `; ${flagged.join('; ')}` : '';
  return `Backed up ${all.length} databases (${ids}): ${formatBytes(size)}, ${plural(rows, 'row', 'rows', groupDigits(rows))}${failed}${flags} (${r.durationSeconds.toFixed(1)} s).`;
}

/** `Restored app-… into 'app_copy': 25 000 rows in 12 tables match the manifest (8.1 s).` */
export function restoreResultLine(r: RestoreReport): string {
  const c = r.comparison;
  const restored = c.rows.reduce((sum, row) => sum + Math.max(0, row.restored), 0);
  const rows = `${plural(restored, 'row', 'rows', groupDigits(restored))} in ${plural(c.rows.length, 'table')}`;
  const verdict = !c.compared
    ? 'schema only, rows not compared'
    : c.mismatches.length
      ? `${rows}, ${plural(c.mismatches.length, 'table differs', 'tables differ')} from the manifest`
      : `${rows} match the manifest`;
  return `Restored ${r.manifest.id} into '${r.target}': ${verdict} (${r.durationSeconds.toFixed(1)} s).`;
}
