import * as core from '@actions/core';
import { listBackups, newestUsable, listManifests } from './backups.js';
import type { Manifest } from './manifest.js';
import type { Store } from '../storage/store.js';

/** The previous backup, and whether the location could not tell (listing or reading failed). */
export interface PreviousRead {
  previous?: Manifest;
  /** True when the label's newest manifest could not be listed or read: its hold is unknown. */
  unknown: boolean;
}

/**
 * The newest backup of `label` at the first location, read before this run's own manifest exists:
 * what this backup is compared with (never one dated after `now`). Undefined for the first backup of the label, and (with a
 * warning, never a failure) when the location cannot be listed or that manifest cannot be read.
 */
export async function previousBackup(
  store: Store | undefined,
  label: string,
  now: Date,
): Promise<Manifest | undefined> {
  return (await readPrevious(store, label, now)).previous;
}

/** {@link previousBackup}, also saying whether it could not be read. */
export async function readPrevious(
  store: Store | undefined,
  label: string,
  now: Date,
): Promise<PreviousRead> {
  if (!store) return { unknown: false };
  try {
    const own = listBackups(await listManifests(store, label)).filter((b) => b.label === label);
    const treatment = 'This backup is not compared with it.';
    const [previous] = await newestUsable(store, own, { now, count: 1, treatment });
    return { previous, unknown: false };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    core.warning(
      `Could not read the previous backup of '${label}' at ${store.description} (${reason}); changes are reported as for a first backup.`,
    );
    return { unknown: true };
  }
}
