import { ActionError } from './errors.js';
import type { BackupChoice } from './restore-settings.js';

const MANIFEST = /^(.+)-(\d{8}T\d{6}Z)(?:-(\d+))?\.manifest\.json$/;

/** A backup as its manifest file name tells it. */
export interface ListedBackup {
  id: string;
  label: string;
  /** The id's timestamp (whole seconds, at or before createdAt). */
  stamp: Date;
  /** The `-N` suffix, 1 when none. */
  serial: number;
  manifestFile: string;
}

/** Parses manifest file names; others are skipped. Newest first. */
export function listBackups(manifestFiles: string[]): ListedBackup[] {
  const listed: ListedBackup[] = [];
  for (const file of manifestFiles) {
    const m = MANIFEST.exec(file);
    if (!m?.[1] || !m[2]) continue;
    const stamp = new Date(
      m[2].replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    if (Number.isNaN(stamp.getTime()) || !roundTrips(stamp, m[2])) continue;
    listed.push({
      id: file.slice(0, -'.manifest.json'.length),
      label: m[1],
      stamp,
      serial: Number(m[3] ?? 1),
      manifestFile: file,
    });
  }
  return listed.sort((a, b) => b.stamp.getTime() - a.stamp.getTime() || b.serial - a.serial);
}

function roundTrips(stamp: Date, text: string): boolean {
  return (
    stamp
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z')
      .replace(/[-:]/g, '') === text
  );
}

/** The label to use: the given one, else the only one present; fails asking for `label`. */
export function resolveLabel(
  given: string | undefined,
  backups: ListedBackup[],
  where: string,
): string {
  if (given) return given;
  const labels = [...new Set(backups.map((b) => b.label))].sort();
  if (labels.length === 1 && labels[0]) return labels[0];
  if (labels.length === 0) throw new ActionError(`No backups (manifests) found at ${where}.`);
  throw new ActionError(
    `Several labels have backups at ${where} (${labels.join(', ')}): set label (or database-url) to pick one.`,
  );
}

/**
 * The candidates for a choice, best first: for `latest` the newest; for an id that one; for a
 * time every backup whose id stamp is at or before it (the caller confirms with createdAt).
 */
export function candidatesFor(choice: BackupChoice, backups: ListedBackup[]): ListedBackup[] {
  if (choice.kind === 'latest') return backups.slice(0, 1);
  if (choice.kind === 'id') return backups.filter((b) => b.id === choice.id);
  return backups.filter((b) => b.stamp.getTime() <= choice.at.getTime());
}

/** The choice as the user wrote it, for errors. */
export function describeChoice(choice: BackupChoice): string {
  if (choice.kind === 'latest') return 'latest';
  if (choice.kind === 'id') return choice.id;
  return `${choice.at.toISOString()} (created at or before)`;
}
