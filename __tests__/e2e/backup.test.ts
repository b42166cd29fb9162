import { execFileSync } from 'node:child_process';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction, visibleLog, type ActionRun } from '../helpers/action-process.js';
import { readManifest } from '../helpers/command-run.js';
import { loadSample, tableRowCounts } from '../helpers/db-compare.js';
import {
  availableMajors,
  clientBinDir,
  clientBinDirFor,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';

const major = (availableMajors().includes(18) ? 18 : 15) as ServerMajor;
let cluster: PgCluster;

beforeAll(async () => {
  cluster = await startCluster(major);
  await loadSample(cluster, 'app');
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

async function emptyDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'e2e-store-'));
}

/** Everything in a directory, hidden spool files included. */
async function listAll(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** The step failed with exactly one error line, and no secret anywhere in the log. */
function expectOneError(run: ActionRun, pattern: RegExp): void {
  expect(run.code).toBe(1);
  expect(run.errors).toHaveLength(1);
  expect(run.errors[0]).toMatch(pattern);
  expect(visibleLog(run)).not.toContain(cluster.password);
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
}

/** A pg-bin-dir whose pg_dump is replaced by a shell script; pg_restore and psql are the real ones. */
async function fakeClient(body: string): Promise<string> {
  const real = clientBinDir(major) ?? clientBinDirFor(major);
  const dir = await mkdtemp(join(tmpdir(), 'fake-client-'));
  const script = `#!/bin/bash\nREAL=${real}\nif [ "$1" = --version ]; then exec "$REAL/pg_dump" --version; fi\n${body}\n`;
  await writeFile(join(dir, 'pg_dump'), script);
  await chmod(join(dir, 'pg_dump'), 0o755);
  for (const name of ['pg_restore', 'psql']) await symlink(join(real, name), join(dir, name));
  return dir;
}

describe('backup with dist/index.js as the runner runs it', () => {
  it('stores a verified backup, sets every output and the summary, and the post step cleans up', async () => {
    const dir = await emptyDir();
    const run = await runAction({ 'database-url': cluster.url('app'), storage: dir });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    const o = run.outputs;
    expect(o['backup-id']).toMatch(/^app-\d{8}T\d{6}Z$/);
    expect(o.location).toBe(join(dir, `${o['backup-id']}.dump`));
    expect(JSON.parse(o.locations ?? '')).toEqual([o.location]);
    expect(o['manifest-location']).toBe(join(dir, `${o['backup-id']}.manifest.json`));
    const sha = execFileSync('sha256sum', [o.location ?? ''])
      .toString()
      .split(' ')[0];
    expect(o.sha256).toBe(sha);
    expect(Number(o.size)).toBe((await stat(o.location ?? '')).size);
    expect(o['server-version']).toMatch(new RegExp(`^${major}\\.`));
    expect(o['client-version']).toMatch(new RegExp(`^${major}\\.`));
    expect(o.encrypted).toBe('false');
    expect(o.verified).toBe('true');
    expect(o.pruned).toBe('[]');
    const manifest = await readManifest(o['manifest-location'] ?? '');
    const counts = await tableRowCounts(cluster, 'app');
    expect(Number(o.tables)).toBe(Object.keys(counts).length);
    expect(Number(o.rows)).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
    expect(manifest.object).toEqual({
      key: `${o['backup-id']}.dump`,
      size: Number(o.size),
      sha256: sha,
    });
    expect(JSON.stringify(manifest)).not.toContain(cluster.password);
    expect(run.summary).toContain(`PostgreSQL backup ${o['backup-id']}`);
    expect(run.summary).toContain(sha);
    expect(visibleLog(run)).not.toContain(cluster.password);
    expect(run.stdout).toContain(`::add-mask::${cluster.password.replace(/%/g, '%25')}`);

    const workspace = run.state.workspace ?? '';
    expect(workspace).not.toBe('');
    await expect(stat(workspace)).rejects.toThrow();
    const post = await runAction({}, { entry: 'post', runnerDir: run.runnerDir, state: run.state });
    expect(post.code).toBe(0);
  });

  it('finds a client in the runner tool cache (postgresql/X.Y.0) before the distribution paths', async () => {
    const runnerDir = await mkdtemp(join(tmpdir(), 'runner-'));
    const real = clientBinDir(major) ?? clientBinDirFor(major);
    const printed = execFileSync(join(real, 'pg_dump'), ['--version']).toString();
    const version = /\(PostgreSQL\) (\d+\.\d+)/.exec(printed)?.[1] ?? '';
    const cached = join(runnerDir, 'tool-cache', 'postgresql', `${version}.0`, 'x64');
    await mkdir(join(cached, 'bin'), { recursive: true });
    for (const name of ['pg_dump', 'pg_restore', 'psql']) {
      await copyFile(join(real, name), join(cached, 'bin', name));
      await chmod(join(cached, 'bin', name), 0o755);
    }
    await writeFile(`${cached}.complete`, '');
    const run = await runAction(
      { 'database-url': cluster.url('app'), storage: await emptyDir() },
      { runnerDir },
    );
    expect(run.errors).toEqual([]);
    expect(run.stdout).toContain(`Client: pg_dump ${version} from ${join(cached, 'bin')}.`);
    expect(run.outputs.verified).toBe('true');
  });

  it('resolves a relative storage path against the workspace and honours label and format', async () => {
    const run = await runAction({
      'database-url': cluster.url('app'),
      storage: 'backups/nightly',
      label: 'shop',
      format: 'plain',
    });
    expect(run.code).toBe(0);
    expect(run.outputs.location).toMatch(
      new RegExp(`/workspace/backups/nightly/shop-\\d{8}T\\d{6}Z\\.sql\\.zst$`),
    );
  });

  it('fails clearly on a wrong password and stores nothing', async () => {
    const dir = await emptyDir();
    const url = cluster.url('app', { password: 'wrong-password-42' });
    const run = await runAction({ 'database-url': url, storage: dir });
    expectOneError(
      run,
      /Authentication failed as user 'postgres'.*check the user name and password/i,
    );
    expect(visibleLog(run)).not.toContain('wrong-password-42');
    expect(run.stdout).toContain('::add-mask::wrong-password-42');
    expect(await listAll(dir)).toEqual([]);
  });

  it.each([
    ['not a url at all', /not a valid URL/],
    ['mysql://u:secretpw@host/db', /expected a postgresql:\/\/ URL, not mysql:/],
    ['postgresql://u:secretpw@127.0.0.1:99999/db', /not a valid URL/],
    ['postgresql://u:secretpw@127.0.0.1:5432', /names no database/],
  ])('fails clearly on a malformed URL: %s', async (url, pattern) => {
    const dir = await emptyDir();
    const run = await runAction({ 'database-url': url, storage: dir });
    expectOneError(run, pattern);
    expect(visibleLog(run)).not.toContain('secretpw');
    expect(await listAll(dir)).toEqual([]);
  });

  it('fails clearly on a missing database and on a closed port', async () => {
    const missing = await runAction({
      'database-url': cluster.url('nope'),
      storage: await emptyDir(),
    });
    expectOneError(missing, /Database 'nope' does not exist/);
    const closed = await runAction({
      'database-url': 'postgresql://u:pw@127.0.0.1:1/db',
      storage: await emptyDir(),
    });
    expectOneError(closed, /connection refused/);
  });

  it('fails when pg_dump is killed mid-stream and leaves nothing behind', async () => {
    const dir = await emptyDir();
    const bin = await fakeClient('"$REAL/pg_dump" "$@" | head -c 60000\nkill -KILL $$');
    const run = await runAction({
      'database-url': cluster.url('app'),
      storage: dir,
      'pg-bin-dir': bin,
    });
    expectOneError(run, /pg_dump failed \(killed by SIGKILL\)/);
    expect(await listAll(dir)).toEqual([]);
  });

  it.each([
    ['custom', 'truncated', '"$REAL/pg_dump" "$@" | head -c 60000; exit 0'],
    ['custom', 'garbage', 'head -c 100000 /dev/urandom; exit 0'],
    ['plain', 'truncated', '"$REAL/pg_dump" "$@" | head -c 200000; exit 0'],
    ['tar', 'truncated', '"$REAL/pg_dump" "$@" | head -c 300000; exit 0'],
  ])('refuses a %s archive that is %s although pg_dump exited 0', async (format, _kind, body) => {
    const dir = await emptyDir();
    const bin = await fakeClient(body);
    const run = await runAction({
      'database-url': cluster.url('app'),
      storage: dir,
      'pg-bin-dir': bin,
      format,
    });
    expectOneError(run, /The archive did not verify/);
    expect(await listAll(dir)).toEqual([]);
  });

  it('reports pg_dump errors with their stderr', async () => {
    const dir = await emptyDir();
    const run = await runAction({
      'database-url': cluster.url('app'),
      storage: dir,
      tables: 'no_such_table',
    });
    expectOneError(run, /pg_dump failed \(exit code 1\).*no matching tables were found/);
    expect(await listAll(dir)).toEqual([]);
  });

  it('says which client is needed when pg-bin-dir is too old', async () => {
    if (major === 15) return;
    const run = await runAction({
      'database-url': cluster.url('app'),
      storage: await emptyDir(),
      'pg-bin-dir': '/usr/lib/postgresql/15/bin',
    });
    expectOneError(run, /pg_dump 15\.\d+, older than the server \(18\)/);
  });

  it.each([
    [{ format: 'zip' }, /Input 'format': 'zip' is not one of custom, plain, directory, tar/],
    [{ compression: 'zstd:99' }, /Input 'compression': level 99 is out of range/],
    [{ 'extra-args': '--file=/tmp/x' }, /Input 'extra-args': '--file=\/tmp\/x' is not allowed/],
    [{ jobs: '4' }, /Input 'jobs': parallel dump needs format: directory/],
    [
      { 'age-recipients': 'age1xyz' },
      /Input 'age-recipients': 'age1xyz' is not a valid age public key/,
    ],
    [
      { 'exclude-databases': 'postgres' },
      /Input 'exclude-databases': is set but databases is empty: set databases: all/,
    ],
    [{ databases: 'all, app' }, /Input 'databases': 'all, app' mixes all with names/],
  ])('rejects bad input %j with one line', async (inputs, pattern) => {
    const dir = await emptyDir();
    const run = await runAction({ 'database-url': cluster.url('app'), storage: dir, ...inputs });
    expectOneError(run, pattern);
    expect(await listAll(dir)).toEqual([]);
  });

  it('says to set storage when the default artifact:// is used outside GitHub Actions', async () => {
    const run = await runAction({ 'database-url': cluster.url('app') });
    expectOneError(run, /^artifact:\/\/ needs the GitHub Actions artifact runtime.*set `storage`/);
  });

  it('requires database-url', async () => {
    const run = await runAction({ storage: await emptyDir() });
    expectOneError(run, /Input 'database-url': is required/);
  });
});
