// Client installation against the real machine and the real @actions/tool-cache:
// (a) apt: Debian 12's own postgresql-client-15 is detected without running apt, and the plan's
//     `apt-cache policy` step, run for real, shows Debian's candidate for 15;
// (b) tool cache: a client archive served over local HTTP is downloaded, checked against its
//     SHA-256, extracted, trimmed and cached as postgresql/16.4.0, and found there on the next run
//     without another request.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import * as tc from '@actions/tool-cache';
import { findClient, probeClient } from '../../src/postgres/client.js';
import { AptInstaller, isCandidateOf, parsePolicy } from '../../src/postgres/install/apt.js';
import { ArchiveInstaller, type ArchiveRelease } from '../../src/postgres/install/archive.js';
import { type Command, execRunner } from '../../src/postgres/install/command.js';
import { downloadWithRetry } from '../../src/postgres/install/download.js';
import { EDB_TRIM } from '../../src/postgres/install/edb.js';
import { detectHost, type Host, usesApt } from '../../src/postgres/install/host.js';
import type { InstallTools } from '../../src/postgres/install/installer.js';

const DEBIAN_15 = '/usr/lib/postgresql/15/bin';
const hasDebian15 = existsSync(join(DEBIAN_15, 'pg_dump'));

describe('apt installer on this machine', () => {
  let host: Host;
  beforeAll(async () => {
    host = await detectHost(process.env);
  });

  (hasDebian15 ? it : it.skip)(
    'returns the installed postgresql-client-15 without running apt',
    async () => {
      expect(usesApt(host.distro)).toBe(true);
      const ran: Command[] = [];
      const tools: InstallTools = {
        run: (command) => {
          ran.push(command);
          return Promise.reject(new Error('no command may run'));
        },
        probe: probeClient,
        download: () => Promise.reject(new Error('no download may run')),
      };
      const client = await new AptInstaller(host, tools).install(15);
      expect(client).toMatchObject({ binDir: DEBIAN_15, major: 15 });
      expect(ran).toEqual([]);
    },
  );

  (hasDebian15 ? it : it.skip)(
    "runs the plan's apt-cache policy step for real: the candidate for 15 is Debian's own",
    async () => {
      const plan = new AptInstaller(host, {} as InstallTools).plan(15);
      expect(plan.policy.argv).toEqual(['apt-cache', 'policy', 'postgresql-client-15']);
      const output = await execRunner(process.env)(plan.policy, { quiet: true });
      const candidate = parsePolicy(output);
      console.log(`apt-cache policy: candidate ${candidate?.version} from ${candidate?.origin}`);
      expect(isCandidateOf(candidate, 15)).toBe(true);
      expect(candidate?.version).toMatch(/^15\.\d+-\d+\+deb12u\d+$/); // Debian 12's versioning, not PGDG's
      expect(candidate?.origin).not.toMatch(/postgresql\.org/);
      expect(candidate?.origin).toMatch(/debian\.org|dpkg\/status/);
      expect(plan.pgdg?.suite).toBe(`${host.distro?.codename}-pgdg`);
    },
  );
});

/** A local HTTP server for one archive; `failFirst` answers the first request with that status. */
interface ArchiveServer {
  url: string;
  requests: () => number;
  failFirst: (status: number | undefined) => void;
  close: () => Promise<void>;
}

