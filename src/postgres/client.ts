import { execFile } from 'node:child_process';
import { access, readdir, realpath } from 'node:fs/promises';
import { arch as osArch } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import * as core from '@actions/core';
import * as tc from '@actions/tool-cache';
import { ActionError, describeError } from '../errors.js';
import { libpqEnv } from './connection.js';
import type { ClientRequest } from '../settings.js';
import { createInstaller, systemTools } from './install/factory.js';
import { detectHost } from './install/host.js';
import {
  chooseInstallMajor,
  clientProgram,
  LATEST_MAJOR,
  TOOL_NAME,
  type ClientInstaller,
  type PgClient,
} from './install/installer.js';

const run = promisify(execFile);

/** A client chosen for a run. */
export interface ChosenClient extends PgClient {
  /** Seconds this run spent installing it; absent when it was found (or given by pg-bin-dir). */
  installSeconds?: number;
}

/** What {@link installClient} needs; tests pass fakes. */
export interface InstallDeps {
  /** Makes the installer for this machine (may throw for an unsupported one). */
  installer: () => Promise<ClientInstaller>;
  /** A clock in milliseconds, to time the install. */
  now: () => number;
}

/**
 * Finds the client for a server major: `pg-bin-dir` alone when given; else the exact major, else the
 * lowest newer, among the installed clients; else installs one (and caches it).
 */
export async function findClient(
  request: ClientRequest,
  serverMajor: number,
  env: NodeJS.ProcessEnv,
  deps: Partial<InstallDeps> = {},
): Promise<ChosenClient> {
  if (request.pgBinDir) return useBinDir(request.pgBinDir, serverMajor);
  const found = await discoverClients(candidateDirs(env, cachedClientDirs(env)));
  const chosen = selectClient(found, serverMajor, request.pgVersion);
  if (chosen) return chosen;
  return installClient(request, serverMajor, found, {
    installer: deps.installer ?? (() => systemInstaller(env)),
    now: deps.now ?? Date.now,
  });
}

/** Installs the client nothing found could stand in for, timing the install. */
export async function installClient(
  request: ClientRequest,
  serverMajor: number,
  found: PgClient[],
  deps: InstallDeps,
): Promise<ChosenClient> {
  const { pgVersion } = request;
  if (pgVersion !== 'auto' && pgVersion < serverMajor)
    throw new ActionError(tooOldMessage(pgVersion, serverMajor));
  try {
    const installer = await deps.installer();
    const major = chooseInstallMajor(installer, serverMajor, pgVersion);
    if (major > LATEST_MAJOR)
      core.info(
        `PostgreSQL ${major} is newer than the newest major this release knows (${LATEST_MAJOR}): trying ${installer.method} for it.`,
      );
    const started = deps.now();
    const client = await installer.install(major);
    const installSeconds = Math.round((deps.now() - started) / 100) / 10;
    core.info(
      `Installed pg_dump ${client.version} with ${installer.method} in ${installSeconds} s: ${client.binDir}.`,
    );
    return { ...client, installSeconds };
  } catch (error) {
    throw new ActionError(
      `${noClientMessage(found, serverMajor, pgVersion)} ${describeError(error)}`,
      { cause: error },
    );
  }
}

async function systemInstaller(env: NodeJS.ProcessEnv): Promise<ClientInstaller> {
  return createInstaller(await detectHost(env), systemTools(env, probeClient));
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
  return `No pg_dump of major ${need} was found (found: ${have}), and installing one failed:`;
}

function tooOldMessage(pgVersion: number, serverMajor: number): string {
  return `pg-version ${pgVersion} is older than the server (${serverMajor}); pg_dump must be at least the server's major. Set pg-version to ${serverMajor} or newer, or to auto.`;
}

