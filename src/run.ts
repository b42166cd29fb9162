import * as core from '@actions/core';
import { stopChildren, undoLeftover } from './cleanup.js';
import { runBackup } from './commands/backup.js';
import type { RunContext } from './commands/context.js';
import { runRestoreCommand } from './commands/restore.js';
import { ActionError, describeError, NotAvailableError } from './errors.js';
import { readBackupSettings } from './inputs/backup.js';
import { readCommand } from './inputs/common.js';
import { createReader, type Mask, type Read } from './inputs/read.js';
import { readRestoreSettings } from './inputs/restore.js';
import type { Command } from './settings.js';
import { createWorkspace, Journal, removeWorkspace, savedWorkspace } from './state.js';

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

/** How long a cancelled run may spend undoing its work before it exits anyway. */
const CANCEL_GRACE_MS = 20_000;

/**
 * Masks a secret in the runner's logs. Outside GitHub Actions nothing reads `::add-mask::`, and
 * printing it would print the secret: there the action only relies on never logging secrets.
 */
export function maskerFor(env: NodeJS.ProcessEnv): Mask {
  return env.GITHUB_ACTIONS === 'true' ? (s) => core.setSecret(s) : () => undefined;
}

/** The main step: one command, one clear error line on failure or cancellation. */
export async function runMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cancel = onCancel();
  let workspace: string | undefined;
  try {
    const read = createReader();
    const command = COMMANDS[readCommand(read)];
    const mask = maskerFor(env);
    // The AWS SDK reads these itself; masked so that no error text can ever show them.
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      if (env[name]) mask(env[name]);
    const settings = command.read(read, mask, env.GITHUB_WORKSPACE || process.cwd());
    workspace = await createWorkspace(env);
    const ctx = { env, workspace, now: () => new Date(), signal: cancel.signal };
    await command.run(settings, { ...ctx, journal: Journal.in(workspace) });
  } catch (error) {
    core.setFailed(cancel.signal.aborted ? cancelled(cancel.signal) : describeError(error));
  } finally {
    cancel.dispose();
    await removeWorkspace(workspace);
  }
}

/** SIGINT/SIGTERM (a cancelled workflow) abort the run; the run then undoes its work and fails. */
function onCancel(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    controller.abort(name);
    // Undoing must not hang the job: after the grace time the run fails anyway.
    timer = setTimeout(() => {
      core.setFailed(`${cancelled(controller.signal)} (cleanup did not finish in time)`);
      process.exit(1);
    }, CANCEL_GRACE_MS);
  };
  process.on('SIGINT', handler).on('SIGTERM', handler);
  const dispose = () => {
    clearTimeout(timer);
    process.off('SIGINT', handler).off('SIGTERM', handler);
  };
  return { signal: controller.signal, dispose };
}

function cancelled(signal: AbortSignal): string {
  return new ActionError(
    `The run was cancelled (${String(signal.reason)}): it stopped its programs and undid its work; nothing partial was stored and no restore was committed.`,
  ).message;
}

/** The post step: undoes what a killed main step left (journal, children, workspace); only warns. */
export async function runPost(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const workspace = savedWorkspace();
  try {
    if (!workspace) return;
    const stopped = await stopChildren(workspace);
    if (stopped) core.info(`Cleanup: stopped ${stopped} client program(s) the main step left.`);
    const pending = Journal.in(workspace).pending();
    const ctx = {
      read: createReader(),
      mask: maskerFor(env),
      cwd: env.GITHUB_WORKSPACE || process.cwd(),
      env,
      workspace,
    };
    for (const leftover of pending.reverse()) await undoLeftover(leftover, ctx);
  } catch (error) {
    core.warning(`Cleanup: ${describeError(error)}`);
  } finally {
    await removeWorkspace(workspace);
  }
}
