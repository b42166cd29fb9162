import * as core from '@actions/core';
import { listBackups, readManifest } from '../catalog/backups.js';
import type { Manifest } from '../catalog/manifest.js';
import type { Store } from '../storage/store.js';

/**
 * The newest backup of `label` at the first location, read before this run's own manifest exists:
 * what this backup is compared with. Undefined for the first backup of the label, and (with a
 * warning, never a failure) when the location cannot be listed or that manifest cannot be read.
 */
export async function previousBackup(
  store: Store | undefined,
  label: string,
): Promise<Manifest | undefined> {
  if (!store) return undefined;
  try {
    const newest = listBackups(await store.listManifests(label)).find((b) => b.label === label);
    return newest ? await readManifest(store, newest.manifestFile) : undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    core.warning(
      `Could not read the previous backup of '${label}' at ${store.description} (${reason}); changes are reported as for a first backup.`,
    );
    return undefined;
  }
}
