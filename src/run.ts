import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { stopChildren, undoLeftover } from './cleanup.js';
import { runBackup } from './commands/backup.js';
import type { RunContext } from './commands/context.js';
import { runCheck } from './commands/check.js';
import { runPrune } from './commands/prune.js';
import { runRestoreCommand } from './commands/restore.js';
import { runVerify } from './commands/verify.js';
import { ActionError, describeError, describeRunError } from './errors.js';
import { usePlainLog } from './log.js';
import { collectYoungGarbage } from './memory.js';
import { readBackupSettings } from './inputs/backup.js';
import { readCommand, readWebhookUrl } from './inputs/common.js';
import { createReader, type Mask, type Read } from './inputs/read.js';
import { readCheckSettings } from './inputs/check.js';
import { readPruneSettings } from './inputs/prune.js';
import { readRestoreSettings } from './inputs/restore.js';
import { readVerifySettings } from './inputs/verify.js';
import { checkNotice, checkResultLine } from './outputs/check.js';
import { pruneResultLine } from './outputs/prune.js';
import { backupResultLine, restoreResultLine } from './outputs/result.js';
import { writeStatusSummary } from './outputs/summary.js';
import { plural } from './units.js';
import { verifyResultLine } from './outputs/verify.js';
import { postWebhook } from './notify.js';
import {
  backupNotice,
  buildNotification,
  genericNotice,
  restoreNotice,
  withoutSecrets,
  type Ending,
  type NoticeFields,
} from './outputs/notification.js';
import type { Command } from './settings.js';
import { createWorkspace, Journal, removeWorkspace, savedWorkspace } from './state.js';

/** One command: how its settings are read, its story, and what its result tells the webhook. */
interface CommandEntry<S, R = unknown> {
  /** Reads and validates the command's settings; secrets are masked as they are read. */
  read: (read: Read, mask: Mask, cwd: string) => S;
  /** Runs the command's story. */
  run: (settings: S, ctx: RunContext) => Promise<R>;
  /** The `webhook-url` message fields of the story's result; without it, genericNotice's pick. */
  notice?: (report: R) => NoticeFields;
  /** The one ungrouped line that states a successful result (also the `::notice::`). */
  result: (report: R) => string;
}

function entry<S, R>(e: CommandEntry<S, R>): CommandEntry<unknown> {
  return e as unknown as CommandEntry<unknown>;
}

/** Every command of the `command` input. */
export const COMMANDS: Record<Command, CommandEntry<unknown>> = {
  backup: entry({
    read: readBackupSettings,
    run: runBackup,
    notice: backupNotice,
    result: backupResultLine,
  }),
  restore: entry({
    read: readRestoreSettings,
    run: runRestoreCommand,
    notice: restoreNotice,
    result: restoreResultLine,
  }),
  verify: entry({ read: readVerifySettings, run: runVerify, result: verifyResultLine }),
  prune: entry({ read: readPruneSettings, run: runPrune, result: pruneResultLine }),
  check: entry({
    read: readCheckSettings,
    run: runCheck,
    notice: checkNotice,
    result: checkResultLine,
  }),
};

/** How long a cancelled run may spend undoing its work before it exits anyway. */
const CANCEL_GRACE_MS = 20_000;

/**
 * Masks a secret in the runner's logs. Outside GitHub Actions nothing reads `::add-mask::`, and
 * printing it would print the secret: there the action only relies on never logging secrets.
 */
export function maskerFor(env: NodeJS.ProcessEnv): Mask {
  return inActions(env) ? (s) => core.setSecret(s) : () => undefined;
}

/** Whether a GitHub runner reads this process's log (else it is a command-line tool's log). */
function inActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** What the main step learns as it goes, for the webhook message at the end. */
interface RunFacts {
  /** Masks a secret and remembers it, so that no webhook field can carry it. */
  mask: Mask;
  /** Every value masked so far. */
  secrets: string[];
  /** The `webhook-url` input, once read. */
  webhookUrl?: string;
  /** The command, once the `command` input was read. */
  command?: Command;
  /** The label from the command's settings, once read. */
  label?: string;
}

/**
 * The main step: one command, one clear error line on failure or cancellation, then the
 * `webhook-url` message on either outcome (a failed post only warns).
 */
export async function runMain(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const plainLog = inActions(env) ? () => {} : usePlainLog(env);
  const cancel = onCancel();
  const stopCollecting = collectYoungGarbage();
  const secrets: string[] = [];
  const facts: RunFacts = { mask: recordingMask(maskerFor(env), secrets), secrets };
  try {
    const ending = await runCommand(env, cancel.signal, facts);
    await notify(facts, ending);
  } finally {
    cancel.dispose();
    stopCollecting();
    plainLog();
  }
}

