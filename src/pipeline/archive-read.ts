import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ActionError } from '../errors.js';
import type { PgClient } from '../postgres/install/installer.js';
import type { DumpFormat } from '../settings.js';
import { checkedTables, startArchiveCheck, type ArchiveCheck } from './archive-check.js';
import { decompressorFor, unpack } from './restore.js';
import type { TableRows } from './row-count.js';

/** A verified, decrypted local copy of a data object to read back. */
export interface LocalArchive {
  /** pg_restore for custom, tar and directory formats; plain SQL is counted in-process. */
  client?: PgClient;
  format: DumpFormat;
  /** The local file (a directory-format backup is a tar stream of the dump directory). */
  path: string;
  /** The object key without `.age` (its extension tells plain compression). */
  objectKey: string;
  env: NodeJS.ProcessEnv;
  workspace: string;
  signal?: AbortSignal;
}

/**
 * Reads the whole archive as `pg_restore -f /dev/null` would (a truncated or damaged archive
 * fails) and counts the rows of every table's data entry.
 */
export async function readWholeArchive(a: LocalArchive): Promise<TableRows[]> {
  const signal = a.signal ?? new AbortController().signal;
  try {
    if (a.format === 'plain') return await readPlain(a, signal);
    if (!a.client) throw new Error(`reading a ${a.format}-format archive needs pg_restore`);
    const archive = a.format === 'directory' ? await unpack(a.path, a.workspace, a.env) : a.path;
    const check = startArchiveCheck({ ...a, client: a.client, archive, signal });
    await check.done;
    return checkedTables(check);
  } catch (error) {
    // archive-check words its errors for a backup in progress; here the backup is already stored.
    const why = (error as Error).message.replace(/ The backup was not stored\.$/, '');
    throw new ActionError(`${why} The stored backup is damaged or incomplete.`, { cause: error });
  }
}

async function readPlain(a: LocalArchive, signal: AbortSignal): Promise<TableRows[]> {
  // Plain SQL is counted as it is: startArchiveCheck never starts a program for it.
  const check: ArchiveCheck = startArchiveCheck({ ...a, client: a.client as PgClient, signal });
  const input = check.input;
  if (!input) throw new Error('the plain-format check has no input');
  const source = [createReadStream(a.path), ...decompressorFor(a.objectKey)] as const;
  await Promise.all([pipeline([...source, input], { signal }), check.done]);
  return checkedTables(check);
}
