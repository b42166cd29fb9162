import * as core from '@actions/core';
import type { Changes } from '../catalog/changes.js';
import type { Manifest } from '../catalog/manifest.js';
import { changesTableHtml, describeChanges } from './changes.js';
import { OUTPUTS } from './names.js';
import { escapeHtml, flushSummary, formatBytes } from './summary.js';

/** What a finished backup reports. */
export interface BackupReport {
  manifest: Manifest;
  /** Data object location at each storage, in order. */
  locations: string[];
  /** Manifest location at the first storage. */
  manifestLocation: string;
  /** The data object's artifact id, when artifact storage was used. */
  artifactId?: number;
  /** Seconds spent installing the client, when this run installed one. */
  installSeconds?: number;
  /** Seconds from start to manifest written. */
  durationSeconds: number;
  /** Ids deleted by retention. */
  pruned: string[];
  /** The retention policy applied after the backup (e.g. `keep-daily 7`); undefined = none ran. */
  retention?: string;
  /** What changed since the previous backup of the label (the `changes` output). */
  changes?: Changes;
}

/** Sets the backup outputs. */
export function setBackupOutputs(r: BackupReport): void {
  const m = r.manifest;
  const values: [string, string][] = [
    [OUTPUTS.backupId, m.id],
    [OUTPUTS.location, r.locations[0] ?? ''],
    [OUTPUTS.locations, JSON.stringify(r.locations)],
    [OUTPUTS.manifestLocation, r.manifestLocation],
    [OUTPUTS.size, String(m.object.size)],
    [OUTPUTS.sha256, m.object.sha256],
    [OUTPUTS.duration, r.durationSeconds.toFixed(1)],
    [OUTPUTS.serverVersion, m.server.version],
    [OUTPUTS.clientVersion, m.client.pgDumpVersion],
    [OUTPUTS.tables, String(m.tables.length)],
    [OUTPUTS.rows, String(m.totalRows)],
    [OUTPUTS.encrypted, String(m.encryption.scheme !== 'none')],
    [OUTPUTS.verified, String(m.verification.archive === 'passed')],
    [OUTPUTS.pruned, JSON.stringify(r.pruned)],
  ];
  if (r.artifactId !== undefined) values.push([OUTPUTS.artifactId, String(r.artifactId)]);
  if (r.changes) values.push([OUTPUTS.changes, JSON.stringify(r.changes)]);
  for (const [name, value] of values) core.setOutput(name, value);
}

/** The job summary rows of a backup, also printed to the log. */
export function backupSummaryRows(r: BackupReport): [string, string][] {
  const m = r.manifest;
  const throughput =
    r.durationSeconds > 0 ? `${formatBytes(m.object.size / r.durationSeconds)}/s stored` : '-';
  return [
    ['Backup id', m.id],
    ['Location', r.locations.join('<br>')],
    ['Size', `${formatBytes(m.object.size)} (${m.object.size} bytes)`],
    ['SHA-256', m.object.sha256],
    ['Duration', `${r.durationSeconds.toFixed(1)} s`],
    ['Throughput', throughput],
    ['Server', `PostgreSQL ${m.server.version} (database ${m.server.database})`],
    [
      'Client',
      `pg_dump ${m.client.pgDumpVersion}${r.installSeconds === undefined ? '' : ` (installed in ${r.installSeconds.toFixed(1)} s)`}`,
    ],
    ['Format', `${m.dump.format}, compression ${m.dump.compression}`],
    ['Encryption', m.encryption.scheme],
    ['Tables / rows', `${m.tables.length} / ${m.totalRows}`],
    [
      'Verification',
      m.verification.archive === 'passed' ? 'archive read back in full, rows counted' : 'skipped',
    ],
    ...prunedRow(r),
    ...(r.changes ? [['Changes', describeChanges(r.changes)] as [string, string]] : []),
  ];
}

/** The "Pruned" row, only when retention ran after the backup. */
function prunedRow(r: BackupReport): [string, string][] {
  if (r.retention === undefined) return [];
  return [['Pruned', `${r.pruned.length ? r.pruned.join('<br>') : 'none'} (${r.retention})`]];
}

/** Writes the job summary: the backup table and the per-table row counts. */
export async function writeBackupSummary(r: BackupReport): Promise<void> {
  const rows = backupSummaryRows(r);
  const tableRows = r.manifest.tables.map((t) => [`${t.schema}.${t.name}`, String(t.rows)]);
  core.summary.addHeading(`PostgreSQL backup ${r.manifest.id}`, 3);
  core.summary.addTable([
    [
      { data: 'Field', header: true },
      { data: 'Value', header: true },
    ],
    ...rows,
  ]);
  if (tableRows.length) {
    core.summary.addDetails(
      `Rows per table (${tableRows.length})`,
      `<table><tr><th>Table</th><th>Rows</th></tr>${tableRows.map(([t, n]) => `<tr><td>${escapeHtml(t ?? '')}</td><td>${n}</td></tr>`).join('')}</table>`,
    );
  }
  if (r.changes?.tables.length) {
    core.summary.addDetails(
      `Largest row changes since ${r.changes.previous ?? ''} (${r.changes.tables.length})`,
      changesTableHtml(r.changes.tables),
    );
  }
  await flushSummary();
}
