import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  cacheArches,
  cachedClientDirs,
  candidateDirs,
  parseClientVersion,
  selectClient,
} from '../../../src/postgres/client.js';
import { type PgClient } from '../../../src/postgres/install/installer.js';

function client(version: string, binDir = `/pg/${version}/bin`): PgClient {
  return { binDir, version, major: Number(version.split('.')[0]) };
}

const C13 = client('13.22');
const C15 = client('15.14');
const C16 = client('16.10');
const C17 = client('17.6');
const C18 = client('18.1');

describe('selectClient', () => {
  it.each([
    ['exact major', [C15, C16, C17, C18], 16, 'auto', C16],
    ['exact major among unordered', [C18, C13, C16, C15], 15, 'auto', C15],
    ['lowest newer when the exact one is missing', [C13, C16, C18, C17], 15, 'auto', C16],
    ['lowest newer regardless of order', [C18, C17], 14, 'auto', C17],
    ['only newer', [C18], 13, 'auto', C18],
    ['none newer or equal', [C13, C15], 16, 'auto', undefined],
    ['nothing found', [], 17, 'auto', undefined],
    ['requested pg-version newer than the server', [C15, C16, C17, C18], 15, 17, C17],
    ['requested pg-version equal to the server', [C16, C17], 16, 16, C16],
    ['requested pg-version missing: no fallback', [C16, C18], 16, 17, undefined],
    ['requested pg-version older than the server', [C13, C15, C16], 16, 15, undefined],
    ['requested pg-version older, even when present', [C15], 17, 15, undefined],
  ] as [string, PgClient[], number, number | 'auto', PgClient | undefined][])(
    '%s',
    (_why, found, serverMajor, pgVersion, expected) => {
      expect(selectClient(found, serverMajor, pgVersion)).toEqual(expected);
    },
  );

  it('prefers the newest minor of the chosen major', () => {
    const older = client('17.2', '/a/bin');
    const newer = client('17.10', '/b/bin');
    expect(selectClient([older, newer], 17, 'auto')).toBe(newer);
    expect(selectClient([newer, older], 17, 17)).toBe(newer);
  });

  it('prefers the newest minor of the lowest newer major', () => {
    const a = client('18.0', '/a/bin');
    const b = client('18.3', '/b/bin');
    expect(selectClient([a, client('19.1'), b], 17, 'auto')).toBe(b);
  });

  it('does not reorder the caller’s list', () => {
    const found = [C18, C13, C16];
    selectClient(found, 16, 'auto');
    expect(found).toEqual([C18, C13, C16]);
  });
});

describe('parseClientVersion', () => {
  it.each([
    ['pg_dump (PostgreSQL) 18.1 (Debian 18.1-1.pgdg120+1)\n', '18.1'],
    ['pg_dump (PostgreSQL) 18.1\n', '18.1'],
    ['pg_dump (PostgreSQL) 16beta2\n', '16.0'],
    ['pg_dump (PostgreSQL) 17rc1', '17.0'],
    ['pg_dump (PostgreSQL) 15.18', '15.18'],
    ['pg_dump (PostgreSQL) 15.18 (Ubuntu 15.18-1.pgdg22.04+1)', '15.18'],
    ['pg_dump (PostgreSQL) 9.6.24', '9.6'],
    ['pg_dump.exe (PostgreSQL) 17.2', '17.2'],
    ['pg_dump (PostgreSQL)   13.22', '13.22'],
  ])('reads %j as %s', (text, expected) => {
    expect(parseClientVersion(text)).toBe(expected);
  });

  it.each([
    '',
    '15.18',
    'pg_dump 18.1',
    'pg_dump (PostgreSQL)',
    'bash: pg_dump: command not found',
  ])('returns undefined for %j', (text) => {
    expect(parseClientVersion(text)).toBeUndefined();
  });
});

describe('candidateDirs', () => {
  const SYSTEM = [
    'glob:/usr/lib/postgresql/*/bin',
    'glob:/usr/pgsql-*/bin',
    'glob:/opt/homebrew/opt/postgresql@*/bin',
    'glob:/usr/local/opt/postgresql@*/bin',
    '/opt/homebrew/opt/libpq/bin',
    '/usr/local/opt/libpq/bin',
    'glob:C:\\Program Files\\PostgreSQL\\*\\bin',
  ];

  it('puts the tool cache’s clients first', () => {
    const cached = ['/opt/hostedtoolcache/postgresql/18.1.0/x64/bin'];
    expect(candidateDirs({ PATH: '' }, cached)).toEqual([...cached, ...SYSTEM]);
  });

  it('searches the PGDG, RPM, Homebrew and Windows locations, then PATH in order', () => {
    const dirs = candidateDirs({ PATH: ['/usr/local/bin', '', '/usr/bin'].join(':') });
    expect(dirs).toEqual([...SYSTEM, '/usr/local/bin', '/usr/bin']);
  });

  it('works without PATH', () => {
    expect(candidateDirs({})).toEqual(SYSTEM);
  });
});

describe('cachedClientDirs', () => {
  const saved = process.env.RUNNER_TOOL_CACHE;
  let cache = '';

  beforeEach(async () => {
    cache = await mkdtemp(join(tmpdir(), 'tool-cache-'));
    process.env.RUNNER_TOOL_CACHE = cache;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.RUNNER_TOOL_CACHE;
    else process.env.RUNNER_TOOL_CACHE = saved;
    await rm(cache, { recursive: true, force: true });
  });

  async function entry(version: string, arch: string, complete = true): Promise<string> {
    const dir = join(cache, 'postgresql', version, arch);
    await mkdir(join(dir, 'bin'), { recursive: true });
    if (complete) await writeFile(`${dir}.complete`, '');
    return join(dir, 'bin');
  }

  it('lists the complete entries of this architecture, as @actions/tool-cache finds them', async () => {
    const a = await entry('17.6.0', 'x64');
    const b = await entry('18.1.0', 'x64');
    await entry('16.4.0', 'x64', false); // half-copied: no .complete marker
    await entry('15.2.0', 'arm64');
    await mkdir(join(cache, 'postgresql', 'not-a-version', 'x64', 'bin'), { recursive: true });
    const env = { RUNNER_TOOL_CACHE: cache };
    expect(cachedClientDirs(env, 'linux', 'x64').sort()).toEqual([a, b].sort());
  });

  it('also lists x64 clients on Windows arm64, which runs them emulated', async () => {
    const x64 = await entry('18.1.0', 'x64');
    const arm = await entry('17.6.0', 'arm64');
    const env = { RUNNER_TOOL_CACHE: cache };
    expect(cachedClientDirs(env, 'win32', 'arm64')).toEqual([arm, x64]);
    expect(cacheArches('win32', 'arm64')).toEqual(['arm64', 'x64']);
    expect(cacheArches('darwin', 'arm64')).toEqual(['arm64']);
  });

  it('is empty without RUNNER_TOOL_CACHE', () => {
    expect(cachedClientDirs({}, 'linux', 'x64')).toEqual([]);
  });
});
