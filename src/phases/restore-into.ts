import * as core from '@actions/core';
import type { Manifest } from '../catalog/manifest.js';
import { plainName } from '../catalog/naming.js';
import { ActionError } from '../errors.js';
import { runRestore, type RestoreJob, type RestoreOutcome } from '../pipeline/restore.js';
import {
  endOwnBackends,
  restoreAppName,
  restoreClientEnv,
  watchLockWaits,
} from '../postgres/lock-watch.js';
import { findClient, type ChosenClient } from '../postgres/client.js';
import type { Connection } from '../postgres/connection.js';
import type { PgClient } from '../postgres/install/installer.js';
import type { RestoreSelection } from '../postgres/pg-restore.js';
import {
  createTargetDatabase,
  dropTargetDatabase,
  targetSettings,
  type TargetState,
} from '../postgres/target.js';
import type { ClientRequest, DumpFormat } from '../settings.js';
import type { Journal } from '../state.js';

/** One restore of a verified local archive into a database: what restore and the verify drill share. */
export interface RestoreInto {
  signal?: AbortSignal;
  journal?: Journal;
  /** The database restored into. */
  target: Connection;
  /** How the target looked before anything was changed. */
  state: TargetState;
  manifest: Manifest;
  client: PgClient;
  /** The verified, decrypted local copy of the data object. */
  archivePath: string;
  /** The environment of client programs (PGPASSFILE). */
  clientEnv: NodeJS.ProcessEnv;
  workspace: string;
  selection: RestoreSelection;
  /** Parallel jobs; used only in a database this run created (a parallel restore cannot roll back). */
  jobs?: number;
  /** How long a statement waits for a lock on the target (PostgreSQL's lock_timeout), e.g. `5min`. */
  lockTimeout?: string;
}

/** A database this run created, recorded in the journal until it is kept or dropped. */
export interface CreatedDatabase {
  /** Keeps it: the post step no longer drops it. */
  keep(): void;
  /** Drops it and clears its journal entry; the entry stays (for the post step) when the drop fails. */
  drop(): Promise<void>;
}

/** A pg_restore at least as new as the server and as the pg_dump that wrote the backup. */
export async function pickClient(
  request: ClientRequest,
  manifest: Manifest,
  serverMajor: number,
  env: NodeJS.ProcessEnv,
): Promise<ChosenClient> {
  const dumpMajor = Number(manifest.client.pgDumpVersion.split('.')[0]);
  const client = await findClient(request, Math.max(serverMajor, dumpMajor), env);
  core.info(`Client: pg_restore ${client.version} from ${client.binDir}.`);
  return client;
}

/** Creates the database when missing, restores, and drops a database it created if the restore fails. */
export async function restoreSafely(p: RestoreInto): Promise<RestoreOutcome> {
  const created = await createIfMissing(p);
  try {
    const skipped = await restoreArchive(p, created !== undefined);
    created?.keep();
    return skipped;
  } catch (error) {
    if (created) await created.drop().catch(() => undefined);
    const undo = created
      ? 'the database this run created was dropped again'
      : 'the transaction was rolled back; the target is as it was';
    throw new ActionError(`The restore failed and ${undo}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Creates the target when it does not exist, journaled first; undefined when it existed. */
export async function createIfMissing(p: RestoreInto): Promise<CreatedDatabase | undefined> {
  if (p.state.exists) return undefined;
  // Recorded before it exists: a main step killed from here on leaves the post step to drop it.
  const done = p.journal?.add({ kind: 'database', database: p.target.database }) ?? (() => {});
  await createTargetDatabase(p.target);
  return { keep: done, drop: () => dropTargetDatabase(p.target).then(done) };
}

/** Restores the archive (one transaction unless parallel into a created database). */
export async function restoreArchive(p: RestoreInto, created: boolean): Promise<RestoreOutcome> {
  if (p.jobs && !created)
    core.warning(
      'jobs is used only when the action creates the target database (a parallel restore cannot be rolled back); restoring in one transaction.',
    );
  const appName = restoreAppName();
  const timeout = p.lockTimeout ?? DEFAULT_LOCK_TIMEOUT;
  const known = p.state.exists ? p.state.settings : await targetSettings(p.target);
  const env = restoreClientEnv(p.clientEnv, appName, timeout);
  const stop = watchLockWaits(p.target, appName, timeout, core.info);
  try {
    return await runRestore({ ...jobOf(p, created, { env, known }), lockTimeout: timeout });
  } catch (error) {
    // A killed or failed client can leave its backend queued for a lock: end this run's own.
    await endOwnBackends(p.target, appName).catch(() => 0);
    throw error;
  } finally {
    stop();
  }
}

/** A restore waits this long for a lock on the target when lock-wait-timeout is empty. */
export const DEFAULT_LOCK_TIMEOUT = '5min';

function jobOf(
  p: RestoreInto,
  created: boolean,
  { env, known }: { env: NodeJS.ProcessEnv; known: Set<string> },
): RestoreJob {
  return {
    client: p.client,
    format: p.manifest.dump.format as DumpFormat,
    archivePath: p.archivePath,
    objectKey: plainName(p.manifest.object.key),
    target: p.target,
    // Nothing to drop in a database this run created.
    selection: created ? { ...p.selection, clean: false } : p.selection,
    jobs: created ? p.jobs : undefined,
    knownSettings: known,
    versions: {
      server: p.state.server,
      dump: p.manifest.client.pgDumpVersion,
      source: p.manifest.server.version,
    },
    env,
    workspace: p.workspace,
    signal: p.signal,
  };
}

/** Warns once per setting of a newer pg_dump that the target server does not know. */
export function warnSkippedSettings(outcome: RestoreOutcome, p: RestoreInto): void {
  for (const name of outcome.settings) {
    core.warning(
      `The target server (PostgreSQL ${p.state.server.version}) does not know the setting '${name}' written by pg_dump ${p.manifest.client.pgDumpVersion}; its SET was skipped.`,
    );
  }
}
