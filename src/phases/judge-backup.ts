import * as core from '@actions/core';
import {
  type Anomaly,
  describeAnomalies,
  describeHold,
  detectAnomalies,
  nextHold,
} from '../catalog/anomalies.js';
import type { Manifest } from '../catalog/manifest.js';
import { ActionError } from '../errors.js';
import type { BackupReport } from '../outputs/backup.js';
import type { AnomalyPolicy } from '../settings.js';

/**
 * The manifest with what the comparison with the previous backup flagged and the hold it carries
 * (before it is written); each flag and the hold are said once in the log.
 */
export function judgeBackup(
  manifest: Manifest,
  previous: Manifest | undefined,
  policy: AnomalyPolicy,
): Manifest {
  const anomalies = detectAnomalies(previous, manifest, policy);
  const hold = nextHold(previous, { id: manifest.id, anomalies: anomalies ?? [] }, policy);
  logJudgement(manifest, anomalies ?? [], previous, policy);
  if (hold) core.warning(describeHold(hold));
  return { ...manifest, ...(anomalies ? { anomalies } : {}), ...(hold ? { hold } : {}) };
}

function logJudgement(
  manifest: Manifest,
  anomalies: Anomaly[],
  previous: Manifest | undefined,
  policy: AnomalyPolicy,
): void {
  if (policy.mode === 'off') return core.info('anomaly: off: nothing was compared.');
  if (anomalies.length)
    core.warning(
      `Backup ${manifest.id} differs from ${previous?.id ?? 'the previous backup'} in ways that look like lost data (${describeAnomalies(anomalies)}): ${anomalies.map((a) => `${a.kind}: ${a.detail}`).join(' ')}`,
    );
  if (policy.mode === 'accept' && previous?.hold)
    core.info(
      `anomaly: accept: the hold since ${previous.hold.since} ends with ${manifest.id}; retention applies again.`,
    );
}

/** With `anomaly: fail`, a run whose backups were flagged fails after they are stored and reported. */
export function failOnAnomalies(policy: AnomalyPolicy, report: BackupReport): void {
  if (policy.mode !== 'fail') return;
  const flagged = (report.backups ?? [report]).filter((r) => r.manifest.anomalies?.length);
  if (!flagged.length) return;
  const what = flagged
    .map((r) => `${r.manifest.id} (${describeAnomalies(r.manifest.anomalies ?? [])})`)
    .join(', ');
  const error = new ActionError(
    `anomaly: fail: the backup is stored but flagged: ${what}. Retention of the label is on hold; check the data, then run a backup with anomaly: accept if the change was intended.`,
  );
  throw Object.assign(error, { report });
}
