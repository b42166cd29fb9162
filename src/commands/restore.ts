import * as core from '@actions/core';
import { InputError } from '../errors.js';
import { INPUTS } from '../inputs/read.js';
import { writeGlobalsSummary } from '../outputs/globals.js';
import {
  setRestoreOutputs,
  skippedNote,
  writeRestoreSummary,
  type RestoreReport,
} from '../outputs/restore.js';
import { decrypt, fetchChecked, findAndDescribe } from '../phases/fetch.js';
import { planInto } from '../phases/plan-restore.js';
import {
  checkRestorable,
  failOnMismatch,
  inspectAndCheck,
  restoreReportOf,
  rowsOf,
} from '../phases/restore-checks.js';
import { restoreGlobals } from '../phases/restore-globals.js';
import {
  pickClient,
  restoreSafely,
  warnSkippedSettings,
  type RestoreInto,
} from '../phases/restore-into.js';
import { requestOf, selectionOf } from '../phases/restore-request.js';
import { withPostRestoreSql } from '../phases/rows-in-transaction.js';
import type { RestoreOutcome } from '../pipeline/restore.js';
import type { Manifest } from '../catalog/manifest.js';
import type { RestoreSettings } from '../settings.js';
import type { Store } from '../storage/store.js';
import { secondsBetween } from '../units.js';
import { clientEnvOf, openStores, type RunContext } from './context.js';

/**
 * The restore story, in the order that protects the target: find the backup, check its SHA-256,
 * look at the target (read only), pick a client, refuse unsafe cases, and only then create and restore.
 */
export async function runRestoreCommand(
  settings: RestoreSettings,
  ctx: RunContext,
): Promise<RestoreReport> {
  const started = ctx.now();
  const [store] = openStores([settings.storage], settings, ctx);
  if (!store) throw new InputError(INPUTS.storage, 'is empty: give the location to restore from.');
  const { manifest, archivePath } = await fetchBackup(store, settings, ctx);
  const into = await prepareTarget(settings, { manifest, archivePath }, ctx);
  const globals = settings.restoreGlobals
    ? await core.group('Create roles and tablespaces', () =>
        restoreGlobals(store, manifest, settings, ctx.workspace),
      )
    : undefined;
  const request = requestOf(settings);
  const plan = await core.group('Plan the restore (nothing is changed yet)', async () =>
    withPostRestoreSql(await planInto(into, request), request, settings.postRestoreSql),
  );
  const dropped = await applyRestore(plan);
  const comparison = await core.group('Compare row counts with the manifest', () =>
    rowsOf(plan, request, settings),
  );
  const seconds = secondsBetween(started, ctx.now());
  const report = restoreReportOf(settings, { manifest, comparison, seconds, plan, dropped });
  setRestoreOutputs(report);
  await writeRestoreSummary(report);
  await writeGlobalsSummary(globals);
  failOnMismatch(comparison);
  return report;
}

/** Finds the backup, checks the stored object's SHA-256 and decrypts it: nothing is changed yet. */
async function fetchBackup(store: Store, settings: RestoreSettings, ctx: RunContext) {
  const manifest = await core.group('Find the backup', () =>
    findAndDescribe(store, settings, ctx.now()),
  );
  checkRestorable(manifest, settings);
  const stored = await core.group('Check the SHA-256 of the stored object', () =>
    fetchChecked(store, manifest, ctx.workspace),
  );
  const archivePath = await core.group('Decrypt', () =>
    decrypt(manifest, stored, settings.keys, ctx.workspace),
  );
  return { manifest, archivePath };
}

/** Looks at the target (read only) and finds the matching pg_restore: the restore to plan. */
async function prepareTarget(
  settings: RestoreSettings,
  fetched: { manifest: Manifest; archivePath: string },
  ctx: RunContext,
): Promise<RestoreInto> {
  const state = await core.group('Inspect the target', () => inspectAndCheck(settings));
  const client = await core.group('Find a matching pg_restore', () =>
    pickClient(settings.client, fetched.manifest, state.server.major, ctx.env),
  );
  const clientEnv = await clientEnvOf(ctx, settings.target);
  return {
    ...{ ...fetched, client, state, clientEnv, signal: ctx.signal },
    ...{ journal: ctx.journal, workspace: ctx.workspace, target: settings.target },
    ...{ selection: selectionOf(requestOf(settings)), jobs: settings.jobs },
    lockTimeout: settings.lockWaitTimeout,
  };
}

/** The restore itself, and what it left out (unknown settings, ownership and privileges). */
async function applyRestore(plan: RestoreInto): Promise<RestoreOutcome> {
  const name = plan.target.database;
  const outcome = await core.group(`Restore ${plan.manifest.id} into '${name}'`, async () => {
    const result = await restoreSafely(plan);
    core.info(`Applied the whole archive to '${name}' in one transaction.`);
    return result;
  });
  warnSkippedSettings(outcome, plan);
  const skipped = skippedNote(outcome.skipped);
  if (skipped) core.info(skipped);
  return outcome;
}
