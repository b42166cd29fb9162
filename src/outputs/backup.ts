import * as core from '@actions/core';
import { describeHold } from '../catalog/anomalies.js';
import type { Changes } from '../catalog/changes.js';
import type { Manifest } from '../catalog/manifest.js';
import { changesTableHtml, describeChanges } from './changes.js';
import { globalsBackupRows } from './globals.js';
import { OUTPUTS } from './names.js';
import { addCollapsedTable, addFieldTable, escapeHtml, flushSummary } from './summary.js';
import { formatBytes, plural } from '../units.js';

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
  /** pg_database_size of the source divided by the dump's seconds (the Throughput row). */
  databaseBytesPerSecond?: number;
  /** Ids deleted by retention. */
  pruned: string[];
  /** The retention policy applied after the backup (e.g. `keep-daily 7`); undefined = none ran. */
  retention?: string;
  /** What changed since the previous backup of the label (the `changes` output). */
  changes?: Changes;
  /** With several databases: every finished backup, this one (the first) included. */
  backups?: BackupReport[];
  /** With several databases: those whose backup failed. */
  failed?: FailedDatabase[];
}

/** A database whose backup failed, and why. */
export interface FailedDatabase {
  database: string;
  error: string;
}

/** One entry of the `backups` output. */
export interface BackupEntry {
  database: string;
  'backup-id': string;
  location: string;
  size: number;
  sha256: string;
  tables: number;
  rows: number;
}

/** The `backups` output: one entry per finished database backup. */
export function backupEntries(reports: BackupReport[]): BackupEntry[] {
  return reports.map((r) => ({
    database: r.manifest.server.database,
    'backup-id': r.manifest.id,
    location: r.locations[0] ?? '',
    size: r.manifest.object.size,
    sha256: r.manifest.object.sha256,
    tables: r.manifest.tables.length,
    rows: r.manifest.totalRows,
  }));
}

/**
 * Sets the outputs, logs and writes the summary of the finished backups (one per database):
 * the single-value outputs describe the first, `size`, `tables` and `rows` are sums. Returns the
 * first backup's report carrying all of them; undefined when none finished.
 */
export async function reportBackups(
  reports: BackupReport[],
  failed: FailedDatabase[],
  durationSeconds: number,
): Promise<BackupReport | undefined> {
  const [first] = reports;
  const report = first && { ...first, backups: reports, failed, durationSeconds };
  if (report) setBackupOutputs(report);
  for (const r of reports)
    for (const [field, value] of backupSummaryRows(r))
      core.info(`${field}: ${value.replace(/<br>/g, ', ')}`);
  if (reports.length + failed.length > 1) addDatabasesTable(reports, failed);
  for (const r of reports) await writeBackupSummary(r);
  if (!reports.length) await flushSummary();
  return report;
}

/** The summary's table of a run over several databases: one row per database. */
function addDatabasesTable(reports: BackupReport[], failed: FailedDatabase[]): void {
  core.summary.addHeading(`PostgreSQL backup of ${reports.length + failed.length} databases`, 3);
  core.summary.addTable([
    ['Database', 'Status', 'Backup id', 'Size', 'Tables / rows'].map((data) => ({
      data,
      header: true,
    })),
    ...backupEntries(reports).map((e) => [
      escapeHtml(e.database),
      'stored',
      e['backup-id'],
      formatBytes(e.size),
      `${e.tables} / ${e.rows}`,
    ]),
    ...failed.map((f) => [escapeHtml(f.database), 'failed', escapeHtml(f.error), '-', '-']),
  ]);
}

/** Sets the backup outputs; with several databases `size`, `tables` and `rows` are sums. */
export function setBackupOutputs(r: BackupReport): void {
  const m = r.manifest;
  const entries = backupEntries(r.backups ?? [r]);
  const sum = (field: 'size' | 'tables' | 'rows') =>
    String(entries.reduce((total, e) => total + e[field], 0));
  const values: [string, string][] = [
    [OUTPUTS.backupId, m.id],
    [OUTPUTS.location, r.locations[0] ?? ''],
    [OUTPUTS.locations, JSON.stringify(r.locations)],
    [OUTPUTS.manifestLocation, r.manifestLocation],
    [OUTPUTS.size, sum('size')],
    [OUTPUTS.sha256, m.object.sha256],
    [OUTPUTS.duration, r.durationSeconds.toFixed(1)],
    [OUTPUTS.serverVersion, m.server.version],
    [OUTPUTS.clientVersion, m.client.pgDumpVersion],
    [OUTPUTS.tables, sum('tables')],
    [OUTPUTS.rows, sum('rows')],
    [OUTPUTS.backups, JSON.stringify(entries)],
    [OUTPUTS.encrypted, String(m.encryption.scheme !== 'none')],
    [OUTPUTS.verified, String(m.verification.archive === 'passed')],
    [OUTPUTS.pruned, JSON.stringify(r.pruned)],
  ];
  values.push(...anomalyOutputs(r.backups ?? [r]));
  if (r.artifactId !== undefined) values.push([OUTPUTS.artifactId, String(r.artifactId)]);
  if (r.changes) values.push([OUTPUTS.changes, JSON.stringify(cappedChanges(r.changes))]);
  for (const [name, value] of values) core.setOutput(name, value);
}

