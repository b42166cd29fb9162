import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';

const WORKSPACE = 'workspace';

/** Creates the run's private temp directory (0700) and remembers it for the post step. */
export async function createWorkspace(env: NodeJS.ProcessEnv): Promise<string> {
  const dir = await mkdtemp(join(env.RUNNER_TEMP || tmpdir(), 'pg-backup-'));
  core.saveState(WORKSPACE, dir);
  return dir;
}

/** Removes a workspace (PGPASSFILE, spool files); never throws. */
export async function removeWorkspace(dir: string | undefined): Promise<void> {
  if (!dir) return;
  await rm(dir, { recursive: true, force: true }).catch((error: unknown) => {
    core.warning(`Could not remove the temporary directory ${dir}: ${String(error)}`);
  });
}

/** The workspace the main step recorded, if any. */
export function savedWorkspace(): string | undefined {
  return core.getState(WORKSPACE) || undefined;
}
