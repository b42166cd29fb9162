import { createReadStream } from 'node:fs';
import type { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as core from '@actions/core';
import { ActionError } from '../errors.js';
import { ROWS_MARK, userLines } from '../postgres/post-restore.js';
import type { RestoreSelection } from '../postgres/pg-restore.js';
import { GUARD_AFTER, GUARD_BEFORE, guardFailure } from '../postgres/overwrite-guard.js';
import { buildToSqlArgs, startPgRestore, startPsql } from '../postgres/pg-restore.js';
import type { RunningProcess } from '../postgres/process.js';
import { newRestrictKey, requireRestrictingPsql, restrictLine } from '../postgres/psql-restrict.js';
import { meterStage, ProgressMeter } from './progress.js';
import { decompressorFor, type RestoreJob, type RestoreOutcome } from './restore-job.js';
import { childController, runTogether } from './run-together.js';
import { adviceFor } from '../postgres/advice.js';
import { SqlFilter } from './sql-filter.js';

/** psql's report of the statement that stopped it (ON_ERROR_STOP), e.g. `psql:<stdin>:116: ERROR:  …`. */
const PSQL_ERROR = /^psql:<stdin>:(\d+): (ERROR:.*)$/;
/** psql's refusal of a meta-command after `\restrict` (a planted backup that got past the filter). */
const PSQL_RESTRICTED =
  /^psql:<stdin>:(\d+): error: (backslash commands are restricted.*|\\unrestrict: wrong key.*)$/;

/**
 * archive → (pg_restore -f - | decompress) → SQL filter → psql, in one transaction: BEGIN first,
 * COMMIT only after the whole input was applied and its reader exited cleanly. An input that ends
 * early (a failure, a signal, a killed action) leaves psql at EOF without COMMIT: rolled back.
 * With `clean`, the overwrite guard brackets the input inside that transaction. psql is restricted
 * (`\restrict` with a key of this run) before it reads a byte of the backup, and the filter refuses
 * meta-commands too: nothing a backup holds runs as a psql command on this machine.
 */
export async function sqlRestore(job: RestoreJob, archive: string): Promise<RestoreOutcome> {
  await requireRestrictingPsql(job.client, job.env);
  const controller = childController(job.signal);
  const { signal } = controller;
  const { psql, failure } = startSession(job, signal);
  const prelude = `${restrictLine(newRestrictKey())}BEGIN;\n${job.selection.clean ? GUARD_BEFORE : ''}${job.selection.preludeSql ?? ''}`;
  const epilogue = epilogueOf(job.selection);
  const filter = filterFor(job, prelude.split('\n').length - 1);
  const { stages, reader } = sqlSource(job, archive, signal);
  const parts = [{ priority: 0, promise: psql.exited }];
  if (reader) parts.push({ priority: 1, promise: reader });
  const applied = async () => {
    psql.stdin.write(prelude);
    const meter = new ProgressMeter({ label: 'Restoring', verb: 'of SQL applied', log: core.info });
    await pipeline([...stages, meterStage(meter), filter, psql.stdin], { signal, end: false });
    await reader;
    await endWith(psql.stdin, epilogue.text);
  };
  parts.push({ priority: 2, promise: applied() });
  try {
    await runTogether(parts, controller);
  } catch (error) {
    const failed = failure();
    if (!failed) throw error;
    const own = ownFailure(job.selection, failed, filter.lines, error);
    throw own ?? explainFailure(job, failed, filter.objectAt(failed.line), error);
  }
  const plain = job.format === 'plain';
  return { settings: [...filter.dropped], skipped: plain ? { ...filter.counts } : undefined };
}

/** psql on the target, and the first failure it reported on stderr (statement or meta-command). */
function startSession(
  job: RestoreJob,
  signal: AbortSignal,
): { psql: RunningProcess; failure: () => PsqlFailure | undefined } {
  let failed: PsqlFailure | undefined;
  let done = false;
  const psql = startPsql(job.client, job.target, {
    env: job.env,
    signal,
    stdout: false,
    onStderrLine: (line) => {
      const m = PSQL_ERROR.exec(line) ?? PSQL_RESTRICTED.exec(line);
      if (m && !failed) failed = { line: Number(m[1]), message: m[2] ?? '' };
      // The server's DETAIL and HINT follow its ERROR line: keep them, they often say what to do.
      else if (failed && !done && /^(DETAIL|HINT):/.test(line)) failed.message += ` ${line}`;
      else if (failed) done = true;
    },
  });
  return { psql, failure: () => failed };
}

/**
 * What runs after the archive, before COMMIT: the row check (counts taken with the data in), the
 * privilege reset, the overwrite guard's check, then the user's post-restore-sql, last.
 */
function epilogueOf(s: RestoreSelection): { text: string; userStart: number } {
  const ours = `${s.rowCheck ?? ''}${s.privilegeReset ?? ''}${s.clean ? GUARD_AFTER : ''}`;
  return {
    text: `${ours}${s.postRestoreSql ?? ''}COMMIT;\n`,
    userStart: ours.split('\n').length,
  };
}

/** A failure of the epilogue's own SQL: the row check or post-restore-sql; undefined otherwise. */
function ownFailure(
  s: RestoreSelection,
  failed: { line: number; message: string },
  archiveLines: number,
  cause: unknown,
): ActionError | undefined {
  const message = failed.message.replace(/\s+/g, ' ');
  if (message.includes(`${ROWS_MARK}: `))
    return new ActionError(
      `Row counts differ from the manifest (counted before post-restore-sql, in the restore's transaction): ${message.replace(/^ERROR: +\S+ /, '')}.`,
      { cause },
    );
  let line = failed.line - archiveLines - epilogueOf(s).userStart + 1;
  if (!s.postRestoreSql || line < 1) return undefined;
  line = Math.min(line, userLines(s.postRestoreSql));
  return new ActionError(
    `post-restore-sql failed at the statement ending on its line ${line}: ${message}.`,
    { cause },
  );
}

/** The filter of a restore's SQL; `lineOffset`: the lines psql read before it. */
function filterFor(job: RestoreJob, lineOffset: number): SqlFilter {
  const plain = job.format === 'plain';
  return new SqlFilter(
    {
      knownSettings: job.knownSettings,
      dropOwners: plain && job.selection.noOwner,
      dropPrivileges: plain && job.selection.noPrivileges,
      cascadeClean: job.selection.clean,
      dropTransactionControl: true,
      lockTimeout: job.lockTimeout,
      refuseMetaCommands: true,
    },
    lineOffset,
  );
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

/** A line psql stopped at, and what it said. */
export interface PsqlFailure {
  line: number;
  message: string;
}

/**
 * The statement psql stopped at, told with the object it belongs to; when the target server is
 * older than the backup's source, what to do about it.
 */
export function explainFailure(
  job: Pick<RestoreJob, 'versions' | 'target'>,
  failed: PsqlFailure,
  object: string | undefined,
  cause: unknown,
): ActionError {
  const guard = guardFailure(failed.message, job.target.database);
  if (guard) return guard;
  if (!failed.message.startsWith('ERROR:')) return metaCommandRefused(failed, object, cause);
  const { server, dump, source } = job.versions;
  const where = object ? `object: ${object} (line ${failed.line})` : `line ${failed.line}`;
  const sourceMajor = Number(source.split('.')[0]);
  const dumpMajor = Number(dump.split('.')[0]);
  const versions = `The backup was written by pg_dump ${dump} from PostgreSQL ${source}, and the target is PostgreSQL ${server.version}`;
  let advice = '';
  if (server.major < sourceMajor)
    advice = ` ${versions}: restore into a server at least as new as the source (PostgreSQL ${sourceMajor} or newer). A backup with pg-version: ${server.major} is possible only from a source server of PostgreSQL ${server.major} or older (pg_dump cannot dump a newer server).`;
  else if (server.major < dumpMajor)
    advice = ` ${versions}: take the backup with pg-version: ${server.major} (pg_dump of the target's major) when the schema allows, or restore into a server at least as new as PostgreSQL ${dumpMajor}.`;
  return new ActionError(
    `PostgreSQL ${server.version} rejected the backup's SQL at its first failing ${where}: ${failed.message.replace(/\s+/g, ' ')}.${advice}${adviceFor(failed.message)}`,
    { cause },
  );
}

/** psql, restricted, refused a meta-command in the backup's SQL (one the filter could not see). */
function metaCommandRefused(
  failed: PsqlFailure,
  object: string | undefined,
  cause: unknown,
): ActionError {
  const where = object ? `object: ${object} (line ${failed.line})` : `line ${failed.line}`;
  return new ActionError(
    `The backup's SQL holds a psql meta-command at its ${where}; the restricted psql refused it (${failed.message}). pg_dump writes none there: the backup was altered by someone who can write to its storage. Restore an earlier backup you trust, and check who can write to the storage.`,
    { cause },
  );
}
