import * as core from '@actions/core';
import {
  emptyReason,
  listBackups,
  newestUsable,
  presentNote,
  resolveLabel,
  type ListedBackup,
  listManifests,
} from '../catalog/backups.js';
import { assess, type Health } from '../catalog/health.js';
import { unverifiedProblem } from '../catalog/verification.js';
import { newestVerification } from '../catalog/newest-verification.js';
import type { Manifest } from '../catalog/manifest.js';
import { ActionError, InputError } from '../errors.js';
import { INPUTS } from '../inputs/read.js';
import {
  checkResultLine,
  reportNothingFound,
  setCheckOutputs,
  writeCheckSummary,
  type CheckReport,
} from '../outputs/check.js';
import type { CheckSettings } from '../settings.js';
import type { Store } from '../storage/store.js';
import { openStores, type RunContext } from './context.js';

/**
 * The check story (a watchdog for scheduled workflows): read the newest two manifests of the
 * label, judge the newest by age and size, report, and fail when it is unhealthy.
 */
export async function runCheck(settings: CheckSettings, ctx: RunContext): Promise<CheckReport> {
  const [store] = openStores([settings.storage], settings, ctx);
  if (!store) throw new InputError(INPUTS.storage, 'is empty: give the location to check.');
  const found = await core.group('Find the newest backups', () =>
    findNewestTwo(store, settings.label, ctx.now()),
  );
  if (!found.newest) {
    const message = `${nothingFound(store, found.label)} ${found.note ?? ''}`.trim();
    await reportNothingFound(store.description, message);
    throw new ActionError(message);
  }
  const health = assess(found.newest, found.previous, settings, ctx.now());
  const label = found.label ?? found.newest.label;
  const verifiedAt = await core.group('Find the last proof', () =>
    newestVerification(store, label, found.own ?? []),
  );
  addProblems(health, unverifiedProblem(label, verifiedAt, settings.maxUnverifiedAgeMs, ctx.now()));
  const report: CheckReport = {
    where: store.description,
    label,
    verifiedAt,
    newest: found.newest,
    previous: found.previous,
    limits: settings,
    health,
  };
  setCheckOutputs(report);
  await writeCheckSummary(report);
  if (!health.healthy) throw new UnhealthyError(report);
  return report;
}

function addProblems(health: Health, problems: string[]): void {
  health.problems.push(...problems);
  health.healthy = health.problems.length === 0;
}

/** The failure of an unhealthy check: one line naming every problem, and the report behind it. */
export class UnhealthyError extends ActionError {
  constructor(readonly report: CheckReport) {
    super(checkResultLine(report));
    this.name = 'UnhealthyError';
  }
}

/** The newest two backups of the label (by id), their manifests read and checked. */
interface NewestTwo {
  /** The label used; undefined when none was given and the location holds no backup at all. */
  label?: string;
  /** Without a newest backup: what the location holds instead. */
  note?: string;
  newest?: Manifest;
  previous?: Manifest;
  /** The label's backups (with a manifest), newest first. */
  own?: ListedBackup[];
}

/** The newest two of the label, passing over (with a warning) the future-dated. */
async function findNewestTwo(
  store: Store,
  given: string | undefined,
  now: Date,
): Promise<NewestTwo> {
  const all = listBackups(await listManifests(store));
  if (!given && all.length === 0) return { note: await emptyReason(store) };
  const label = resolveLabel(given, all, store.description);
  const treatment = 'Check does not count it as the newest backup.';
  const own = all.filter((b) => b.label === label);
  const [newest, previous] = await newestUsable(store, own, { now, count: 2, treatment });
  if (!newest) return { label, note: await presentNote(store, label, all) };
  core.info(
    `Label '${label}' at ${store.description}: newest ${newest.id}, previous ${previous?.id ?? 'none'}.`,
  );
  return { label, newest, previous, own };
}

function nothingFound(store: Store, label: string | undefined): string {
  const which = label ? `with label '${label}'` : 'of any label';
  return `No backup ${which} was found at ${store.description}.`;
}
