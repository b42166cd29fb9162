import { claimName, firstFreeId } from './naming.js';
import type { Store } from '../storage/store.js';

/** A backup id this run holds at every location until `release`. */
export interface ClaimedId {
  /** `id`, `id-2`, `id-3`, ...: the first no finished backup has and no other run holds. */
  id: string;
  /** Releases the claims (after the manifest, or on failure); never throws. */
  release: () => Promise<void>;
}

/**
 * Claims the first free one of `id`, `id-2`, ... at every location, before the dump: runs of one
 * label in the same second get their own ids whatever their format.
 */
export async function claimId(stores: Store[], id: string): Promise<ClaimedId> {
  const claimed = await firstFreeId(id, async (candidate) => !(await tryClaim(stores, candidate)));
  return { id: claimed, release: () => releaseAt(stores, claimed) };
}

/**
 * Claims `id` at every store; false (and this run's claims released) when any store has a finished
 * object of it or another run's claim. A finished run may appear between the first look and the
 * claims, so the stores are looked at once more after claiming.
 */
async function tryClaim(stores: Store[], id: string): Promise<boolean> {
  if (await anyTaken(stores, id)) return false;
  if (!(await claimAll(stores, id))) return false;
  const taken = await anyTaken(stores, id).catch(async (error: unknown) => {
    await releaseAt(stores, id);
    throw error;
  });
  if (taken) await releaseAt(stores, id);
  return !taken;
}

async function anyTaken(stores: Store[], id: string): Promise<boolean> {
  return (await Promise.all(stores.map((s) => isTaken(s, id)))).some(Boolean);
}

/** Whether any object (data, manifest, globals, records) of backup `id` exists at the store. */
export async function isTaken(store: Store, id: string): Promise<boolean> {
  return (await store.list(`${id}.`)).length > 0;
}

/**
 * Claims backup id `id` for this run with a conditional create of its hidden claim object; false
 * when another run holds it. Where names are this run's alone (artifacts), nothing is written.
 * Claims are never seen by {@link isTaken}.
 */
export async function claim(store: Store, id: string): Promise<boolean> {
  return store.runScoped || store.createIfAbsent(claimName(id), '');
}

/** Releases this run's claim of `id`; a missing claim is not an error. */
export async function release(store: Store, id: string): Promise<void> {
  if (!store.runScoped) await store.remove(claimName(id));
}

/** Claims at all stores; on a refusal or an error releases only the claims made here. */
async function claimAll(stores: Store[], id: string): Promise<boolean> {
  const results = await Promise.allSettled(stores.map((s) => claim(s, id)));
  const mine = stores.filter((_, i) => {
    const r = results[i];
    return r?.status === 'fulfilled' && r.value;
  });
  if (mine.length === stores.length) return true;
  await releaseAt(mine, id);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return false;
}

async function releaseAt(stores: Store[], id: string): Promise<void> {
  await Promise.all(stores.map((s) => release(s, id).catch(() => undefined)));
}

/** Runs `work` while an id is claimed and releases the claims after it, whatever happens. */
export async function whileClaimed<T>(
  release: () => Promise<void>,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } finally {
    await release();
  }
}
