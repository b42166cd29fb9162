import * as core from '@actions/core';
import { describeHold, type Hold } from '../catalog/anomalies.js';
import type { RetentionRule } from '../catalog/retention.js';
import { OUTPUTS } from './names.js';
import { escapeHtml, flushSummary, addFieldTable } from './summary.js';

/** One kept backup and the rules that kept it. */
export interface KeptEntry {
  id: string;
  createdAt: string;
  rules: RetentionRule[];
}

/** What a prune reports. */
export interface PruneReport {
  /** The label pruned ('' when nothing was looked at, on artifact storage). */
  label: string;
  /** The location, as the user wrote it. */
  location: string;
  /** The policy, as its inputs read. */
  policy: string;
  /** Nothing was deleted on purpose. */
  dryRun: boolean;
  /** Kept backups, newest first. */
  kept: KeptEntry[];
  /** Deleted ids (with a dry run: the ids that would be), oldest first. */
  pruned: string[];
  /** Manifest files of the label that could not be read and were left alone. */
  unreadable: string[];
  /** Ids the policy let expire, kept because their objects are under an S3 Object Lock. */
  locked: string[];
  /** The label's objects without a manifest: deleted (older than 24 h) and left. */
  orphans?: { deleted: string[]; left: string[] };
  /** Set when retention does not apply at the location (artifact storage): why. */
  notApplied?: string;
  /** The retention hold of the label (the newest backup carries it): nothing was deleted. */
  hold?: Hold;
}

/** Sets the prune outputs. */
export function setPruneOutputs(r: PruneReport): void {
  core.setOutput(OUTPUTS.pruned, JSON.stringify(r.pruned));
  core.setOutput(OUTPUTS.kept, JSON.stringify(r.kept.map((k) => k.id)));
  core.setOutput(OUTPUTS.hold, r.hold?.since ?? '');
  core.setOutput(OUTPUTS.locked, JSON.stringify(r.locked));
}

/** A rule as the user wrote it, e.g. `keep-daily`. */
export function ruleName(rule: RetentionRule): string {
  return SPECIAL_RULES[rule] ?? `keep-${rule}`;
}

const SPECIAL_RULES: Partial<Record<RetentionRule, string>> = {
  newest: 'newest (always kept)',
  own: "this run's backup (always kept)",
  future: 'dated in the future (suspect: kept, see the warning)',
  hold: 'retention hold (an anomaly: kept, see the warning)',
};

/** The one line that states the result. */
export function pruneResultLine(r: PruneReport): string {
  if (r.notApplied) return r.notApplied;
  const verb = r.dryRun ? 'would delete' : 'deleted';
  const held = r.hold ? ` (retention on hold since ${r.hold.since})` : '';
  const locked = r.locked.length ? `, ${r.locked.length} kept under S3 Object Lock` : '';
  return `Prune of '${r.label}' at ${r.location} (${r.policy}${r.dryRun ? ', dry run' : ''}): kept ${r.kept.length}, ${verb} ${r.pruned.length}${locked}${held}.`;
}

/** The summary's first row: what the prune did, in a few words. */
export function pruneStatus(r: PruneReport): string {
  if (r.notApplied) return '➖ not applied (see Note)';
  if (r.hold) return `⏸️ on hold since ${escapeHtml(r.hold.since)}: nothing deleted`;
  const verb = r.dryRun ? 'dry run: would delete' : 'deleted';
  return `✅ kept ${r.kept.length}, ${verb} ${r.pruned.length}`;
}

/** Rows for the objects found without a manifest, when there were any. */
function orphanRows(r: PruneReport): string[][] {
  const { deleted = [], left = [] } = r.orphans ?? {};
  const verb = r.dryRun ? 'would delete' : 'deleted';
  return [
    ...(deleted.length
      ? [[`Without manifest, ${verb}`, deleted.map(escapeHtml).join('<br>')]]
      : []),
    ...(left.length
      ? [['Without manifest, left (under 24 h)', left.map(escapeHtml).join('<br>')]]
      : []),
  ];
}

/** Writes the job summary: the policy, each kept id with its rules, each deleted id. */
export async function writePruneSummary(r: PruneReport): Promise<void> {
  addFieldTable(`PostgreSQL prune${r.dryRun ? ' (dry run)' : ''}`, [
    ['Status', pruneStatus(r)],
    ['Label', escapeHtml(r.label || '-')],
    ['Location', escapeHtml(r.location)],
    ['Policy', r.policy],
    ['Kept', String(r.kept.length)],
    [r.dryRun ? 'Would delete' : 'Deleted', String(r.pruned.length)],
    ...(r.unreadable.length ? [['Left alone (unreadable)', r.unreadable.join('<br>')]] : []),
    ...(r.locked.length ? [['Kept under S3 Object Lock', r.locked.join('<br>')]] : []),
    ...orphanRows(r),
    ...(r.notApplied ? [['Note', escapeHtml(r.notApplied)]] : []),
    ...(r.hold ? [['Retention hold', escapeHtml(describeHold(r.hold))]] : []),
  ]);
  if (r.kept.length) {
    core.summary.addTable([
      [
        { data: 'Kept', header: true },
        { data: 'Created', header: true },
        { data: 'Kept by', header: true },
      ],
      ...r.kept.map((k) => [k.id, k.createdAt, k.rules.map(ruleName).join(', ')]),
    ]);
  }
  if (r.pruned.length)
    core.summary.addDetails(
      `${r.dryRun ? 'Would delete' : 'Deleted'} (${r.pruned.length})`,
      `<ul>${r.pruned.map((id) => `<li>${escapeHtml(id)}</li>`).join('')}</ul>`,
    );
  await flushSummary();
}
