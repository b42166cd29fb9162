// Backups dated in the future: a runner with a wrong clock, or a copy under a later name. Such a
// backup is never the newest (not `latest`, not the anchor of retention, not check's fresh backup)
// and never deleted by retention; every command that meets it says so, naming it.
import { parseId } from './naming.js';

/** How far past the clock a backup may be dated before it is suspect: ordinary clock skew. */
export const FUTURE_SKEW_MS = 5 * 60_000;

/** What is dated on a backup (a Manifest has all of it). */
export interface DatedBackup {
  id: string;
  /** ISO-8601 time. */
  createdAt: string;
  /** ISO-8601 time, when known. */
  finishedAt?: string;
}

/** Whether the id's time, createdAt or finishedAt is later than `now` plus the skew. */
export function isFutureDated(backup: DatedBackup, now: Date): boolean {
  const times = [Date.parse(backup.createdAt), Date.parse(backup.finishedAt ?? '')];
  const stamp = parseId(backup.id)?.stamp;
  if (stamp) times.push(stamp.getTime());
  return times.some((t) => !Number.isNaN(t) && isAfterSkew(t, now));
}

/** Whether a time (ms) is later than `now` plus the skew. */
export function isAfterSkew(ms: number, now: Date): boolean {
  return ms > now.getTime() + FUTURE_SKEW_MS;
}

/** The warning for a future-dated backup: what it is, and what the command did with it. */
export function futureWarning(backup: DatedBackup, now: Date, treatment: string): string {
  return `Backup ${backup.id} is dated in the future (created ${backup.createdAt}, now ${now.toISOString()}): a runner with a wrong clock, or a copy under a later name? ${treatment} Check it, and delete it by hand if it is not a real backup.`;
}
