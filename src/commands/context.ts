import { BACKUP_LEFTOVERS } from '../catalog/leftovers.js';
import { lockOfFile } from '../catalog/lock.js';
import type { StorageLocation, StorageOptions } from '../settings.js';
import { createStore } from '../storage/create-store.js';
import { JournaledStore } from '../storage/journaled-store.js';
import type { Journal } from '../state.js';
import type { Store } from '../storage/store.js';
import { libpqEnv, writePgpass, type Connection } from '../postgres/connection.js';

/** What every command needs from its surroundings. */
export interface RunContext {
  /** The process environment (PATH, RUNNER_TOOL_CACHE, AWS_*, ...). */
  env: NodeJS.ProcessEnv;
  /** The run's private temp directory (PGPASSFILE, spool files); the post step removes it. */
  workspace: string;
  /** The clock. */
  now: () => Date;
  /** Aborted when the run is cancelled (SIGINT/SIGTERM): every pipeline stops as on a failure. */
  signal?: AbortSignal;
  /** The undo log the post step replays when main was killed. */
  journal?: Journal;
}

/** Opens the store of each location. */
export function openStores(
  locations: StorageLocation[],
  settings: StorageOptions,
  ctx: RunContext,
): Store[] {
  return locations.map((location, i) => {
    const store = createStore(location, {
      s3: settings.s3,
      artifact: settings.artifact,
      env: ctx.env,
      tempDir: ctx.workspace,
      retentionOf: (fileName) => lockOfFile(fileName, settings.s3?.objectLock),
    });
    return ctx.journal ? new JournaledStore(store, i, ctx.journal, BACKUP_LEFTOVERS) : store;
  });
}

/**
 * The environment of the client programs (pg_dump, pg_restore, psql): the process environment
 * with libpq's settings and, for `connection`, this run's PGPASSFILE holding its password.
 */
export async function clientEnvOf(
  ctx: RunContext,
  connection?: Connection,
): Promise<NodeJS.ProcessEnv> {
  const pgpass = connection && (await writePgpass(ctx.workspace, connection));
  return libpqEnv(ctx.env, pgpass, ctx.workspace);
}
