// The recovery document of a backup, written beside it at every location before the manifest.
import { createHash } from 'node:crypto';
import * as core from '@actions/core';
import type { Manifest, StoredObject } from './manifest.js';
import { recoveryName } from './naming.js';
import { recoveryDocument, type RecoveryFacts } from './recovery.js';
import type { RecoveryLocation } from './recovery-steps.js';
import type { ArchiveNeeds } from './archive-facts.js';
import type { BackupSettings } from '../settings.js';
import type { Store } from '../storage/store.js';

/** Each storage location as the document's download step names it (endpoint, region, run; no credential). */
export function recoveryLocations(
  settings: BackupSettings,
  env: NodeJS.ProcessEnv,
): RecoveryLocation[] {
  return settings.storage.map((at): RecoveryLocation => {
    if (at.kind === 's3')
      return { ...at, endpoint: settings.s3?.endpoint, region: settings.s3?.region };
    if (at.kind === 'local') return at;
    return { ...at, runId: env.GITHUB_RUN_ID, repository: env.GITHUB_REPOSITORY };
  });
}

/** What the document of one backup is written from. */
export interface RecoveryJob {
  stores: Store[];
  locations: RecoveryLocation[];
  needs?: ArchiveNeeds;
  rlsHidden?: string[];
}

/**
 * Writes `<id>.recovery.md` at every location and returns its record for the manifest; on a failure
 * the copies this run wrote are removed again and the error is rethrown.
 */
export async function writeRecovery(job: RecoveryJob, manifest: Manifest): Promise<StoredObject> {
  const facts: RecoveryFacts = {
    manifest,
    needs: job.needs,
    locations: job.locations,
    rlsHidden: job.rlsHidden,
  };
  const body = recoveryDocument(facts);
  const key = recoveryName(manifest.id);
  const results = await Promise.allSettled(job.stores.map((s) => s.writeSmall(key, body)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(job.stores.map((s) => s.remove(key).catch(() => undefined)));
    throw failed.reason;
  }
  core.info(`Recovery document written: ${job.stores[0]?.locationOf(key) ?? key}`);
  const bytes = Buffer.from(body, 'utf8');
  return { key, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
