// Deleting expired backups in batches, oldest first: the batch's manifests first (from then on
// they are no backups), then their data objects. Each data object is journaled before its manifest
// goes, so that a run killed in between leaves the post step the objects to remove.
import * as core from '@actions/core';
import { objectsOf } from './backups.js';
import type { Manifest } from './manifest.js';
import { manifestName } from './naming.js';
import { ActionError, describeError } from '../errors.js';
import type { Journal } from '../state.js';
import { removeAll } from '../storage/remove-all.js';
import type { RemoveFailure, Store } from '../storage/store.js';

/** Backups per batch: S3 deletes up to 1,000 keys a request. */
const BATCH = 1000;

/** Where the deletion is recorded and how it is stopped. */
export interface Deletion {
  /** The run's undo log; none: nothing is recorded. */
  journal?: Journal;
  /** The location's index in `storage`, for the post step. */
  storage: number;
  signal?: AbortSignal;
}

/** Deletes backups, oldest first as given; returns their ids. Fails naming what is left, and how. */
export async function deleteBackups(
  store: Store,
  manifests: Manifest[],
  deletion: Deletion,
): Promise<string[]> {
  const deleted: string[] = [];
  for (let at = 0; at < manifests.length; at += BATCH) {
    deletion.signal?.throwIfAborted();
    const batch = manifests.slice(at, at + BATCH);
    deleted.push(...(await deleteBatch(store, batch, deletion, deleted)));
  }
  return deleted;
}

async function deleteBatch(
  store: Store,
  batch: Manifest[],
  deletion: Deletion,
  before: string[],
): Promise<string[]> {
  const journaled = batch.flatMap((m) => journal(m, deletion));
  const manifests = batch.map((m) => manifestName(m.id));
  const failed = await removing(store, manifests, before);
  const whole = new Set(failed.map((f) => f.fileName));
  const gone = batch.filter((m) => !whole.has(manifestName(m.id)));
  const ids = gone.map((m) => m.id);
  const left = await removeOrList(store, gone.flatMap(objectsOf));
  const leftNames = new Set(left.map((f) => f.fileName));
  for (const { key, done } of journaled) if (!leftNames.has(key)) done();
  for (const m of gone) core.info(`Deleted ${m.id} (${m.createdAt}).`);
  if (failed.length || left.length) throw deletionError(store, failed, left, before.concat(ids));
  return ids;
}

/** Journals the data objects of a backup whose manifest is about to be deleted. */
function journal(manifest: Manifest, deletion: Deletion): { key: string; done: () => void }[] {
  const { journal: log, storage } = deletion;
  return objectsOf(manifest).map((key) => ({
    key,
    done: log
      ? log.add({ kind: 'orphan', storage, key, manifest: manifestName(manifest.id) })
      : () => {},
  }));
}

/** removeAll, a failed request said with what was deleted before it. */
async function removing(store: Store, names: string[], before: string[]): Promise<RemoveFailure[]> {
  return removeAll(store, names).catch((error: unknown) => {
    throw new ActionError(
      `Retention at ${store.description}: ${describeError(error)}${deletedBefore(before)}`,
      {
        cause: error,
      },
    );
  });
}

/** removeAll; a failed request (a data batch refused as a whole) lists every object as left. */
async function removeOrList(store: Store, names: string[]): Promise<RemoveFailure[]> {
  return removeAll(store, names).catch((error: unknown) =>
    names.map((fileName) => ({ fileName, reason: describeError(error) })),
  );
}

function deletionError(
  store: Store,
  manifests: RemoveFailure[],
  objects: RemoveFailure[],
  deleted: string[],
): ActionError {
  const parts = [
    ...byReason(store, manifests, 'their backups are still whole.'),
    ...byReason(
      store,
      objects,
      'their manifests are already deleted, so they are no backups any more: the next prune removes them after 24 h, or delete them by hand.',
    ),
  ];
  return new ActionError(
    `Retention at ${store.description}: ${parts.join(' ')}${deletedBefore(deleted)}`,
  );
}

/** `Could not delete A, B (reason); state` for each reason. */
function byReason(store: Store, failures: RemoveFailure[], state: string): string[] {
  const reasons = new Map<string, string[]>();
  for (const f of failures) reasons.set(f.reason, [...(reasons.get(f.reason) ?? []), f.fileName]);
  return [...reasons].map(
    ([reason, names]) =>
      `Could not delete ${names.map((n) => store.locationOf(n)).join(', ')} (${reason}); ${state}`,
  );
}

function deletedBefore(deleted: string[]): string {
  return deleted.length ? ` Deleted: ${deleted.join(', ')}.` : '';
}