async function serveArchive(body: Buffer, name: string): Promise<ArchiveServer> {
  let count = 0;
  let fail: number | undefined;
  const server: Server = createServer((req, res) => {
    count++;
    if (fail !== undefined) {
      res.writeHead(fail).end();
      fail = undefined;
    } else if (req.url === `/${name}`) {
      res.writeHead(200, { 'content-length': body.length }).end(body);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    requests: () => count,
    failFirst: (status) => {
      fail = status;
    },
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** A client archive: pgsql/bin/pg_dump (a script printing 16.4) plus parts the installer trims. */
async function buildArchive(dir: string, format: 'tar.gz' | 'zip'): Promise<Buffer> {
  const root = join(dir, 'src', 'pgsql');
  for (const sub of ['bin', 'share', 'pgAdmin 4/runtime', 'doc', 'StackBuilder/bin'])
    await mkdir(join(root, sub), { recursive: true });
  await writeFile(join(root, 'bin', 'pg_dump'), "#!/bin/sh\necho 'pg_dump (PostgreSQL) 16.4'\n");
  await chmod(join(root, 'bin', 'pg_dump'), 0o755);
  await writeFile(join(root, 'share', 'keep.txt'), 'kept');
  for (const f of ['pgAdmin 4/runtime/pgAdmin4', 'doc/index.html', 'StackBuilder/bin/sb'])
    await writeFile(join(root, f), 'trimmed');
  const out = join(dir, `client.${format}`);
  const cwd = join(dir, 'src');
  if (format === 'zip') execFileSync('zip', ['-qry', out, 'pgsql'], { cwd });
  else execFileSync('tar', ['-czf', out, 'pgsql'], { cwd });
  return readFile(out);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const hasZip = ['zip', 'unzip'].every((p) => {
  try {
    execFileSync('which', [p], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

describe.each([
  ['tar.gz', true],
  ['zip', hasZip],
] as const)('archive installer with the real tool cache (%s)', (format, available) => {
  const saved = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP };
  let dir: string;
  let server: ArchiveServer;
  let archive: Buffer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!available) return;
    dir = await mkdtemp(join(tmpdir(), 'client-install-'));
    archive = await buildArchive(dir, format);
    server = await serveArchive(archive, `client.${format}`);
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    if (!available) return;
    const run = await mkdtemp(join(dir, 'run-'));
    // tool-cache reads RUNNER_TOOL_CACHE and RUNNER_TEMP from process.env, as on a runner
    process.env.RUNNER_TOOL_CACHE = join(run, 'tool-cache');
    process.env.RUNNER_TEMP = join(run, 'temp');
    env = {
      PATH: '',
      RUNNER_TOOL_CACHE: process.env.RUNNER_TOOL_CACHE,
      RUNNER_TEMP: process.env.RUNNER_TEMP,
    };
  });
  afterEach(() => {
    for (const [name, value] of [
      ['RUNNER_TOOL_CACHE', saved.cache],
      ['RUNNER_TEMP', saved.temp],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  function installer(sha = sha256(archive), url = server.url): ArchiveInstaller {
    const release: ArchiveRelease = {
      major: 16,
      version: '16.4',
      url,
      sha256: sha,
      format,
      root: 'pgsql',
      trim: EDB_TRIM,
      arch: arch(),
    };
    const host: Host = {
      platform: process.platform,
      arch: arch(),
      isRoot: false,
      tempDir: env.RUNNER_TEMP ?? tmpdir(),
      env,
    };
    const tools: InstallTools = {
      run: execRunner(env),
      probe: probeClient,
      download: (u, d) => downloadWithRetry(u, d, { delayMs: 20 }),
    };
    return new ArchiveInstaller('test archive', [release], host, tools);
  }

  const maybe = available ? it : it.skip;

  maybe('downloads, verifies, extracts, trims and caches once; the next run finds it', async () => {
    const before = server.requests();
    const deps = { installer: () => Promise.resolve(installer()) };

    const first = await findClient({ pgVersion: 16 }, 16, env, deps);
    const cached = join(env.RUNNER_TOOL_CACHE ?? '', 'postgresql', '16.4.0', arch());
    expect(first).toMatchObject({ binDir: join(cached, 'bin'), version: '16.4', major: 16 });
    expect(first.installSeconds).toEqual(expect.any(Number));
    expect(server.requests() - before).toBe(1);
    expect(existsSync(`${cached}.complete`)).toBe(true);
    expect(existsSync(join(cached, 'share', 'keep.txt'))).toBe(true);
    for (const trimmed of ['pgAdmin 4', 'doc', 'StackBuilder'])
      expect(existsSync(join(cached, trimmed))).toBe(false);
    expect(tc.findAllVersions('postgresql')).toEqual(['16.4.0']);

    const second = await findClient({ pgVersion: 16 }, 16, env, {
      installer: () => Promise.reject(new Error('the second run must not install')),
    });
    expect(second).toEqual({ binDir: join(cached, 'bin'), version: '16.4', major: 16 });
    await expect(installer().install(16)).resolves.toMatchObject({ binDir: join(cached, 'bin') });
    expect(server.requests() - before).toBe(1);
  });

  maybe('refuses an archive whose SHA-256 is not the pinned one, caching nothing', async () => {
    const wrong = 'ab'.repeat(32);
    await expect(installer(wrong).install(16)).rejects.toThrow(
      new RegExp(`has SHA-256 ${sha256(archive)}, not the pinned ${wrong}: refusing`),
    );
    expect(tc.findAllVersions('postgresql')).toEqual([]);
  });

  maybe('retries a 403 and then succeeds', async () => {
    const before = server.requests();
    server.failFirst(403);
    await expect(installer().install(16)).resolves.toMatchObject({ major: 16 });
    expect(server.requests() - before).toBe(2);
  });

  maybe('does not retry a 404', async () => {
    const before = server.requests();
    const missing = server.url.replace(/client\.\w+(\.gz)?$/, 'missing.zip');
    await expect(installer(undefined, missing).install(16)).rejects.toThrow(
      /Downloading .*missing\.zip failed: HTTP 404/,
    );
    expect(server.requests() - before).toBe(1);
  });
});
