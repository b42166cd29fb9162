import * as core from '@actions/core';
import type { ListedBackup } from '../catalog/backups.js';
import { verifiedName } from '../catalog/naming.js';
import { verifiedAtOf } from '../catalog/verification.js';
import type { Store } from '../storage/store.js';

/**
 * The time of the newest verification record among the label's backups (those with a manifest),
 * or undefined. Where the storage lists files, only records that exist are read.
 */
export async function newestVerification(
  store: Store,
  label: string,
  own: ListedBackup[],
): Promise<Date | undefined> {
  const present = store.listFiles
    ? new Set((await store.listFiles(`${label}-`)).map((f) => f.fileName))
    : undefined;
  let newest: Date | undefined;
  for (const backup of own) {
    const name = verifiedName(backup.id);
    if (present && !present.has(name)) continue;
    const text = await store.readSmall(name).catch(() => undefined);
    const at = text === undefined ? undefined : verifiedAtOf(text, backup.id);
    if (at && (!newest || at > newest)) newest = at;
  }
  core.info(
    newest
      ? `Newest verification record of '${label}': ${newest.toISOString()}.`
      : `No backup of '${label}' has a verification record.`,
  );
  return newest;
}
