/**
 * The one in-process runner of the commands: a command's settings read by the production reader
 * over action.yml's defaults, its story run from the production table (src/run.ts COMMANDS) with a
 * fresh workspace and a clock, and the step outputs it wrote; plus reading back what a backup left.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest, type Manifest } from '../../src/catalog/manifest.js';
import type { RunContext } from '../../src/commands/context.js';
import type { BackupReport } from '../../src/outputs/backup.js';
import type { CheckReport } from '../../src/outputs/check.js';
import type { PruneReport } from '../../src/outputs/prune.js';
import type { RestoreReport } from '../../src/outputs/restore.js';
import type { VerifyReport } from '../../src/outputs/verify.js';
import { COMMANDS } from '../../src/run.js';
import { parseFileCommand } from '../../scripts/lib/action-env.js';
import { readerOf } from '../../scripts/lib/repo.js';

/** The report each command's story returns. */
export interface Reports {
  backup: BackupReport;
  restore: RestoreReport;
  verify: VerifyReport;
  prune: PruneReport;
  check: CheckReport;
}

/** What one in-process run left: its report, or the error it failed with, and its step outputs. */
export interface StoryRun<R> {
  report?: R;
  error?: Error;
  outputs: Record<string, string>;
}

/** The clock (default: the real one) and any other part of the run's context. */
export interface StoryOptions {
  now?: () => Date;
  ctx?: Partial<RunContext>;
}

/**
 * Runs `command` in-process with `inputs` over action.yml's defaults; never throws: a failure
 * (of its settings too) is `error`. The outputs are what the run wrote to GITHUB_OUTPUT: the
 * test's file when it set one (appended to, as across a job's steps), else a file of the run's own.
 */
export async function attemptStory<C extends keyof Reports>(
  command: C,
  inputs: Record<string, string>,
  opts: StoryOptions = {},
): Promise<StoryRun<Reports[C]>> {
  const workspace = await mkdtemp(join(tmpdir(), `ws-${command}-`));
  const ownOutput = process.env.GITHUB_OUTPUT === undefined;
  if (ownOutput) process.env.GITHUB_OUTPUT = join(workspace, 'output');
  const output = process.env.GITHUB_OUTPUT as string;
  await writeFile(output, '', { flag: 'a' });
  const start = (await stat(output)).size;
  const run: StoryRun<Reports[C]> = { outputs: {} };
  try {
    const { read, run: story } = COMMANDS[command];
    const settings = read(readerOf(inputs), () => undefined, process.cwd());
    const ctx = { env: process.env, workspace, now: opts.now ?? (() => new Date()), ...opts.ctx };
    run.report = (await story(settings, ctx)) as Reports[C];
  } catch (error) {
    run.error = error as Error;
  } finally {
    run.outputs = parseFileCommand((await readFile(output)).subarray(start).toString('utf8'));
    if (ownOutput) delete process.env.GITHUB_OUTPUT;
  }
  return run;
}

/** {@link attemptStory}, throwing the run's error: its report and outputs. */
export async function runStory<C extends keyof Reports>(
  command: C,
  inputs: Record<string, string>,
  opts: StoryOptions = {},
): Promise<{ report: Reports[C]; outputs: Record<string, string> }> {
  const run = await attemptStory(command, inputs, opts);
  if (run.error || !run.report) throw run.error ?? new Error(`${command} returned no report`);
  return { report: run.report, outputs: run.outputs };
}

/** The backup command's report (throws its error), at `now`'s clock. */
export async function backupWith(
  inputs: Record<string, string>,
  now?: () => Date,
): Promise<BackupReport> {
  return (await runStory('backup', inputs, { now })).report;
}

/** The restore command's report (throws its error). */
export async function restoreWith(inputs: Record<string, string>): Promise<RestoreReport> {
  return (await runStory('restore', inputs)).report;
}

/** The verify command's report (throws its error). */
export async function verifyWith(inputs: Record<string, string>): Promise<VerifyReport> {
  return (await runStory('verify', inputs)).report;
}

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads a manifest file. */
export async function readManifest(path: string): Promise<Manifest> {
  return parseManifest(await readFile(path, 'utf8'), path);
}

/** `schema.table` → rows, from a manifest. */
export function manifestCounts(m: Manifest): Record<string, number> {
  return Object.fromEntries(m.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
}
