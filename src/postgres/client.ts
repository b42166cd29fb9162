import { execFile } from 'node:child_process';
import { access, readdir, realpath } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { ActionError } from '../errors.js';
import type { ClientRequest } from '../settings.js';

const run = promisify(execFile);

/** A PostgreSQL client installation: the directory holding pg_dump, pg_restore and psql. */
export interface PgClient {
  /** Directory of the binaries. */
  binDir: string;
  /** Version as printed by `pg_dump --version`, e.g. `18.1`. */
  version: string;
  /** Major version. */
  major: number;
}

/** Path of one client program. */
export function clientProgram(client: PgClient, name: 'pg_dump' | 'pg_restore' | 'psql'): string {
  return join(client.binDir, process.platform === 'win32' ? `${name}.exe` : name);
}

/** Finds the client for a server major: `pg-bin-dir` alone when given, else exact major, else the lowest newer. */
export async function findClient(
  request: ClientRequest,
  serverMajor: number,
  env: NodeJS.ProcessEnv,
): Promise<PgClient> {
  if (request.pgBinDir) return useBinDir(request.pgBinDir, serverMajor);
  const found = await discoverClients(candidateDirs(env));
  const chosen = selectClient(found, serverMajor, request.pgVersion);
  if (chosen) return chosen;
  throw new ActionError(noClientMessage(found, serverMajor, request.pgVersion));
}

/** Picks the requested major, else the server's, else the lowest newer one. */
export function selectClient(
  found: PgClient[],
  serverMajor: number,
  pgVersion: number | 'auto',
): PgClient | undefined {
  const wanted = pgVersion === 'auto' ? serverMajor : pgVersion;
  if (wanted < serverMajor) return undefined;
  const newestFirst = [...found].sort((a, b) => compareVersions(b.version, a.version));
  const exact = newestFirst.find((c) => c.major === wanted);
  if (exact || pgVersion !== 'auto') return exact;
  const newer = newestFirst.filter((c) => c.major > serverMajor);
  return newer.sort((a, b) => a.major - b.major)[0];
}

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

function noClientMessage(
  found: PgClient[],
  serverMajor: number,
  pgVersion: number | 'auto',
): string {
  const have = found.length ? found.map((c) => `${c.version} (${c.binDir})`).join(', ') : 'none';
  const need = pgVersion === 'auto' ? `${serverMajor} or newer` : `${pgVersion}`;
  const tooOld = pgVersion !== 'auto' && pgVersion < serverMajor;
  const why = tooOld
    ? `pg-version ${pgVersion} is older than the server (${serverMajor}); pg_dump must be at least the server's major. `
    : '';
  return (
    `${why}No pg_dump of major ${need} was found (found: ${have}). Install postgresql-client-${Math.max(serverMajor, pgVersion === 'auto' ? 0 : pgVersion)} ` +
    '(e.g. from the PGDG apt repository) before this step, or set pg-bin-dir to its bin directory; ' +
    'automatic client installation is not available yet.'
  );
}

async function useBinDir(dir: string, serverMajor: number): Promise<PgClient> {
  const client = await probe(dir);
  if (!client) {
    throw new ActionError(
      `pg-bin-dir '${dir}' holds no working pg_dump: point it at a PostgreSQL client bin directory.`,
    );
  }
  if (client.major < serverMajor) {
    throw new ActionError(
      `pg-bin-dir '${dir}' holds pg_dump ${client.version}, older than the server (${serverMajor}); pg_dump must be at least the server's major.`,
    );
  }
  return client;
}

/** The directories that may hold a client, most specific first. */
export function candidateDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.RUNNER_TOOL_CACHE) dirs.push(`glob:${join(env.RUNNER_TOOL_CACHE, 'postgresql')}/*/*/bin`);
  dirs.push('glob:/usr/lib/postgresql/*/bin', 'glob:/usr/pgsql-*/bin');
  dirs.push('glob:/opt/homebrew/opt/postgresql@*/bin', 'glob:/usr/local/opt/postgresql@*/bin');
  dirs.push('glob:C:\\Program Files\\PostgreSQL\\*\\bin');
  dirs.push(...(env.PATH ?? '').split(delimiter).filter(Boolean));
  return dirs;
}

/** Reads the version of every pg_dump in the candidate directories, once per real file. */
export async function discoverClients(candidates: string[]): Promise<PgClient[]> {
  const dirs = (await Promise.all(candidates.map(expand))).flat();
  const seen = new Set<string>();
  const clients: PgClient[] = [];
  for (const dir of dirs) {
    const real = await realpath(join(dir, 'pg_dump')).catch(() => undefined);
    if (!real || seen.has(real) || real.endsWith('pg_wrapper')) continue;
    seen.add(real);
    const client = await probe(dir);
    if (client) clients.push(client);
  }
  return clients;
}

async function expand(candidate: string): Promise<string[]> {
  if (!candidate.startsWith('glob:')) return [candidate];
  const pattern = candidate.slice(5);
  const parts = pattern.split(/[/\\]/);
  const sep = pattern.includes('\\') ? '\\' : '/';
  return expandParts(parts[0] === '' ? sep : (parts[0] ?? ''), parts.slice(1), sep);
}

async function expandParts(base: string, rest: string[], sep: string): Promise<string[]> {
  if (rest.length === 0) return [base];
  const [head = '', ...tail] = rest;
  const join2 = (name: string) => (base.endsWith(sep) ? base + name : base + sep + name);
  if (!head.includes('*')) return expandParts(join2(head), tail, sep);
  const re = new RegExp(`^${head.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const names = await readdir(base).catch(() => [] as string[]);
  const nested = await Promise.all(
    names.filter((n) => re.test(n)).map((n) => expandParts(join2(n), tail, sep)),
  );
  return nested.flat();
}

async function probe(dir: string): Promise<PgClient | undefined> {
  const client = { binDir: dir, version: '', major: 0 };
  try {
    await access(clientProgram(client, 'pg_dump'));
    const { stdout } = await run(clientProgram(client, 'pg_dump'), ['--version'], {
      timeout: 15_000,
    });
    const version = parseClientVersion(stdout);
    return version ? { ...client, version, major: Number(version.split('.')[0]) } : undefined;
  } catch {
    return undefined;
  }
}

/** Extracts `18.1` from `pg_dump (PostgreSQL) 18.1 (Debian 18.1-1)`; also handles `16beta2`. */
export function parseClientVersion(text: string): string | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return `${m[1]}.${m[2] ?? '0'}`;
}
