import * as core from '@actions/core';
import { listBackups, resolveLabelAt, listManifests } from '../catalog/backups.js';
import { describePolicy } from '../catalog/retention.js';
import {
  ruleName,
  setPruneOutputs,
  writePruneSummary,
  type PruneReport,
} from '../outputs/prune.js';
import type { PruneSettings } from '../settings.js';
import type { Store } from '../storage/store.js';
import { openStores, type RunContext } from './context.js';
import { sweepOrphans } from '../catalog/orphans.js';
import {
  applyPolicy,
  artifactRetentionNote,
  type RetentionJob,
  type RetentionOutcome,
} from '../catalog/apply-retention.js';

/**
 * The prune story: find the label at the location, read its manifests, select with the policy,
 * delete the expired (manifest first, oldest first) or only report them in a dry run, sweep the
 * label's objects that have no manifest, report.
 */
export async function runPrune(settings: PruneSettings, ctx: RunContext): Promise<PruneReport> {
  const [store] = openStores([settings.storage], settings, ctx);
  const base = { policy: describePolicy(settings.policy), dryRun: settings.dryRun };
  if (!store || settings.storage.kind === 'artifact') return notApplied(settings, base);
  const label = await core.group('Find the label', () => findLabel(store, settings.label));
  const now = ctx.now();
  const { policy, dryRun } = settings;
  const locks = settings.storage.kind === 's3';
  const job = { label, policy, dryRun, now, journal: ctx.journal, signal: ctx.signal, locks };
  const outcome = await selectAndDelete(store, job);
  const { hold } = outcome.selection;
  // While a hold lasts prune deletes nothing at all, not even objects without a manifest.
  const orphans = hold
    ? undefined
    : await core.group('Look for objects without a manifest', () =>
        sweepOrphans(store, { label, now, dryRun }),
      );
  const kept = outcome.selection.kept.map(({ backup, rules }) => ({
    id: backup.id,
    createdAt: backup.createdAt,
    rules,
  }));
  const { deleted: pruned, unreadable, locked } = outcome;
  const where = { label, location: store.description };
  return report({
    ...base,
    ...where,
    kept,
    pruned,
    unreadable,
    locked,
    orphans,
    ...(hold ? { hold } : {}),
  });
}

function selectAndDelete(store: Store, job: RetentionJob): Promise<RetentionOutcome> {
  const title = job.dryRun
    ? 'Select (dry run: nothing is deleted)'
    : 'Select and delete expired backups';
  return core.group(title, async () => {
    const applied = await applyPolicy(store, job);
    const verb = job.dryRun ? 'would delete' : 'deleted';
    core.info(`Kept ${applied.selection.kept.length}, ${verb} ${applied.deleted.length}.`);
    return applied;
  });
}

/** Artifact storage: its retention is artifact-retention-days; nothing is listed or deleted. */
function notApplied(
  settings: PruneSettings,
  base: Pick<PruneReport, 'policy' | 'dryRun'>,
): Promise<PruneReport> {
  const note = artifactRetentionNote(settings.storage);
  core.warning(note);
  const location = `artifact://${settings.storage.kind === 'artifact' ? settings.storage.name : ''}`;
  const empty = { label: '', location, kept: [], pruned: [], unreadable: [], locked: [] };
  return report({ ...base, ...empty, notApplied: note });
}

async function findLabel(store: Store, given: string | undefined): Promise<string> {
  const label =
    given ?? (await resolveLabelAt(store, given, listBackups(await listManifests(store))));
  core.info(`Label: ${label}`);
  return label;
}

async function report(r: PruneReport): Promise<PruneReport> {
  await core.group('Report', async () => {
    setPruneOutputs(r);
    for (const k of r.kept) core.info(`Kept ${k.id} (${k.rules.map(ruleName).join(', ')}).`);
    await writePruneSummary(r);
    core.info('Outputs and job summary written.');
  });
  return r;
}
