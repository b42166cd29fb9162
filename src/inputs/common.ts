import { isAbsolute, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { checkLabel, labelFromDatabase } from '../catalog/naming.js';
import * as core from '@actions/core';
import { parseDatabaseUrl, type Connection } from '../postgres/connection.js';
import { libpqPassword } from '../postgres/pgpass.js';
import type { ClientRequest, Command, StorageLocation } from '../settings.js';
import { INPUTS, oneOf, type Mask, type Read } from './read.js';

const COMMANDS: readonly Command[] = ['backup', 'restore', 'verify', 'prune', 'check'];

/** The `command` input. */
export function readCommand(read: Read): Command {
  return oneOf(INPUTS.command, read(INPUTS.command), COMMANDS);
}

/**
 * A connection URL input, masked (whole and its password) before it is parsed; undefined when
 * unset. A URL without a password takes it as libpq does (PGPASSWORD, PGPASSFILE, ~/.pgpass).
 */
export function readDatabaseUrl(
  read: Read,
  mask: Mask,
  input: string,
  env: NodeJS.ProcessEnv = process.env,
): Connection | undefined {
  const raw = read(input);
  if (!raw) return undefined;
  mask(raw);
  const connection = parseDatabaseUrl(input, raw);
  connection.password ||= libpqPassword(connection, { env, warn: (m) => core.warning(m) });
  if (connection.password) mask(connection.password);
  return connection;
}

/** The `storage` input: one location per line. */
export function readStorage(read: Read, cwd: string): StorageLocation[] {
  const lines = read(INPUTS.storage)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0)
    throw new InputError(
      INPUTS.storage,
      'is empty: give a directory, s3://bucket/prefix/ or artifact://.',
    );
  return lines.map((line) => parseStorageLine(line, cwd));
}

/** One storage URI: `s3://bucket/prefix/`, `artifact://NAME`, `file:///abs/path` or a path. */
export function parseStorageLine(line: string, cwd: string): StorageLocation {
  if (line.startsWith('s3://')) {
    const [bucket = '', ...rest] = line.slice(5).split('/');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new InputError(
        INPUTS.storage,
        `'${line}' has no valid bucket name: use s3://BUCKET/optional/prefix/.`,
      );
    }
    const prefix = rest.join('/');
    return { kind: 's3', bucket, prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix };
  }
  if (line.startsWith('artifact://'))
    return { kind: 'artifact', name: line.slice(11).replace(/\/+$/, '') };
  if (line.startsWith('file://')) {
    const path = decodeFileUrl(line);
    if (!isAbsolute(path))
      throw new InputError(INPUTS.storage, `'${line}' must be file:///absolute/path.`);
    return { kind: 'local', directory: resolve(path) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(line)) {
    throw new InputError(
      INPUTS.storage,
      `'${line}' is not a supported location: use a directory, s3://bucket/prefix/ or artifact://.`,
    );
  }
  return { kind: 'local', directory: resolve(cwd, line) };
}

function decodeFileUrl(line: string): string {
  try {
    return decodeURIComponent(line.slice(7));
  } catch {
    throw new InputError(
      INPUTS.storage,
      `'${line}' has a bad percent-escape: write % as %25, or give a plain path.`,
    );
  }
}

/** The `pg-version` and `pg-bin-dir` inputs. */
export function readClientRequest(read: Read): ClientRequest {
  const raw = read(INPUTS.pgVersion);
  const pgBinDir = read(INPUTS.pgBinDir) || undefined;
  if (raw === 'auto') return { pgVersion: 'auto', pgBinDir };
  const major = Number(raw);
  if (!/^\d+$/.test(raw) || major < 10 || major > 99) {
    throw new InputError(
      INPUTS.pgVersion,
      `'${raw}' is not a PostgreSQL major version: use auto or a major such as 17.`,
    );
  }
  return { pgVersion: major, pgBinDir };
}

/** The `jobs` input: a whole number from 1 to 64, or undefined when unset. */
export function readJobCount(read: Read): number | undefined {
  const raw = read(INPUTS.jobs);
  if (!raw) return undefined;
  const jobs = Number(raw);
  if (!/^\d+$/.test(raw) || jobs < 1 || jobs > 64)
    throw new InputError(INPUTS.jobs, `'${raw}' is not a whole number from 1 to 64.`);
  return jobs;
}

/** `label` when given, else the label derived from the database name of `database-url`, else undefined. */
export function readLabel(read: Read, mask: Mask): string | undefined {
  if (read(INPUTS.label)) return checkLabel(INPUTS.label, read(INPUTS.label));
  const source = readDatabaseUrl(read, mask, INPUTS.databaseUrl);
  return source ? labelFromDatabase(source.database) : undefined;
}

/**
 * The `webhook-url` input: masked as soon as it is read (a webhook URL is its own credential),
 * http(s) only; undefined when unset. Errors never echo the value.
 */
export function readWebhookUrl(read: Read, mask: Mask): string | undefined {
  const raw = read(INPUTS.webhookUrl);
  if (!raw) return undefined;
  mask(raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(
      INPUTS.webhookUrl,
      'is not a URL (the value is a secret and not shown): give the https:// address of an incoming webhook.',
    );
  }
  if (url.password) mask(url.password);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new InputError(
      INPUTS.webhookUrl,
      'is not an http(s) URL (the value is a secret and not shown): give the https:// address of an incoming webhook.',
    );
  return raw;
}
