import type { Anomaly } from '../catalog/anomalies.js';
import type { Command } from '../settings.js';
import type { BackupReport } from './backup.js';
import type { RestoreReport } from './restore.js';
import { anomalyFacts } from './anomalies.js';
import { formatBytes, plural } from '../units.js';

/** What a command's result contributes to its notification; fields that do not apply stay unset. */
export interface NoticeFields {
  /** The label of the backups concerned. */
  label?: string;
  /** The backup written, restored, verified or checked. */
  backupId?: string;
  /** Bytes stored. */
  size?: number;
  /** SHA-256 of the stored object. */
  sha256?: string;
  /** Seconds the command's work took. */
  duration?: number;
  /** Where the data object is (the `location` output's form: never a URL with credentials). */
  location?: string;
  /** The watchdog's verdict (check). */
  healthy?: boolean;
  /** What the backup's comparison with the previous one flagged (backup). */
  anomalies?: Anomaly[];
  /** The id whose anomaly holds retention of the label (backup, check, prune). */
  hold?: string;
  /** Short facts for the one-line text only, e.g. `25 000 rows`, `verified`; not message fields. */
  facts?: string[];
}

/** The JSON message posted to `webhook-url`: Slack's `text` plus the fields that apply. */
export interface Notification extends Omit<NoticeFields, 'facts'> {
  /** One line for Slack (and Discord's /slack, Teams workflows, healthchecks.io). */
  text: string;
  /** How the command ended. */
  status: 'success' | 'failure';
  /** The command, unless the `command` input itself was invalid. */
  command?: Command;
  /** The one-line error, the same text as the step's `::error::`. */
  error?: string;
}

/** How a command ended, as far as its notification tells it. */
export type Ending =
  | { status: 'success'; fields: NoticeFields }
  | { status: 'failure'; error: string; fields: NoticeFields };

/** The message for a command's ending: its fields (those that apply) and the one-line text. */
export function buildNotification(command: Command | undefined, ending: Ending): Notification {
  const { facts, ...fields } = ending.fields;
  const defined = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined && value !== ''),
  ) as Omit<NoticeFields, 'facts'>;
  // Rounded as the duration output is (toFixed), so the message and the output never differ.
  if (defined.duration !== undefined) defined.duration = Number(defined.duration.toFixed(1));
  const error = ending.status === 'failure' ? oneLine(ending.error) : undefined;
  return {
    text: oneLine(
      error === undefined
        ? successText(command, fields, facts)
        : failureText(command, fields, error),
    ),
    status: ending.status,
    ...(command ? { command } : {}),
    ...defined,
    ...(error === undefined ? {} : { error }),
  };
}

/** `✅ backup app-20261122T020000Z: 12.3 MiB, 25 000 rows, verified (3.4 s)` */
function successText(command: Command | undefined, f: NoticeFields, facts: string[] = []): string {
  const subject = f.backupId ?? f.label;
  const details = [...(f.size === undefined ? [] : [formatBytes(f.size)]), ...facts];
  return [
    `✅ ${command ?? 'postgres-backup-action'}${subject ? ` ${subject}` : ''}`,
    details.length ? `: ${details.join(', ')}` : ' succeeded',
    f.duration === undefined ? '' : ` (${f.duration.toFixed(1)} s)`,
  ].join('');
}

/** `❌ restore failed: <error>` (with the label when it is known). */
function failureText(command: Command | undefined, f: NoticeFields, error: string): string {
  const subject = f.backupId ?? f.label;
  return `❌ ${command ?? 'postgres-backup-action'}${subject ? ` ${subject}` : ''} failed: ${error}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** A whole number with its thousands apart, e.g. `25 000`. */
export function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** The notification fields of a finished backup. */
export function backupNotice(r: BackupReport): NoticeFields {
  const m = r.manifest;
  return {
    label: m.label,
    backupId: m.id,
    size: m.object.size,
    sha256: m.object.sha256,
    duration: r.durationSeconds,
    location: r.locations[0],
    facts: [
      plural(m.totalRows, 'row', 'rows', groupDigits(m.totalRows)),
      ...(m.encryption.scheme === 'none' ? [] : ['encrypted']),
      m.verification.archive === 'passed' ? 'verified' : 'not verified',
      ...(r.pruned.length ? [`${r.pruned.length} pruned`] : []),
      ...anomalyFacts(m),
    ],
    ...(m.anomalies ? { anomalies: m.anomalies } : {}),
    ...(m.hold ? { hold: m.hold.since } : {}),
  };
}

/** The notification fields of a finished restore. */
export function restoreNotice(r: RestoreReport): NoticeFields {
  const c = r.comparison;
  const restored = c.rows.reduce((sum, row) => sum + Math.max(0, row.restored), 0);
  return {
    label: r.manifest.label,
    backupId: r.manifest.id,
    duration: r.durationSeconds,
    facts: [
      `into ${r.target}`,
      plural(restored, 'row', 'rows', groupDigits(restored)),
      c.compared ? (c.mismatches.length ? 'rows differ' : 'rows verified') : 'schema only',
    ],
  };
}

/** The message with every occurrence of a secret replaced by `***`, whatever field it reached. */
export function withoutSecrets(message: Notification, secrets: readonly string[]): Notification {
  const hidden = [...new Set(secrets.filter((s) => s.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  const scrub = (value: unknown): unknown =>
    typeof value === 'string'
      ? hidden.reduce((text, s) => text.split(s).join('***'), value)
      : value;
  return Object.fromEntries(
    Object.entries(message).map(([key, value]) => [key, scrub(value)]),
  ) as unknown as Notification;
}

/**
 * The notification fields of a command without its own notice function: whatever of the
 * message's fields its result carries under those names (or `manifest.id`, `durationSeconds`).
 */
export function genericNotice(report: unknown): NoticeFields {
  if (typeof report !== 'object' || report === null) return {};
  const r = report as Record<string, unknown>;
  const manifest = (
    typeof r.manifest === 'object' && r.manifest !== null ? r.manifest : {}
  ) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return {
    label: text(r.label) ?? text(manifest.label),
    backupId: text(r.backupId) ?? text(manifest.id),
    size: num(r.size),
    sha256: text(r.sha256),
    duration: num(r.duration) ?? num(r.durationSeconds),
    location: text(r.location),
    healthy: typeof r.healthy === 'boolean' ? r.healthy : undefined,
    hold: text(r.hold),
  };
}
