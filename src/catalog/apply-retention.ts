// Retention at one location (the prune command) and at every location after a backup: the label's
// manifests are read, the policy selects, the expired backups are deleted oldest first.
import * as core from '@actions/core';
import { listBackups, readManifestOf, type ListedBackup, listManifests } from './backups.js';
import { describeHold } from './anomalies.js';
import { futureWarning, isAfterSkew } from './future.js';
import { isLocked } from './lock.js';
import type { Manifest } from './manifest.js';
import { manifestName } from './naming.js';
import { selectExpired, type Selection } from './retention.js';
import { ActionError, describeError, isNotFound } from '../errors.js';
import type { BackupSettings, RetentionPolicy, StorageLocation } from '../settings.js';
import type { Journal } from '../state.js';
import type { Store } from '../storage/store.js';
import { deleteBackups } from './delete-backups.js';

/** What retention found and did at one location. */
export interface RetentionOutcome {
  selection: Selection<Manifest>;
  /** Ids deleted, oldest first (with a dry run: the ids that would be). */
  deleted: string[];
  /** Manifest files of the label that could not be read: left untouched, not counted. */
  unreadable: string[];
  /** Ids the policy let expire but kept: their objects are under an S3 Object Lock (newest first). */
  locked: string[];
}

/** How a policy is applied. */
export interface RetentionJob {
  label: string;
  policy: RetentionPolicy;
  dryRun: boolean;
  /** The clock: backups dated after it are suspect (kept, never the newest). */
  now: Date;
  /** The ids the running backup wrote: never deleted by its own retention. */
  own?: string[];
  /** The run's undo log and the location's index in `storage`. */
  journal?: Journal;
  storage?: number;
  signal?: AbortSignal;
  /** The location is S3: a backup whose manifest records a lock that still holds is never deleted. */
  locks?: boolean;
}

/** The policy over `label`'s backups at one location; nothing of other labels is read or touched. */
export async function applyPolicy(store: Store, job: RetentionJob): Promise<RetentionOutcome> {
  const listed = listBackups(await listManifests(store, job.label)).filter(
    (b) => b.label === job.label,
  );
  const { manifests, unreadable } = await readAll(store, listed);
  const selection = selectExpired(manifests, job.policy, { now: job.now, own: job.own });
  for (const { backup, rules } of selection.kept)
    if (rules.includes('future'))
      core.warning(futureWarning(backup, job.now, 'Retention kept it and did not count it.'));
  if (selection.hold)
    core.warning(
      `Retention deleted nothing at ${store.description}: the newest backup of '${job.label}' carries a hold. ${describeHold(selection.hold)}`,
    );
  const locked = job.locks ? selection.expired.filter((m) => isLocked(m, job.now)) : [];
  for (const m of locked)
    core.info(
      `Kept ${m.id}: its objects are under S3 Object Lock (${m.lock?.mode}) until ${m.lock?.retainUntil}; retention does not try to delete it.`,
    );
  const expired = selection.expired.filter((m) => !locked.includes(m)).reverse();
  if (job.dryRun) for (const m of expired) core.info(`Would delete ${m.id} (${m.createdAt}).`);
  const deletion = { journal: job.journal, storage: job.storage ?? 0, signal: job.signal };
  const deleted = job.dryRun
    ? expired.map((m) => m.id)
    : await deleteBackups(store, expired, deletion);
  return { selection, deleted, unreadable, locked: locked.map((m) => m.id) };
}

/**
 * Reads the manifests, 8 at a time. One that vanished meanwhile (another prune) is simply gone;
 * unreadable ones and ones naming another id are set aside, each with one warning.
 */
async function readAll(
  store: Store,
  listed: ListedBackup[],
): Promise<{ manifests: Manifest[]; unreadable: string[] }> {
  const manifests: Manifest[] = [];
  const unreadable: string[] = [];
  for (let at = 0; at < listed.length; at += 8) {
    const batch = listed.slice(at, at + 8);
    const read = await Promise.all(batch.map((b) => readOrSetAside(store, b)));
    read.forEach((manifest, i) => {
      if (manifest) manifests.push(manifest);
      else if (manifest === null) unreadable.push(batch[i]?.manifestFile ?? '');
    });
  }
  return { manifests, unreadable };
}

/** The manifest; null (warned) when it is unreadable or names another id; undefined when gone. */
async function readOrSetAside(
  store: Store,
  listed: ListedBackup,
): Promise<Manifest | null | undefined> {
  try {
    return (await readManifestOf(store, listed)) ?? null;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    core.warning(
      `Retention left ${store.locationOf(listed.manifestFile)} alone: it is not a readable manifest (${describeError(error)}).`,
    );
    return null;
  }
}

/** Retention on artifact storage is the artifacts' own expiry; this says so. */
export function artifactRetentionNote(location: StorageLocation): string {
  const name = location.kind === 'artifact' && location.name ? location.name : '';
  return `Retention is not applied to artifact://${name}: workflow artifacts expire on their own after artifact-retention-days (or the repository's setting); nothing was deleted there.`;
}

/** What the backup run gives its retention: the ids it wrote, the clock, its journal. */
export type BackupRetention = Pick<RetentionJob, 'now' | 'own' | 'journal' | 'signal'>;

/**
 * Retention after a successful backup with a policy, at every location with the backup's label.
 * The run's own backup is always kept. Returns the deleted ids (each once).
 */
export async function retainAfterBackup(
  settings: BackupSettings,
  policy: RetentionPolicy,
  stores: Store[],
  run: BackupRetention,
): Promise<string[]> {
  const job = { ...run, label: settings.label, policy, dryRun: false };
  return retainAtEvery(settings.storage, stores, job).catch((error: unknown) => {
    throw new ActionError(
      `The backup is stored, but retention afterwards failed: ${describeError(error)}`,
      { cause: error },
    );
  });
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
    if (await clockIsAhead(store, job)) continue;
    const outcome = await applyPolicy(store, {
      ...job,
      storage: i,
      locks: location?.kind === 's3',
    });
    const { kept } = outcome.selection;
    core.info(`${store.description}: kept ${kept.length}, deleted ${outcome.deleted.length}.`);
    for (const id of outcome.deleted) ids.add(id);
  }
  return [...ids];
}

/**
 * Whether this run's clock is ahead of the storage's by more than the skew, judged by the manifest
 * it just wrote there (a runner with a wrong clock): then its own backup would be the anchor of
 * every rule and real backups would expire, so retention is not applied there, with a warning.
 */
async function clockIsAhead(store: Store, job: RetentionJob): Promise<boolean> {
  const file = job.own?.[0] && manifestName(job.own[0]);
  if (!file) return false;
  const written = (await store.list(file)).find((f) => f.fileName === file)?.modified;
  if (!written || !isAfterSkew(job.now.getTime(), written)) return false;
  core.warning(
    `Retention was not applied at ${store.description}: this run's clock (${job.now.toISOString()}) is ahead of the storage's, which dated the manifest it just wrote ${written.toISOString()}. A wrong clock must not decide what expires: fix the runner's clock.`,
  );
  return true;
}
