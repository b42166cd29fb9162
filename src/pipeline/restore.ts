import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as core from '@actions/core';
import { ActionError } from '../errors.js';
import {
  buildDirectArgs,
  buildParallelArgs,
  buildToSqlArgs,
  startPgRestore,
} from '../postgres/pg-restore.js';
import { meterStage, ProgressMeter } from './progress.js';
import { sqlRestore } from './restore-sql.js';
import { childController, runTogether } from './run-together.js';
import { SqlFilter, type SqlFilterCounts } from './sql-filter.js';
import type { RestoreJob, RestoreOutcome } from './restore-job.js';

export { decompressorFor, type RestoreJob, type RestoreOutcome } from './restore-job.js';

/**
 * Restores by the fastest path that keeps the guarantees: pg_restore --jobs into a database this
 * run created; pg_restore --single-transaction straight into a server at least as new as the client
 * when nothing needs rewriting; else the SQL path (psql, one transaction, filtered).
 */
export async function runRestore(job: RestoreJob): Promise<RestoreOutcome> {
  const archive =
    job.format === 'directory'
      ? await unpack(job.archivePath, job.workspace, job.env)
      : job.archivePath;
  const skipped = job.format === 'plain' ? undefined : await countSkipped(job, archive);
  // post-restore-sql must run inside the restore's one transaction: never in parallel.
  if (job.jobs && !job.selection.postRestoreSql && job.format !== 'plain' && job.format !== 'tar') {
    core.info(`pg_restore --jobs=${job.jobs} into the database this run created.`);
    return { settings: await parallelRestore(job, archive, job.jobs), skipped };
  }
  if (directPossible(job)) {
    core.info('pg_restore --single-transaction straight into the server (nothing to rewrite).');
    return { settings: await directRestore(job, archive), skipped };
  }
  core.info(
    `pg_restore → psql in one transaction${job.selection.clean ? ', dropping the archive objects first (overwrite, guarded)' : ''}.`,
  );
  return { ...(await sqlRestore(job, archive)), ...(skipped ? { skipped } : {}) };
}

/**
 * Straight into the server: a custom or tar archive (read from stdin, so a killed action ends the
 * input and the transaction rolls back), no overwrite rewrite, and a server at least as new as
 * pg_restore (every SET it writes is known). SQL of our own before COMMIT (the in-transaction row
 * check and post-restore-sql) takes the SQL path: pg_restore --single-transaction commits itself,
 * and the SQL path already feeds psql an epilogue before its COMMIT.
 */
function directPossible(job: RestoreJob): boolean {
  return (
    (job.format === 'custom' || job.format === 'tar') &&
    !job.selection.clean &&
    !job.selection.privilegeReset &&
    !job.selection.preludeSql &&
    !job.selection.rowCheck &&
    !job.selection.postRestoreSql &&
    job.versions.server.major >= job.client.major
  );
}

/** pg_restore --single-transaction --exit-on-error into the target, the archive on its stdin. */
async function directRestore(job: RestoreJob, archive: string): Promise<string[]> {
  const controller = childController(job.signal);
  const run = startPgRestore(job.client, buildDirectArgs(job.selection, job.target), {
    env: job.env,
    signal: controller.signal,
    name: 'pg_restore',
    stdin: true,
    stdout: false,
  });
  const meter = new ProgressMeter({
    label: 'Restoring',
    verb: 'sent to pg_restore',
    total: (await stat(archive)).size,
    totalName: 'stored size',
    log: core.info,
  });
  const feed = pipeline(createReadStream(archive), meterStage(meter), run.stdin, {
    signal: controller.signal,
  });
  await runTogether(
    [
      { priority: 0, promise: run.exited },
      { priority: 1, promise: feed },
    ],
    controller,
  );
  return [];
}

/**
 * How many ownership and privilege statements no-owner / no-privileges leave out: the archive's
 * schema as SQL, with both kept, counted by the filter that drops them from plain dumps.
 */
async function countSkipped(
  job: RestoreJob,
  archive: string,
): Promise<SqlFilterCounts | undefined> {
  const { noOwner, noPrivileges } = job.selection;
  if (!noOwner && !noPrivileges) return undefined;
  const selection = { ...job.selection, noOwner: false, noPrivileges: false, clean: false };
  const args = buildToSqlArgs(archive, { ...selection, dataOnly: false, schemaOnly: true });
  const controller = childController(job.signal);
  const run = startPgRestore(job.client, args, {
    env: job.env,
    signal: controller.signal,
    name: 'pg_restore',
  });
  const counter = new SqlFilter({
    knownSettings: new Set(),
    dropOwners: noOwner,
    dropPrivileges: noPrivileges,
  });
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  await runTogether(
    [
      { priority: 0, promise: run.exited },
      { priority: 1, promise: pipeline(run.stdout, counter, sink, { signal: controller.signal }) },
    ],
    controller,
  );
  return { ...counter.counts };
}

const UNKNOWN_SETTING = /unrecognized configuration parameter "([^"]+)"/;

/** pg_restore --jobs straight into the target; tolerates only errors from settings the server lacks. */
async function parallelRestore(job: RestoreJob, archive: string, jobs: number): Promise<string[]> {
  const errors: string[] = [];
  const onStderrLine = (line: string) => {
    if (/^pg_restore: error: could not execute query: /.test(line)) errors.push(line);
  };
  const args = buildParallelArgs(archive, job.selection, jobs, job.target);
  const controller = childController(job.signal);
  const run = startPgRestore(job.client, args, {
    env: job.env,
    signal: controller.signal,
    name: 'pg_restore',
    stdout: false,
    onStderrLine,
  });
  try {
    await run.exited;
    return [];
  } catch (error) {
    const settings = errors.map((e) => UNKNOWN_SETTING.exec(e)?.[1]);
    if (errors.length === 0 || settings.some((s) => s === undefined)) throw error;
    return [...new Set(settings as string[])];
  }
}

/** tar's failure; a full disk becomes the ENOSPC error it is, naming the directory. */
function unpackError(tarPath: string, dir: string, code: number | null, stderr: string): Error {
  // GNU tar reports a full disk as a short write ("Wrote only 4608 of 10240 bytes").
  if (/No space left on device|Wrote only \d+ of \d+ bytes/i.test(stderr))
    return Object.assign(new Error(`no space left on device, unpacking into ${dir}`), {
      code: 'ENOSPC',
      path: dir,
    });
  const detail = stderr.trim().split('\n').pop() ?? '';
  return new ActionError(
    `tar could not unpack ${tarPath} (exit code ${code})${detail ? `: ${detail}` : ''}.`,
  );
}

/** Unpacks a directory-format backup (a tar stream) and returns the dump directory in it. */
export async function unpack(
  tarPath: string,
  workspace: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const dir = join(workspace, 'unpacked');
  await mkdir(dir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-xf', tarPath, '-C', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
    });
    let stderr = '';
    tar.stderr.on(
      'data',
      (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-2000)),
    );
    tar.once('error', reject);
    tar.once('close', (code) =>
      code === 0 ? resolve() : reject(unpackError(tarPath, dir, code, stderr)),
    );
  });
  const [root] = await readdir(dir);
  if (!root) throw new ActionError(`The directory-format backup ${tarPath} is empty.`);
  return join(dir, root);
}
