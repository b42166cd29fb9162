import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { ActionError } from '../errors.js';
import type { PgClient } from '../postgres/install/installer.js';
import type { Connection } from '../postgres/connection.js';
import {
  buildParallelArgs,
  buildToSqlArgs,
  startPgRestore,
  startPsql,
  type RestoreSelection,
} from '../postgres/pg-restore.js';
import type { DumpFormat } from '../settings.js';
import { childController, runTogether } from './run-together.js';
import { SqlFilter } from './sql-filter.js';

/** Everything one restore needs. */
export interface RestoreJob {
  client: PgClient;
  format: DumpFormat;
  /** The verified local copy of the data object. */
  archivePath: string;
  /** The object key (its extension tells plain compression). */
  objectKey: string;
  target: Connection;
  selection: RestoreSelection;
  jobs?: number;
  /** Settings the target server knows. */
  knownSettings: Set<string>;
  env: NodeJS.ProcessEnv;
  workspace: string;
  /** The run's cancel signal (SIGINT/SIGTERM): aborts the restore like a failure (rolled back). */
  signal?: AbortSignal;
}

/** Restores; returns the unknown settings that were left out (reported as warnings). */
export async function runRestore(job: RestoreJob): Promise<string[]> {
  const archive =
    job.format === 'directory'
      ? await unpack(job.archivePath, job.workspace, job.env)
      : job.archivePath;
  if (job.jobs && job.format !== 'plain' && job.format !== 'tar')
    return parallelRestore(job, archive, job.jobs);
  return sqlRestore(job, archive);
}

/**
 * archive → (pg_restore -f - | decompress) → SQL filter → psql, in one transaction: BEGIN first,
 * COMMIT only after the whole input was applied and its reader exited cleanly. An input that ends
 * early (a failure, a signal, a killed action) leaves psql at EOF without COMMIT: rolled back.
 */
async function sqlRestore(job: RestoreJob, archive: string): Promise<string[]> {
  const controller = childController(job.signal);
  const { signal } = controller;
  const psql = startPsql(job.client, job.target, { env: job.env, signal, stdout: false });
  const filter = new SqlFilter({
    knownSettings: job.knownSettings,
    dropOwners: job.format === 'plain' && job.selection.noOwner,
    dropPrivileges: job.format === 'plain' && job.selection.noPrivileges,
    tolerateCleanErrors: job.selection.clean,
    dropTransactionControl: true,
  });
  const { stages, reader } = sqlSource(job, archive, signal);
  const parts = [{ priority: 0, promise: psql.exited }];
  if (reader) parts.push({ priority: 1, promise: reader });
  const applied = async () => {
    psql.stdin.write('BEGIN;\n');
    await pipeline([...stages, filter, psql.stdin], { signal, end: false });
    await reader;
    await endWith(psql.stdin, 'COMMIT;\n');
  };
  parts.push({ priority: 2, promise: applied() });
  await runTogether(parts, controller);
  return [...filter.dropped];
}

/** The SQL text of an archive: a plain file (decompressed) or pg_restore -f -, and its exit. */
function sqlSource(
  job: RestoreJob,
  archive: string,
  signal: AbortSignal,
): { stages: (Readable | Transform)[]; reader?: Promise<void> } {
  if (job.format === 'plain')
    return { stages: [createReadStream(archive), ...decompressorFor(job.objectKey)] };
  const run = startPgRestore(job.client, buildToSqlArgs(archive, job.selection), {
    env: job.env,
    signal,
    name: 'pg_restore',
  });
  return { stages: [run.stdout], reader: run.exited };
}

/** Writes the last bytes and ends the stream, resolving once they were handed over. */
function endWith(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(text, (error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** The decompression stages of a plain dump, told by its key's extension (.sql.gz, .sql.zst). */
export function decompressorFor(key: string): Transform[] {
  if (/\.sql\.gz$/.test(key)) return [createGunzip()];
  if (/\.sql\.zst$/.test(key)) return [createZstdDecompress()];
  return [];
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

/** Unpacks a directory-format backup (a tar stream) and returns the dump directory in it. */
export async function unpack(
  tarPath: string,
  workspace: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const dir = join(workspace, 'unpacked');
  await mkdir(dir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-xf', tarPath, '-C', dir], { stdio: 'ignore', env });
    tar.once('error', reject);
    tar.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new ActionError(`tar could not unpack ${tarPath} (exit code ${code}).`)),
    );
  });
  const [root] = await readdir(dir);
  if (!root) throw new ActionError(`The directory-format backup ${tarPath} is empty.`);
  return join(dir, root);
}
