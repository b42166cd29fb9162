import * as core from '@actions/core';
import { writeRecord } from '../phases/write-verification.js';
import { InputError } from '../errors.js';
import { INPUTS } from '../inputs/read.js';
import { verifyProblems, type DrillReport, type VerifyReport } from '../outputs/verify.js';
import { decrypt, fetchChecked, findAndDescribe } from '../phases/fetch.js';
import type { RestoreInto } from '../phases/restore-into.js';
import { requestOf, selectionOf } from '../phases/restore-request.js';
import { clientFor, readAndCompare, reportVerify, timed } from '../phases/verify-checks.js';
import { inspectDrill, runDrill } from '../phases/verify-drill.js';
import type { VerifySettings } from '../settings.js';
import type { Store } from '../storage/store.js';
import { secondsBetween } from '../units.js';
import { clientEnvOf, openStores, type RunContext } from './context.js';

/**
 * The verify story: find the backup, check its SHA-256, decrypt, read the whole archive and compare
 * its rows with the manifest; with target-database-url, then a restore drill. Nothing is written to
 * the storage but, once everything passed, the verification record `<id>.verified.json`; only a
 * drill database the run created is created (and dropped again).
 */
export async function runVerify(settings: VerifySettings, ctx: RunContext): Promise<VerifyReport> {
  const started = ctx.now();
  const [store] = openStores([settings.storage], settings, ctx);
  if (!store) throw new InputError(INPUTS.storage, 'is empty: give the location to verify.');
  const timings: Record<string, number> = {};
  const { manifest, archivePath } = await fetchBackup(store, settings, { ...ctx, timings });
  const fetchSeconds = secondsBetween(started, ctx.now());
  const drill = settings.drill;
  const state =
    drill && (await core.group('Inspect the drill database', () => inspectDrill(drill)));
  const client = await core.group('Find a matching pg_restore', () =>
    clientFor(settings, manifest, state, ctx.env),
  );
  const clientEnv = await clientEnvOf(ctx, drill);
  const local = { client, clientEnv, workspace: ctx.workspace, signal: ctx.signal };
  const compared = await timed(timings, 'read', () =>
    core.group('Read the whole archive', () =>
      readAndCompare(manifest, { ...local, path: archivePath }),
    ),
  );
  const location = store.locationOf(manifest.object.key);
  const report: VerifyReport = {
    ...{ ...compared, manifest, location, fetchSeconds, timings, durationSeconds: 0 },
  };
  if (drill && state && client && !verifyProblems(report).length) {
    const p = { ...local, journal: ctx.journal, target: drill, state, manifest, client };
    report.drill = await drillInto({ ...p, archivePath }, settings, ctx);
  }
  report.durationSeconds = secondsBetween(started, ctx.now());
  await core.group('Report', () => reportVerify(report));
  await core.group('Write the verification record', () => writeRecord(store, report, ctx.now()));
  return report;
}

/** Finds the backup, checks the stored object's SHA-256 and decrypts it, timing each. */
async function fetchBackup(
  store: Store,
  settings: VerifySettings,
  ctx: RunContext & { timings: Record<string, number> },
) {
  const manifest = await core.group('Find the backup', () =>
    findAndDescribe(store, settings, ctx.now()),
  );
  const stored = await timed(ctx.timings, 'download', () =>
    core.group('Check the SHA-256 of the stored object', () =>
      fetchChecked(store, manifest, ctx.workspace),
    ),
  );
  const archivePath = await timed(ctx.timings, 'decrypt', () =>
    core.group('Decrypt', () => decrypt(manifest, stored, settings.keys, ctx.workspace)),
  );
  return { manifest, archivePath };
}

/** The restore drill, its selection planned like a restore's. */
function drillInto(
  p: Omit<RestoreInto, 'selection' | 'jobs'>,
  settings: VerifySettings,
  ctx: RunContext,
): Promise<DrillReport> {
  const request = requestOf(settings);
  const into = { ...p, selection: selectionOf(request), jobs: settings.jobs };
  return core.group(`Restore drill into '${p.target.database}'`, () =>
    runDrill(into, request, settings, ctx.now),
  );
}
