import * as core from '@actions/core';
import { listBackups, newestUsable } from '../catalog/backups.js';
import type { Manifest } from '../catalog/manifest.js';
import type { Store } from '../storage/store.js';

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
  if (!store) return undefined;
  try {
    const own = listBackups(await store.listManifests(label)).filter((b) => b.label === label);
    const treatment = 'This backup is not compared with it.';
    return (await newestUsable(store, own, { now, count: 1, treatment }))[0];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    core.warning(
      `Could not read the previous backup of '${label}' at ${store.description} (${reason}); changes are reported as for a first backup.`,
    );
    return undefined;
  }
}
