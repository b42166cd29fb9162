// Retention at one location (the prune command) and at every location after a backup: the label's
// manifests are read, the policy selects, the expired backups are deleted oldest first.
import * as core from '@actions/core';
import { deleteBackup, listBackups, readManifest, type ListedBackup } from '../catalog/backups.js';
import type { Manifest } from '../catalog/manifest.js';
import { describePolicy, selectExpired, type Selection } from '../catalog/retention.js';
import { ActionError, describeError } from '../errors.js';
import type { BackupSettings, RetentionPolicy, StorageLocation } from '../settings.js';
import type { Store } from '../storage/store.js';

/** What retention found and did at one location. */
export interface RetentionOutcome {
  selection: Selection<Manifest>;
  /** Ids deleted, oldest first (with a dry run: the ids that would be). */
  deleted: string[];
  /** Manifest files of the label that could not be read: left untouched, not counted. */
  unreadable: string[];
}

/** How a policy is applied. */
export interface RetentionJob {
  label: string;
  policy: RetentionPolicy;
  dryRun: boolean;
  signal?: AbortSignal;
}

/** The policy over `label`'s backups at one location; nothing of other labels is read or touched. */
export async function applyPolicy(store: Store, job: RetentionJob): Promise<RetentionOutcome> {
  const listed = listBackups(await store.listManifests(job.label)).filter(
    (b) => b.label === job.label,
  );
  const { manifests, unreadable } = await readAll(store, listed);
  const selection = selectExpired(manifests, job.policy);
  const expired = [...selection.expired].reverse();
  const deleted: string[] = [];
  for (const manifest of expired) {
    if (!job.dryRun) await deleteOne(store, manifest, deleted, job.signal);
    deleted.push(manifest.id);
    core.info(`${job.dryRun ? 'Would delete' : 'Deleted'} ${manifest.id} (${manifest.createdAt}).`);
  }
  return { selection, deleted, unreadable };
}

async function deleteOne(
  store: Store,
  manifest: Manifest,
  deleted: string[],
  signal?: AbortSignal,
): Promise<void> {
  signal?.throwIfAborted();
  try {
    await deleteBackup(store, manifest);
  } catch (error) {
    const before = deleted.length ? ` Deleted before it: ${deleted.join(', ')}.` : '';
    throw new ActionError(`Retention at ${store.description}: ${describeError(error)}${before}`, {
      cause: error,
    });
  }
}

/** Reads the manifests, 8 at a time; unreadable ones and ones naming another id are set aside. */
async function readAll(
  store: Store,
  listed: ListedBackup[],
): Promise<{ manifests: Manifest[]; unreadable: string[] }> {
  const manifests: Manifest[] = [];
  const unreadable: string[] = [];
  for (let at = 0; at < listed.length; at += 8) {
    const batch = listed.slice(at, at + 8);
    const read = await Promise.allSettled(batch.map((b) => readManifest(store, b.manifestFile)));
    read.forEach((result, i) => {
      const file = batch[i]?.manifestFile ?? '';
      if (result.status === 'fulfilled' && result.value.id === batch[i]?.id)
        manifests.push(result.value);
      else unreadable.push(file);
    });
  }
  for (const file of unreadable)
    core.warning(
      `Retention left ${store.locationOf(file)} alone: it is not a readable manifest of its backup.`,
    );
  return { manifests, unreadable };
}

/** Retention on artifact storage is the artifacts' own expiry; this says so. */
export function artifactRetentionNote(location: StorageLocation): string {
  const name = location.kind === 'artifact' && location.name ? location.name : '';
  return `Retention is not applied to artifact://${name}: workflow artifacts expire on their own after artifact-retention-days (or the repository's setting); nothing was deleted there.`;
}

/**
 * Retention after a successful backup, at every location with the backup's label; none without a
 * policy. Returns the deleted ids (each once) and the policy applied, for the report.
 */
export async function retainAfterBackup(
  settings: BackupSettings,
  stores: Store[],
  signal?: AbortSignal,
): Promise<{ pruned: string[]; retention?: string }> {
  const policy = settings.retention;
  if (!policy) return { pruned: [] };
  const retention = describePolicy(policy);
  const job = { label: settings.label, policy, dryRun: false, signal };
  const pruned = await core.group(`Apply retention (${retention})`, () =>
    retainAtEvery(settings.storage, stores, job).catch((error: unknown) => {
      throw new ActionError(
        `The backup is stored, but retention afterwards failed: ${describeError(error)}`,
        { cause: error },
      );
    }),
  );
  return { pruned, retention };
}

async function retainAtEvery(
  locations: StorageLocation[],
  stores: Store[],
  job: RetentionJob,
): Promise<string[]> {
  const ids = new Set<string>();
  for (const [i, store] of stores.entries()) {
    const location = locations[i];
    if (location?.kind === 'artifact') {
      core.notice(artifactRetentionNote(location));
      continue;
    }
    const outcome = await applyPolicy(store, job);
    const { kept } = outcome.selection;
    core.info(`${store.description}: kept ${kept.length}, deleted ${outcome.deleted.length}.`);
    for (const id of outcome.deleted) ids.add(id);
  }
  return [...ids];
}