async function useBinDir(dir: string, serverMajor: number): Promise<PgClient> {
  const client = await probeClient(dir);
  if (!client) {
    const needs = serverMajor > 0 ? `the server needs pg_dump ${serverMajor} or newer. ` : '';
    throw new ActionError(
      `pg-bin-dir '${dir}' holds no working pg_dump (none there, or \`pg_dump --version\` fails): ${needs}${howToGetClient(serverMajor)}`,
    );
  }
  if (client.major < serverMajor) {
    throw new ActionError(
      `pg-bin-dir '${dir}' holds pg_dump ${client.version}, older than the server (${serverMajor}); pg_dump must be at least the server's major. ${howToGetClient(serverMajor)}`,
    );
  }
  return client;
}

/** How to get a client of `major` for pg-bin-dir, or to let the action pick one. */
export function howToGetClient(major: number): string {
  const m = major > 0 ? String(major) : 'N';
  return `Install one before this step (Debian/Ubuntu with the PGDG apt repository: apt-get install postgresql-client-${m}, then pg-bin-dir: /usr/lib/postgresql/${m}/bin; macOS: brew install postgresql@${m}, then pg-bin-dir: the bin directory under brew --prefix postgresql@${m}), or remove pg-bin-dir to let the action find or install a matching client.`;
}

/**
 * The directories that may hold a client, most specific first: the tool cache's (given), PGDG/Debian,
 * RPM, Homebrew (versioned kegs, then libpq), EDB's Windows installs, then PATH.
 */
export function candidateDirs(env: NodeJS.ProcessEnv, cached: string[] = []): string[] {
  return [
    ...cached,
    'glob:/usr/lib/postgresql/*/bin',
    'glob:/usr/pgsql-*/bin',
    'glob:/opt/homebrew/opt/postgresql@*/bin',
    'glob:/usr/local/opt/postgresql@*/bin',
    '/opt/homebrew/opt/libpq/bin',
    '/usr/local/opt/libpq/bin',
    'glob:C:\\Program Files\\PostgreSQL\\*\\bin',
    ...(env.PATH ?? '').split(delimiter).filter(Boolean),
  ];
}

/**
 * The bin directories of the clients in the tool cache (tool `postgresql`, complete entries of this
 * machine's architecture), found with @actions/tool-cache, which reads RUNNER_TOOL_CACHE itself.
 */
export function cachedClientDirs(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
  arch: string = osArch(),
): string[] {
  if (!env.RUNNER_TOOL_CACHE) return [];
  return cacheArches(platform, arch).flatMap((a) =>
    tc.findAllVersions(TOOL_NAME, a).map((v) => join(tc.find(TOOL_NAME, v, a), 'bin')),
  );
}

/** The tool-cache architectures whose clients run here: Windows on arm64 also runs (and caches) x64 ones. */
export function cacheArches(platform: NodeJS.Platform, arch: string): string[] {
  return platform === 'win32' && arch === 'arm64' ? ['arm64', 'x64'] : [arch];
}

/** Reads the version of every pg_dump in the candidate directories, once per real file. */
export async function discoverClients(candidates: string[]): Promise<PgClient[]> {
  const dirs = (await Promise.all(candidates.map(expand))).flat();
  const seen = new Set<string>();
  const clients: PgClient[] = [];
  for (const dir of dirs) {
    const real = await realpath(programPath(dir, 'pg_dump')).catch(() => undefined);
    if (!real || seen.has(real) || real.endsWith('pg_wrapper')) continue;
    seen.add(real);
    const client = await probeClient(dir);
    if (client) clients.push(client);
  }
  return clients;
}

function programPath(binDir: string, name: 'pg_dump'): string {
  return clientProgram({ binDir, version: '', major: 0 }, name);
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

/** The client in a directory, its version read from `pg_dump --version`; undefined when none runs. */
export async function probeClient(dir: string): Promise<PgClient | undefined> {
  const client = { binDir: dir, version: '', major: 0 };
  try {
    await access(clientProgram(client, 'pg_dump'));
    const { stdout } = await run(clientProgram(client, 'pg_dump'), ['--version'], {
      timeout: 15_000,
      env: libpqEnv(process.env, undefined),
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
