import * as core from '@actions/core';
import {
  describeBytes,
  describeDuration,
  describePercent,
  describeSpan,
  type Health,
  type HealthLimits,
  type SizeCheck,
} from '../catalog/health.js';
import { compareWith } from '../catalog/changes.js';
import type { Manifest } from '../catalog/manifest.js';
import type { Duration } from '../duration.js';
import { changesTableHtml, describeChanges } from './changes.js';
import { OUTPUTS } from './names.js';
import type { NoticeFields } from './notification.js';
import { escapeHtml, flushSummary, addFieldTable } from './summary.js';

/** What a check reports: the backups it looked at and the verdict. */
export interface CheckReport {
  /** The storage location checked, as the user wrote it. */
  where: string;
  label: string;
  newest: Manifest;
  previous?: Manifest;
  limits: HealthLimits & { maxUnverifiedAge?: Duration };
  health: Health;
  /** The newest verification record's time among the label's backups. */
  verifiedAt?: Date;
}

/** Sets the check outputs: backup-id, age (seconds since finishedAt), size and healthy. */
export function setCheckOutputs(r: CheckReport): void {
  core.setOutput(OUTPUTS.backupId, r.newest.id);
  core.setOutput(OUTPUTS.age, String(r.health.ageSeconds));
  core.setOutput(OUTPUTS.size, String(r.health.size));
  core.setOutput(OUTPUTS.healthy, String(r.health.healthy));
  core.setOutput(OUTPUTS.verifiedAt, r.verifiedAt?.toISOString() ?? '');
  core.setOutput(OUTPUTS.hold, r.health.hold?.since ?? '');
}

/** The `webhook-url` message fields of a check, healthy or not. */
export function checkNotice(r: CheckReport): NoticeFields {
  return {
    label: r.label,
    backupId: r.newest.id,
    size: r.health.size,
    healthy: r.health.healthy,
    ...(r.health.hold ? { hold: r.health.hold.since } : {}),
    facts: [`finished ${describeSpan(r.health.ageSeconds * 1000)} ago`],
  };
}

/** The one line that ends the log: the verdict and the values behind it. */
export function checkResultLine(r: CheckReport): string {
  if (!r.health.healthy) return r.health.problems.join(' ');
  const age = `finished ${describeSpan(r.health.ageSeconds * 1000)} ago (${r.newest.finishedAt})`;
  return `Healthy: the newest backup of '${r.label}' at ${r.where} is ${r.newest.id}, ${age}, ${describeBytes(r.health.size)}.`;
}

/** Writes the job summary of a check (also when it is unhealthy). */
export async function writeCheckSummary(r: CheckReport): Promise<void> {
  const h = r.health;
  // The same comparison as the newest backup's own run: what changed since the one before it.
  const changes = compareWith(r.previous, r.newest);
  addFieldTable(`PostgreSQL backup check of '${escapeHtml(r.label)}'`, [
    ['Status', h.healthy ? '✅ healthy' : '❌ unhealthy'],
    ['Location', escapeHtml(r.where)],
    ['Newest backup', `${r.newest.id} (finished ${r.newest.finishedAt})`],
    ['Age (time since it finished; not about age encryption)', ageRow(r)],
    ['Size', describeBytes(h.size)],
    ['Size against the previous backup', sizeRow(h.sizeCheck, r.limits.sizeTolerance)],
    ['Changes against the previous backup', escapeHtml(describeChanges(changes))],
    ['Last verified (newest verification record)', proofRow(r)],
    ...(h.hold ? [['Retention hold', `since ${h.hold.since} (${escapeHtml(h.hold.reason)})`]] : []),
    ...h.problems.map((p): [string, string] => ['Problem', escapeHtml(p)]),
  ]);
  if (changes.tables.length)
    core.summary.addDetails(
      `Largest row changes since ${escapeHtml(changes.previous ?? '')} (${changes.tables.length})`,
      changesTableHtml(changes.tables),
    );
  await flushSummary();
}

/** Records a check that found no backup: healthy false, and a summary saying where it looked. */
export async function reportNothingFound(where: string, message: string): Promise<void> {
  core.setOutput(OUTPUTS.healthy, 'false');
  addFieldTable('PostgreSQL backup check', [
    ['Status', '❌ unhealthy'],
    ['Location', escapeHtml(where)],
    ['Problem', escapeHtml(message)],
  ]);
  await flushSummary();
}

function proofRow(r: CheckReport): string {
  const limit = r.limits.maxUnverifiedAge;
  const at = r.verifiedAt ? r.verifiedAt.toISOString() : 'never';
  return limit === undefined
    ? `${at}; max-unverified-age not set`
    : `${at}; max-unverified-age ${describeDuration(limit)}`;
}

function ageRow(r: CheckReport): string {
  const age = describeSpan(r.health.ageSeconds * 1000);
  const limit = r.limits.maxAge;
  return limit === undefined
    ? `${age}; max-age not set`
    : `${age}; max-age ${describeDuration(limit)}`;
}

function sizeRow(size: SizeCheck, tolerance: number | undefined): string {
  if (!size.checked)
    return size.reason === 'no tolerance'
      ? 'not checked (size-tolerance not set)'
      : 'not checked (only one backup)';
  const sign = size.changePercent < 0 ? '−' : '+';
  return `${sign}${describePercent(size.changePercent)} against ${size.previousId} (${describeBytes(size.previousSize)}); size-tolerance ${tolerance ?? '-'}%`;
}
