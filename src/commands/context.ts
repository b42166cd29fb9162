import { BACKUP_LEFTOVERS } from '../catalog/leftovers.js';
import type { ArtifactSettings, S3Settings, StorageLocation } from '../settings.js';
import { createStore } from '../storage/create-store.js';
import { JournaledStore } from '../storage/journaled-store.js';
import type { Journal } from '../state.js';
import type { Store } from '../storage/store.js';

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

/** The store options a command's settings carry. */
export interface StoreSettings {
  s3?: S3Settings;
  artifact?: ArtifactSettings;
}

/** Opens the store of each location. */
export function openStores(
  locations: StorageLocation[],
  settings: StoreSettings,
  ctx: RunContext,
): Store[] {
  return locations.map((location, i) => {
    const store = createStore(location, {
      s3: settings.s3,
      artifact: settings.artifact,
      env: ctx.env,
      tempDir: ctx.workspace,
    });
    return ctx.journal ? new JournaledStore(store, i, ctx.journal, BACKUP_LEFTOVERS) : store;
  });
}