async function runCommand(
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
  facts: RunFacts,
): Promise<Ending> {
  let workspace: string | undefined;
  let restoreOutputs = () => {};
  const summaryAtStart = summarySize(env);
  try {
    const read = createReader();
    const { mask } = facts;
    facts.webhookUrl = readWebhookUrl(read, mask);
    facts.command = readCommand(read);
    const command = COMMANDS[facts.command];
    // The AWS SDK reads these itself; masked so that no error text can ever show them.
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'])
      if (env[name]) mask(env[name]);
    const settings = command.read(read, mask, env.GITHUB_WORKSPACE || process.cwd());
    facts.label = labelOf(settings);
    workspace = await createWorkspace(env);
    restoreOutputs = quietOutputs(workspace);
    const ctx = { env, workspace, now: () => new Date(), signal };
    const report = await command.run(settings, { ...ctx, journal: Journal.in(workspace) });
    const line = command.result(report);
    core.info(line);
    // An annotation on the run's page; outside GitHub it would only print the line twice.
    if (inActions(env)) core.notice(line);
    await statusSummary(env, { command: facts.command, ok: true, line, hasReport: true });
    const fields = (command.notice ?? genericNotice)(report);
    return { status: 'success', fields: { ...fields, label: fields.label ?? facts.label } };
  } catch (error) {
    const message = signal.aborted ? cancelled(signal) : describeRunError(error, workspace);
    core.setFailed(message);
    const hasReport = summarySize(env) !== summaryAtStart;
    await statusSummary(env, { command: facts.command, ok: false, line: message, hasReport });
    return { status: 'failure', error: message, fields: failureFields(error, facts) };
  } finally {
    restoreOutputs();
    await removeWorkspace(workspace);
  }
}

/** Bytes in the job summary file now (-1 without one): tells whether the story wrote a summary. */
function summarySize(env: NodeJS.ProcessEnv): number {
  if (!env.GITHUB_STEP_SUMMARY) return -1;
  return statSync(env.GITHUB_STEP_SUMMARY, { throwIfNoEntry: false })?.size ?? -1;
}

/** Writes the summary's status line; a summary that cannot be written only warns. */
async function statusSummary(
  env: NodeJS.ProcessEnv,
  status: Parameters<typeof writeStatusSummary>[0],
): Promise<void> {
  await writeStatusSummary(status, env).catch((error: unknown) =>
    core.warning(`Job summary: ${describeError(error)}`),
  );
}

/**
 * Without GITHUB_OUTPUT (outside a runner) @actions/core prints every output as a deprecated
 * `::set-output` line; there the outputs go to a private file in the workspace instead (removed
 * with it). Set GITHUB_OUTPUT to a file to keep them. Returns what undoes the redirection.
 */
function quietOutputs(workspace: string): () => void {
  if (process.env.GITHUB_OUTPUT) return () => {};
  const file = join(workspace, 'outputs');
  writeFileSync(file, '', { mode: 0o600 });
  process.env.GITHUB_OUTPUT = file;
  return () => {
    delete process.env.GITHUB_OUTPUT;
  };
}

/** What a failed run tells the webhook: the report a failure carries (an unhealthy check's), else the label. */
function failureFields(error: unknown, facts: RunFacts): NoticeFields {
  const report = (error as { report?: unknown } | null)?.report;
  const notice = facts.command ? COMMANDS[facts.command].notice : undefined;
  const fields = report !== undefined && notice ? notice(report) : {};
  return { ...fields, label: fields.label ?? facts.label };
}

/** Masks with `mask` and remembers every secret in `secrets`. */
function recordingMask(mask: Mask, secrets: string[]): Mask {
  return (secret) => {
    secrets.push(secret);
    mask(secret);
  };
}

/** The label of a command's settings, when they have one (backup always, the others maybe). */
function labelOf(settings: unknown): string | undefined {
  const label = (settings as { label?: unknown } | null)?.label;
  return typeof label === 'string' && label ? label : undefined;
}

/** Posts the run's message to `webhook-url` when set; a failed post is a warning, nothing more. */
async function notify(facts: RunFacts, ending: Ending): Promise<void> {
  if (!facts.webhookUrl) return;
  const message = withoutSecrets(buildNotification(facts.command, ending), facts.secrets);
  const result = await postWebhook(facts.webhookUrl, message);
  if (result.delivered) core.info(`Notification: ${ending.status} message posted to webhook-url.`);
  else
    core.warning(
      `Notification: the webhook-url post failed after ${plural(result.attempts, 'attempt')} (${result.problem ?? 'unknown error'}); the step's result is unchanged.`,
    );
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
  const plainLog = inActions(env) ? () => {} : usePlainLog(env);
  const workspace = savedWorkspace(env);
  try {
    if (!workspace) return;
    const stopped = await stopChildren(workspace);
    if (stopped)
      core.info(`Cleanup: stopped ${plural(stopped, 'client program')} the main step left.`);
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
    plainLog();
  }
}
