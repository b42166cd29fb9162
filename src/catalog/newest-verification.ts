import * as core from '@actions/core';
import type { ListedBackup } from './backups.js';
import { verifiedName } from './naming.js';
import { verifiedAtOf } from './verification.js';
import type { Store } from '../storage/store.js';

/**
 * The time of the newest verification record among the label's backups (those with a manifest),
 * or undefined. Only records the listing shows are read.
 */
export async function newestVerification(
  store: Store,
  label: string,
  own: ListedBackup[],
): Promise<Date | undefined> {
  const present = new Set((await store.list(`${label}-`)).map((f) => f.fileName));
  let newest: Date | undefined;
  for (const backup of own) {
    const name = verifiedName(backup.id);
    if (!present.has(name)) continue;
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
