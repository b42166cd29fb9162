import * as core from '@actions/core';
import { verifiedName } from '../catalog/naming.js';
import { buildRecord, type VerificationRecord } from '../catalog/verification.js';
import { describeError } from '../errors.js';
import type { VerifyReport } from '../outputs/verify.js';
import type { Store } from '../storage/store.js';

/**
 * Writes `<id>.verified.json` beside the backup after a passed verify, replacing an older record
 * of it. A record that cannot be written is a warning: the backup did verify.
 */
export async function writeRecord(
  store: Store,
  report: VerifyReport,
  at: Date,
): Promise<VerificationRecord> {
  const record = buildRecord({
    manifest: report.manifest,
    location: report.location,
    at,
    timings: timingsOf(report),
    drill: report.drill && {
      ...report.drill,
      tables: report.drill.comparison.rows.length,
      rows: report.drill.comparison.rows.reduce((sum, r) => sum + Math.max(0, r.restored), 0),
    },
  });
  const name = verifiedName(report.manifest.id);
  try {
    await store.remove(name);
    const { location } = await store.writeSmall(name, `${JSON.stringify(record, null, 2)}\n`);
    core.info(`Verification record: ${location}`);
  } catch (error) {
    core.warning(
      `The backup verified, but its verification record ${store.locationOf(name)} could not be written: ${describeError(error)}`,
    );
  }
  return record;
}

/** Every phase's seconds: download, decrypt, read, and the drill's restore and checks. */
export function timingsOf(r: VerifyReport): Record<string, number> {
  const drill: Record<string, number> = r.drill
    ? {
        restore: Number(r.drill.seconds.toFixed(1)),
        checks: Number(r.drill.checksSeconds.toFixed(1)),
      }
    : {};
  return { ...r.timings, ...drill, total: Number(r.durationSeconds.toFixed(1)) };
}
