// The worst day: what a backup's comparison with the previous one flags, and the retention hold a
// flag starts. Pure: manifests in, flags and the hold out.
import type { AnomalyPolicy } from '../settings.js';
import type { TableRows } from './archive-facts.js';

/** The kinds of anomaly, as the `anomalies` output and the manifest name them. */
export type AnomalyKind = 'rows-dropped' | 'table-emptied' | 'table-removed' | 'empty';

/** One flag: its kind and a sentence naming the tables and numbers. */
export interface Anomaly {
  kind: AnomalyKind;
  detail: string;
}

/** A retention hold: the backup whose anomaly started it, and why. */
export interface Hold {
  since: string;
  reason: string;
}

/** What the comparison needs of a backup (a Manifest has it all). */
export interface Compared {
  id: string;
  tables: TableRows[];
  totalRows: number;
  verification: { archive: 'passed' | 'skipped' };
  hold?: Hold;
}

/** Per-table flags beyond this many of one kind are summed up in one more flag. */
const MAX_PER_KIND = 10;

/**
 * The anomalies of `current` against `previous`; undefined when nothing was compared: without a
 * previous backup, with `anomaly: off`, or when either archive's rows were not counted (verify: none).
 */
export function detectAnomalies(
  previous: Compared | undefined,
  current: Compared,
  policy: AnomalyPolicy,
): Anomaly[] | undefined {
  if (!previous || policy.mode === 'off') return undefined;
  if (![previous, current].every((m) => m.verification.archive === 'passed')) return undefined;
  return [
    ...emptyFlag(previous, current),
    ...rowsDropped(previous, current, policy.rowDrop),
    ...tableFlags(previous, current),
  ];
}

function emptyFlag(previous: Compared, current: Compared): Anomaly[] {
  if (previous.totalRows === 0 || (current.tables.length > 0 && current.totalRows > 0)) return [];
  const what = current.tables.length ? 'no row' : 'no user table';
  return [
    {
      kind: 'empty',
      detail: `This backup has ${what}; the previous backup ${previous.id} had ${previous.tables.length} tables and ${previous.totalRows} rows.`,
    },
  ];
}

function rowsDropped(previous: Compared, current: Compared, limit: number): Anomaly[] {
  const before = previous.totalRows;
  if (before === 0) return [];
  const drop = ((before - current.totalRows) / before) * 100;
  if (drop <= limit) return [];
  return [
    {
      kind: 'rows-dropped',
      detail: `Total rows fell from ${before} to ${current.totalRows} (${drop.toFixed(1)}% fewer, more than anomaly-row-drop ${limit}%) since ${previous.id}.`,
    },
  ];
}

/** `table-emptied` and `table-removed`: tables that had rows in the previous backup. */
function tableFlags(previous: Compared, current: Compared): Anomaly[] {
  const after = rowsByName(current.tables);
  const emptied: string[] = [];
  const removed: string[] = [];
  for (const [name, rows] of rowsByName(previous.tables)) {
    if (rows === 0) continue;
    const now = after.get(name);
    if (now === undefined) removed.push(`${name} (had ${rows} rows)`);
    else if (now === 0) emptied.push(`${name} (had ${rows} rows)`);
  }
  return [
    ...perTable('table-emptied', emptied, 'has no rows now'),
    ...perTable('table-removed', removed, 'is not in this backup'),
  ];
}

function perTable(kind: AnomalyKind, tables: string[], what: string): Anomaly[] {
  const flags = tables.slice(0, MAX_PER_KIND).map((t) => ({ kind, detail: `${t} ${what}.` }));
  const more = tables.length - MAX_PER_KIND;
  if (more > 0) flags.push({ kind, detail: `And ${more} more tables that had rows (${kind}).` });
  return flags;
}

function rowsByName(tables: TableRows[]): Map<string, number> {
  const rows = new Map<string, number>();
  for (const t of tables) {
    const name = `${t.schema}.${t.name}`;
    rows.set(name, (rows.get(name) ?? 0) + t.rows);
  }
  return rows;
}

/**
 * The hold this backup records: none with `accept` (a person said the change was intended); else
 * the previous backup's hold, carried forward (also with `off`); else a new hold when this backup
 * is flagged.
 */
export function nextHold(
  previous: Compared | undefined,
  current: { id: string; anomalies: Anomaly[] },
  policy: AnomalyPolicy,
): Hold | undefined {
  if (policy.mode === 'accept') return undefined;
  if (previous?.hold) return previous.hold;
  if (!current.anomalies.length) return undefined;
  return { since: current.id, reason: describeAnomalies(current.anomalies) };
}

/** `rows-dropped, table-emptied ×3`: the kinds of a list of flags, in order, counted. */
export function describeAnomalies(anomalies: Anomaly[]): string {
  const counts = new Map<AnomalyKind, number>();
  for (const a of anomalies) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind)).join(', ');
}

/** What ends a hold, for every message that reports one. */
export const HOLD_REMEDY =
  'check the data, then run a backup with anomaly: accept if the change was intended (that backup ends the hold)';

/** One sentence about a hold: since which backup, why, and what ends it. */
export function describeHold(hold: Hold): string {
  return `Retention of this label is on hold since ${hold.since} (${hold.reason}): ${HOLD_REMEDY}.`;
}
