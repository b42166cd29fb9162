import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';

/** A parsed `postgresql://` URL. The password never leaves this object except into a PGPASSFILE. */
export interface Connection {
  /** Host name, IP address or socket directory; '' lets libpq choose. */
  host: string;
  /** TCP port. */
  port: number;
  /** Database name. */
  database: string;
  /** User name; '' lets libpq choose. */
  user: string;
  /** The password: the URL's, else the one libpq would take (PGPASSWORD, password file). */
  password?: string;
  /** Other libpq parameters from the query string (sslmode, sslrootcert, options, ...). */
  params: Record<string, string>;
}

const SCHEMES = new Set(['postgres:', 'postgresql:']);

/** Parses a libpq connection URL; never echoes it, as it may hold a password. */
export function parseDatabaseUrl(input: string, value: string): Connection {
  rejectUnencodedUserinfo(input, value);
  const url = parseUrl(input, withHostPlaceholder(value));
  const params = Object.fromEntries(url.searchParams.entries());
  const hostname = url.hostname === NO_HOST ? '' : url.hostname;
  const host = params.host ?? decode(input, hostname.replace(/^\[(.*)\]$/, '$1'));
  delete params.host;
  const database = decode(input, url.pathname.replace(/^\//, '')) || params.dbname || '';
  delete params.dbname;
  const user = decode(input, url.username) || params.user || '';
  delete params.user;
  const password = url.password ? decode(input, url.password) : params.password;
  delete params.password;
  if (!database) {
    throw new InputError(input, 'the URL names no database: end it with /DATABASE_NAME.');
  }
  return {
    host,
    port: parsePort(input, url.port || params.port),
    database,
    user,
    password,
    params: withoutPort(params),
  };
}

// libpq accepts an empty host (`postgresql://u:pw@/db?host=/socket/dir`, or `@:5433/db`): the
// socket directory comes from ?host= or libpq's default. WHATWG URLs refuse credentials or a port
// without a host, so one is put in for parsing and read back as ''.
const NO_HOST = 'no-host.invalid';

function withHostPlaceholder(value: string): string {
  const m = /^(\s*[a-z]+:\/\/)([^/?#]*)(.*)$/is.exec(value);
  if (!m) return value;
  const [, scheme = '', authority = '', rest = ''] = m;
  const at = authority.lastIndexOf('@');
  const hostPort = authority.slice(at + 1);
  if (hostPort !== '' && !hostPort.startsWith(':')) return value;
  if (at < 0 && hostPort === '') return value;
  return `${scheme}${authority.slice(0, at + 1)}${NO_HOST}${hostPort}${rest}`;
}

/**
 * The credentials of a URL as written: what stands between `//` and the last `@` (the password
 * may hold any character there when it is not percent-encoded); '' when there is no `@`.
 */
export function rawUserinfo(value: string): string {
  const start = value.indexOf('//');
  const at = value.lastIndexOf('@');
  return start >= 0 && at > start ? value.slice(start + 2, at) : '';
}

// A `/`, `?` or `#` in the password ends the authority for a URL parser: the rest of the
// password would be read as the path, query or fragment, and the host lost.
function rejectUnencodedUserinfo(input: string, value: string): void {
  if (!/[/?#]/.test(rawUserinfo(value))) return;
  throw new InputError(
    input,
    'the user or password holds a / ? or # that must be percent-encoded (/ as %2F, ? as %3F, # as %23; also @ as %40 and % as %25).',
  );
}

function parseUrl(input: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InputError(input, `it is not a valid URL. ${usage()}`);
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new InputError(input, `expected a postgresql:// URL, not ${url.protocol}//. ${usage()}`);
  }
  if (!/^[a-z]+:\/\//i.test(value.trim()))
    throw new InputError(
      input,
      `the URL must start with ${url.protocol}// (two slashes). ${usage()}`,
    );
  return url;
}

function usage(): string {
  return (
    'Use postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require, ' +
    'with @ : / # % ? and spaces in the password percent-encoded (e.g. @ as %40).'
  );
}

function decode(input: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InputError(input, `a part of the URL has a bad percent-escape. ${usage()}`);
  }
}

function parsePort(input: string, port: string | undefined): number {
  if (port === undefined || port === '') return 5432;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    // Safe to echo: an unencoded / ? # in the password is refused first, so no piece of the
    // password can be read as the port.
    throw new InputError(input, `port '${port}' is not a number from 1 to 65535.`);
  }
  return n;
}

function withoutPort(params: Record<string, string>): Record<string, string> {
  const rest = { ...params };
  delete rest.port;
  return rest;
}

/** A libpq keyword/value string for --dbname: everything but the password. */
export function toConninfo(conn: Connection, database = conn.database): string {
  const pairs: [string, string][] = [
    ['host', conn.host],
    ['port', String(conn.port)],
    ['dbname', database],
    ['user', conn.user],
    // The password was read from a `passfile` in the URL already; the clients read ours.
    ...Object.entries(conn.params).filter(([key]) => key !== 'passfile'),
  ];
  return pairs
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${quoteConninfoValue(v)}`)
    .join(' ');
}

function quoteConninfoValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Writes a 0600 PGPASSFILE for the connection's password and returns its path (undefined without one). */
export async function writePgpass(dir: string, conn: Connection): Promise<string | undefined> {
  if (conn.password === undefined) return undefined;
  const path = join(dir, 'pgpass');
  const escaped = conn.password.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  await writeFile(path, `*:*:*:*:${escaped}\n`, { mode: 0o600 });
  return path;
}

/**
 * The environment for client programs: what they need of ours, our PGPASSFILE (never a
 * PGPASSWORD) and, with `workspace`, TMPDIR in the run's workspace: the mark by which the post
 * step finds a child that outlived a killed main step.
 */
export function libpqEnv(
  base: NodeJS.ProcessEnv,
  pgpass: string | undefined,
  workspace?: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) if (passesToChild(name)) env[name] = value;
  if (pgpass) env.PGPASSFILE = pgpass;
  if (workspace) env.TMPDIR = workspace;
  env.PGAPPNAME = 'postgres-backup-action';
  return env;
}

// What a client program may see of the action's environment: how to run (PATH, locale, temp,
// libraries) and libpq's own settings. Never INPUT_* values, AWS or GitHub credentials, tokens.
const CHILD_ENV = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'TEMP',
  'TMP',
  'TZ',
  'LANG',
]);
const CHILD_ENV_PREFIXES = ['LC_', 'LD_LIBRARY_PATH', 'DYLD_', 'SYSTEMROOT', 'WINDIR', 'COMSPEC'];
const LIBPQ_SECRETS = new Set(['PGPASSWORD', 'PGPASSFILE']);

function passesToChild(name: string): boolean {
  const upper = name.toUpperCase();
  if (CHILD_ENV.has(upper) || CHILD_ENV_PREFIXES.some((p) => upper.startsWith(p))) return true;
  return upper.startsWith('PG') && !LIBPQ_SECRETS.has(upper);
}
