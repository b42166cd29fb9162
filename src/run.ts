import * as core from '@actions/core';
import { loadActionDefaults } from './action-defaults.js';
import { runBackup } from './commands/backup.js';
import { runRestoreCommand } from './commands/restore.js';
import { readRestoreSettings } from './restore-settings.js';
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
    const mask = (s: string) => core.setSecret(s);
    // The AWS SDK reads these itself; masked so that no error text can ever show them.
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      if (env[name]) mask(env[name]);
    const cwd = env.GITHUB_WORKSPACE || process.cwd();
    const now = () => new Date();
    if (command === 'backup') {
      const settings = readBackupSettings(read, mask, cwd);
      workspace = await createWorkspace(env);
      await runBackup(settings, { env, workspace, now });
    } else if (command === 'restore') {
      const settings = readRestoreSettings(read, mask, cwd);
      workspace = await createWorkspace(env);
      await runRestoreCommand(settings, { env, workspace, now });
    } else {
      throw new NotAvailableError(`The '${command}' command`);
    }
  } catch (error) {
    core.setFailed(describeError(error));
  } finally {
    await removeWorkspace(workspace);
  }
}
