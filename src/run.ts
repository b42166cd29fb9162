import * as core from '@actions/core';
import { loadActionDefaults } from './action-defaults.js';
import { runBackup } from './commands/backup.js';
import { describeError, NotAvailableError } from './errors.js';
import { readBackupSettings, readCommand, type Read } from './inputs.js';
import { createWorkspace, removeWorkspace } from './state.js';

/** Reads inputs with action.yml's defaults filled in (the runner does this; a local run does not). */
export function createReader(defaults: Record<string, string> = loadActionDefaults()): Read {
  return (name) => core.getInput(name) || defaults[name] || '';
}

/** The main step: one command, one clear error line on failure. */
export async function runMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let workspace: string | undefined;
  try {
    const read = createReader();
    const command = readCommand(read);
    if (command !== 'backup') throw new NotAvailableError(`The '${command}' command`);
    const settings = readBackupSettings(
      read,
      (s) => core.setSecret(s),
      env.GITHUB_WORKSPACE || process.cwd(),
    );
    workspace = await createWorkspace(env);
    await runBackup(settings, { env, workspace, now: () => new Date() });
  } catch (error) {
    core.setFailed(describeError(error));
  } finally {
    await removeWorkspace(workspace);
  }
}
