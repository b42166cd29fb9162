import { readFileSync, statSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Connection } from './connection.js';

/** What {@link libpqPassword} reads: the environment, files, and where libpq's warnings go. */
export interface PasswordSources {
  env: NodeJS.ProcessEnv;
  /** A file's text, or undefined when it cannot be used (absent, not a plain file, too open). */
  readPassfile?: (path: string, warn: (message: string) => void) => string | undefined;
  warn?: (message: string) => void;
}

/**
 * The password of a connection whose URL has none, found as libpq finds it: PGPASSWORD, else the
 * first matching line of the password file (`passfile` in the URL, else PGPASSFILE, else
 * ~/.pgpass). Undefined when there is none.
 */
export function libpqPassword(conn: Connection, sources: PasswordSources): string | undefined {
  const { env, readPassfile = readPasswordFile, warn = () => undefined } = sources;
  if (env.PGPASSWORD) return env.PGPASSWORD;
  const text = readPassfile(passfilePath(conn, env), warn);
  return text === undefined ? undefined : matchPasswordLine(text, passKey(conn, env));
}

/** The password file libpq reads for a connection. */
export function passfilePath(conn: Connection, env: NodeJS.ProcessEnv): string {
  return conn.params.passfile || env.PGPASSFILE || join(env.HOME || homedir(), '.pgpass');
}

/** host, port, database and user as libpq matches them against a password file's lines. */
export function passKey(conn: Connection, env: NodeJS.ProcessEnv): string[] {
  const host = conn.host || env.PGHOST || '';
  // libpq matches an empty host and its default socket directory as `localhost`.
  const local = ['', '/tmp', '/var/run/postgresql', '/run/postgresql'].includes(host);
  const user = conn.user || env.PGUSER || userInfo().username;
  return [local ? 'localhost' : host, String(conn.port), conn.database, user];
}

/**
 * The password of the first line of a password file that matches `key` (host, port, database,
 * user): `*` matches anything, `\` escapes `:` and `\`, `#` starts a comment line.
 */
export function matchPasswordLine(text: string, key: string[]): string | undefined {
  for (const line of text.split('\n')) {
    const trimmed = line.replace(/\r$/, '');
    if (!trimmed || trimmed.startsWith('#')) continue;
    const fields = splitFields(trimmed);
    if (fields.length < 5) continue;
    if (key.every((value, i) => fields[i] === '*' || unescape(fields[i] ?? '') === value))
      return unescape(fields[4] ?? '');
  }
  return undefined;
}

/** A line's fields as written, split at every `:` that no `\` escapes. */
function splitFields(line: string): string[] {
  const fields = [''];
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i] ?? '';
    if (c === ':') fields.push('');
    else fields[fields.length - 1] += c === '\\' ? c + (line[(i += 1)] ?? '') : c;
  }
  return fields;
}

function unescape(field: string): string {
  return field.replace(/\\(.)/g, '$1');
}

/** Reads a password file as libpq does: only a plain file that neither group nor others can read. */
export function readPasswordFile(
  path: string,
  warn: (message: string) => void,
): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (!stat.isFile()) {
    warn(`The password file ${path} is not a plain file: it was not read.`);
    return undefined;
  }
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    warn(
      `The password file ${path} can be read by group or others: it was not read, as libpq would not (chmod 0600 ${path}).`,
    );
    return undefined;
  }
  return readFileSync(path, 'utf8');
}
