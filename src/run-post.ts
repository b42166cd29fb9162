import * as core from '@actions/core';
import { removeWorkspace, savedWorkspace } from './state.js';

/** The post step: removes what main left behind (PGPASSFILE, spool); only ever warns. */
export async function runPost(): Promise<void> {
  try {
    await removeWorkspace(savedWorkspace());
  } catch (error) {
    core.warning(`Cleanup: ${error instanceof Error ? error.message : String(error)}`);
  }
}
