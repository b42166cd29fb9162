// S3 Object Lock of a backup's objects: the mode and the retain-until date every object of the
// backup is written with, derived once from the id's time (its createdAt to the second).
import type { ObjectLock } from '../settings.js';
import { idOfBackupFile, idOfManifest, parseId } from './naming.js';

/** The lock a backup's objects carry, as the manifest records it. */
export interface BackupLock {
  mode: ObjectLock['mode'];
  /** ISO-8601 time until which no object of the backup can be deleted or overwritten. */
  retainUntil: string;
}

const DAY_MS = 86_400_000;

/** The lock of backup `id`: its time plus `days`; undefined without Object Lock or for a non-id. */
export function lockOf(id: string, lock: ObjectLock | undefined): BackupLock | undefined {
  const stamp = parseId(id)?.stamp;
  if (!lock || !stamp) return undefined;
  return {
    mode: lock.mode,
    retainUntil: new Date(stamp.getTime() + lock.days * DAY_MS).toISOString(),
  };
}

/** The lock of the backup a file belongs to (data, globals, recovery document, manifest); claims have none. */
export function lockOfFile(fileName: string, lock: ObjectLock | undefined): BackupLock | undefined {
  const id = idOfManifest(fileName) ?? idOfBackupFile(fileName);
  return id ? lockOf(id, lock) : undefined;
}

/** Whether a backup's recorded lock still holds at `now`. */
export function isLocked(backup: { lock?: BackupLock }, now: Date): boolean {
  return backup.lock !== undefined && Date.parse(backup.lock.retainUntil) > now.getTime();
}
