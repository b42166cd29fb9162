import * as core from '@actions/core';
import { runBackup } from './commands/backup.js';
import type { RunContext } from './commands/context.js';
import { runRestoreCommand } from './commands/restore.js';
import { describeError, NotAvailableError } from './errors.js';
import { readBackupSettings } from './inputs/backup.js';
import { readCommand } from './inputs/common.js';
import { createReader, type Mask, type Read } from './inputs/read.js';
import { readRestoreSettings } from './inputs/restore.js';
import type { Command } from './settings.js';
import { createWorkspace, removeWorkspace, savedWorkspace } from './state.js';

/** One command: how its settings are read, and its story. */
interface CommandEntry<S> {
  /** Reads and validates the command's settings; secrets are masked as they are read. */
  read: (read: Read, mask: Mask, cwd: string) => S;
  /** Runs the command's story. */
  run: (settings: S, ctx: RunContext) => Promise<unknown>;
}

function entry<S>(e: CommandEntry<S>): CommandEntry<unknown> {
  return e as CommandEntry<unknown>;
}

function later(command: Command): CommandEntry<unknown> {
  return entry({
    read: () => {
      throw new NotAvailableError(`The '${command}' command`);
    },
    run: () => Promise.resolve(),
  });
}

/** Every command of the `command` input. */
export const COMMANDS: Record<Command, CommandEntry<unknown>> = {
  backup: entry({ read: readBackupSettings, run: runBackup }),
  restore: entry({ read: readRestoreSettings, run: runRestoreCommand }),
  verify: later('verify'),
  prune: later('prune'),
  check: later('check'),
};

/** The main step: one command, one clear error line on failure. */
export async function runMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let workspace: string | undefined;
  try {
    const read = createReader();
    const command = COMMANDS[readCommand(read)];
    const mask = (s: string) => core.setSecret(s);
    // The AWS SDK reads these itself; masked so that no error text can ever show them.
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      if (env[name]) mask(env[name]);
    const settings = command.read(read, mask, env.GITHUB_WORKSPACE || process.cwd());
    workspace = await createWorkspace(env);
    await command.run(settings, { env, workspace, now: () => new Date() });
  } catch (error) {
    core.setFailed(describeError(error));
  } finally {
    await removeWorkspace(workspace);
  }
}

/** The post step: removes what main left behind (PGPASSFILE, spool); only ever warns. */
export async function runPost(): Promise<void> {
  try {
    await removeWorkspace(savedWorkspace());
  } catch (error) {
    core.warning(`Cleanup: ${describeError(error)}`);
  }
}
