// Data objects of a label that have no manifest: left by a prune or a backup that was stopped
// half-way (a killed runner leaves no post step). Reported always; deleted once older than a grace
// period, so that the object of a backup still being written (its manifest comes last) is never touched.
import * as core from '@actions/core';
import { idOfBackupFile, idOfManifest, parseId } from './naming.js';
import { removeAll } from '../storage/remove-all.js';
import type { Store, StoredFile } from '../storage/store.js';

/** How old an object without manifest must be before it is deleted. */
export const ORPHAN_GRACE_MS = 24 * 3_600_000;

/** What was found without a manifest. */
export interface Orphans {
  /** Deleted (with a dry run: would be), older than the grace period. */
  deleted: string[];
  /** Younger than the grace period (or not deletable): left. */
  left: string[];
}

/** How orphans are looked for. */
export interface OrphanSweep {
  label: string;
  now: Date;
  dryRun: boolean;
}

/** Finds the label's objects without a manifest, deletes the old ones (not in a dry run), warns. */
export async function sweepOrphans(store: Store, sweep: OrphanSweep): Promise<Orphans> {
  // An object without a time (workflow artifacts) is never judged: its age is unknown.
  const listed = (await store.list(`${sweep.label}-`)).filter((f) => f.modified);
  const found = orphansOf(listed, sweep.label);
  const old = found
    .filter(
      (f) => sweep.now.getTime() - (f.modified?.getTime() ?? sweep.now.getTime()) > ORPHAN_GRACE_MS,
    )
    .map((f) => f.fileName);
  const failed = new Set((sweep.dryRun ? [] : await removeAll(store, old)).map((f) => f.fileName));
  const deleted = old.filter((n) => !failed.has(n));
  const left = found.map((f) => f.fileName).filter((n) => !deleted.includes(n));
  if (found.length) core.warning(orphanWarning(store, sweep, { deleted, left }));
  else core.info(`Every object of '${sweep.label}' there has its manifest.`);
  return { deleted, left };
}

/** The label's backup files whose backup has no manifest. */
function orphansOf(files: StoredFile[], label: string): StoredFile[] {
  const manifests = new Set(files.map((f) => idOfManifest(f.fileName)));
  return files.filter((f) => {
    const id = idOfBackupFile(f.fileName);
    return id !== undefined && parseId(id)?.label === label && !manifests.has(id);
  });
}

function orphanWarning(store: Store, sweep: OrphanSweep, orphans: Orphans): string {
  const all = [...orphans.deleted, ...orphans.left];
  const verb = sweep.dryRun ? 'would delete' : 'deleted';
  const deleted = orphans.deleted.length
    ? ` It ${verb} those older than 24 h: ${orphans.deleted.join(', ')}.`
    : '';
  const left = orphans.left.length
    ? ` Left: ${orphans.left.join(', ')} (younger than 24 h, maybe a backup still being written, or not deletable).`
    : '';
  return `${all.length} object(s) of '${sweep.label}' at ${store.description} have no manifest (a prune or backup stopped half-way left them; they are no backup).${deleted}${left}`;
}