/**
 * `anomalies` (every backup's flags; with several databases each detail names its label) and `hold`
 * (the first backup's hold that is set, or empty).
 */
function anomalyOutputs(reports: BackupReport[]): [string, string][] {
  const several = reports.length > 1;
  const anomalies = reports.flatMap((r) =>
    (r.manifest.anomalies ?? []).map((a) =>
      several ? { ...a, detail: `${r.manifest.label}: ${a.detail}` } : a,
    ),
  );
  const hold = reports.find((r) => r.manifest.hold)?.manifest.hold?.since ?? '';
  return [
    [OUTPUTS.anomalies, JSON.stringify(anomalies)],
    [OUTPUTS.hold, hold],
  ];
}

/** The job summary rows of a backup, also printed to the log. */
export function backupSummaryRows(r: BackupReport): [string, string][] {
  const m = r.manifest;
  // Database bytes (pg_database_size) per second of the dump, as the benchmark states it.
  const throughput = r.databaseBytesPerSecond
    ? `${formatBytes(r.databaseBytesPerSecond)}/s of database`
    : '-';
  return [
    ['Backup id', m.id],
    ['Location', r.locations.join('<br>')],
    ['Size', `${formatBytes(m.object.size)} (${plural(m.object.size, 'byte')})`],
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
    ...globalsBackupRows(m),
    ...prunedRow(r),
    ...(r.changes ? [['Changes', escapeHtml(describeChanges(r.changes))] as [string, string]] : []),
    ...anomalyRows(m),
  ];
}

/** The summary's first row: stored, verified or not, and flagged or not. */
export function backupStatus(m: Manifest): string {
  const verified =
    m.verification.archive === 'passed'
      ? 'stored and verified'
      : 'stored, not verified (verify: none)';
  const flags = m.anomalies ?? [];
  if (!flags.length) return `✅ ${verified}`;
  const kinds = [...new Set(flags.map((a) => a.kind))].join(', ');
  return `⚠️ ${verified}, flagged: ${kinds} (see Anomalies)`;
}

/** The "Anomalies" row (when compared) and the "Retention hold" row (when one lasts). */
function anomalyRows(m: Manifest): [string, string][] {
  const rows: [string, string][] = [];
  if (m.anomalies)
    rows.push([
      'Anomalies',
      m.anomalies.length
        ? m.anomalies.map((a) => `${a.kind}: ${escapeHtml(a.detail)}`).join('<br>')
        : 'none',
    ]);
  if (m.hold) rows.push(['Retention hold', escapeHtml(describeHold(m.hold))]);
  return rows;
}

/** The "Pruned" row, only when retention ran after the backup. */
function prunedRow(r: BackupReport): [string, string][] {
  if (r.retention === undefined) return [];
  return [['Pruned', `${r.pruned.length ? r.pruned.join('<br>') : 'none'} (${r.retention})`]];
}

/** Writes the job summary: the backup table and the per-table row counts. */
export async function writeBackupSummary(r: BackupReport): Promise<void> {
  const rows = backupSummaryRows(r);
  // The largest tables first: with thousands of tables the summary shows the ones that matter.
  const tableRows = [...r.manifest.tables]
    .sort((a, b) => b.rows - a.rows)
    .map((t) => [`${t.schema}.${t.name}`, String(t.rows)]);
  addFieldTable(`PostgreSQL backup ${r.manifest.id}`, [
    ['Status', backupStatus(r.manifest)],
    ...rows,
  ]);
  if (tableRows.length)
    addCollapsedTable(`Rows per table (${tableRows.length})`, ['Table', 'Rows'], tableRows);
  if (r.changes?.tables.length) {
    core.summary.addDetails(
      `Largest row changes since ${r.changes.previous ?? ''} (${r.changes.tables.length})`,
      changesTableHtml(r.changes.tables),
    );
  }
  await flushSummary();
}

/** Names the `changes` output lists at most (a job output may hold 1 MB); the counts stay whole. */
export const MAX_CHANGED_NAMES = 1000;

/**
 * The changes with tablesAdded / tablesRemoved cut to {@link MAX_CHANGED_NAMES}; a list that was
 * cut gets its whole count beside it (`tablesAddedCount`, `tablesRemovedCount`).
 */
export function cappedChanges(c: Changes): Changes & Record<string, unknown> {
  const capped: Changes & Record<string, unknown> = { ...c };
  for (const field of ['tablesAdded', 'tablesRemoved'] as const) {
    if (c[field].length <= MAX_CHANGED_NAMES) continue;
    capped[field] = c[field].slice(0, MAX_CHANGED_NAMES);
    capped[`${field}Count`] = c[field].length;
  }
  return capped;
}
