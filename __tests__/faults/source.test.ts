// Cases 5 and 7: faults on the source side of a backup. pg_dump killed mid-stream (plain format
// with verify), its backend terminated, a held lock with and without lock-wait-timeout, SSL
// required by the client but refused by the server, and a server restart mid-dump (last: it
// restarts the cluster).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  bytesWritten,
  killAllActions,
  signalPid,
  startAction,
  type ActionProcess,
  type SeenProcess,
} from '../helpers/action-process.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { MAJOR, multipartDatabase, smallDatabase } from '../helpers/fault-fixtures.js';
import {
  holdLock,
  runFor,
  signalAndWait,
  tempDir,
  waitFor,
  waitForLockWaiter,
  type LockHolder,
} from '../helpers/fault-harness.js';
import { expectCleanFailure } from '../helpers/leftovers.js';

let cluster: PgCluster;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  cluster = await startCluster(MAJOR);
  await Promise.all([smallDatabase(cluster, 'app'), multipartDatabase(cluster, 'big')]);
}, 120_000);

afterEach(async () => {
  killAllActions();
  for (const c of cleanups.splice(0)) await c();
});

afterAll(async () => {
  await cluster?.stop();
});

async function locked(): Promise<LockHolder> {
  const lock = await holdLock(cluster, 'app', 'public.t');
  cleanups.push(() => lock.release());
  return lock;
}

/** The action's dumping pg_dump (not `pg_dump --version`) once it has written `bytes`. */
function pgDumpWriting(proc: ActionProcess, bytes: number): Promise<SeenProcess> {
  const dumping = (p: SeenProcess) => p.comm === 'pg_dump' && p.cmdline.includes('--dbname');
  return waitFor(
    `pg_dump to have written ${bytes} bytes`,
    () => {
      const p = proc.children().find(dumping);
      if (!p) {
        if (proc.seen().some(dumping))
          throw new Error('harness: pg_dump ended before it was caught mid-stream');
        return undefined;
      }
      return bytesWritten(p.pid) >= bytes ? p : undefined;
    },
    { proc, timeoutMs: 60_000, intervalMs: 5 },
  );
}

describe('source faults during a backup', () => {
  it('plain format with verify: pg_dump SIGKILLed mid-stream fails within seconds, one error', async () => {
    const dir = await tempDir('plainkill');
    const proc = await startAction({
      'database-url': cluster.url('big'),
      storage: dir,
      format: 'plain',
      verify: 'archive',
    });
    const pgDump = await pgDumpWriting(proc, 256 * 1024);
    expect(signalPid(pgDump.pid, 'SIGKILL')).toBe(true);
    const run = (await proc.waitExit(15_000)) ?? (await signalAndWait(proc, 'SIGKILL'));
    await expectCleanFailure(proc, run, /pg_dump.*(SIGKILL|killed)/i, {
      dirs: [{ path: dir }],
      secrets: [cluster.password],
      graceMs: 1000,
    });
  }, 90_000);

  it("pg_terminate_backend of pg_dump's backend: one error naming pg_dump and the termination", async () => {
    const dir = await tempDir('terminate');
    const lock = await locked();
    const proc = await startAction({ 'database-url': cluster.url('app'), storage: dir });
    const backend = await waitForLockWaiter(cluster, 'app', proc, lock.backendPid);
    await cluster.psql(`SELECT pg_terminate_backend(${backend})`);
    const run = (await proc.waitExit(30_000)) ?? (await signalAndWait(proc, 'SIGKILL'));
    await expectCleanFailure(proc, run, /(?=.*pg_dump)(?=.*terminat)/i, {
      dirs: [{ path: dir }],
      secrets: [cluster.password],
      graceMs: 1000,
    });
  }, 90_000);

  it('a held lock with lock-wait-timeout: 2s fails soon, naming the lock timeout', async () => {
    const dir = await tempDir('locktimeout');
    await locked();
    const { proc, run } = await runFor(
      { 'database-url': cluster.url('app'), storage: dir, 'lock-wait-timeout': '2s' },
      {},
      30_000,
    );
    expect(run.ms).toBeLessThan(20_000);
    await expectCleanFailure(proc, run, /(?=.*lock)(?=.*(timeout|timed out|could not obtain))/i, {
      dirs: [{ path: dir }],
      secrets: [cluster.password],
      graceMs: 1000,
    });
  }, 60_000);

  it('a held lock without lock-wait-timeout (directory format): SIGTERM cancels', async () => {
    const dir = await tempDir('lockterm');
    const lock = await locked();
    const proc = await startAction({
      'database-url': cluster.url('app'),
      storage: dir,
      format: 'directory',
    });
    await waitForLockWaiter(cluster, 'app', proc, lock.backendPid);
    const run = await signalAndWait(proc, 'SIGTERM');
    await expectCleanFailure(proc, run, /cancel/i, {
      dirs: [{ path: dir }],
      secrets: [cluster.password],
      graceMs: 1000,
    });
  }, 60_000);

  it('sslmode=require against a server without SSL: one error naming SSL', async () => {
    const dir = await tempDir('ssl');
    const { proc, run } = await runFor(
      { 'database-url': `${cluster.url('app')}?sslmode=require`, storage: dir },
      {},
      60_000,
    );
    await expectCleanFailure(proc, run, /SSL/, {
      dirs: [{ path: dir }],
      secrets: [cluster.password],
    });
  }, 90_000);

  it('the server restarts mid-dump: one error naming pg_dump and the lost connection', async () => {
    const dataDir = (await cluster.psql('SHOW data_directory')).trim();
    const dir = await tempDir('restart');
    const proc = await startAction({
      'database-url': cluster.url('big'),
      storage: dir,
      compression: 'none',
    });
    const pgDump = await pgDumpWriting(proc, 64 * 1024);
    signalPid(pgDump.pid, 'SIGSTOP'); // hold it mid-stream while the server restarts
    const res = spawnSync(
      'runuser',
      [
        '-u',
        'postgres',
        '--',
        join(cluster.binDir, 'pg_ctl'),
        '-D',
        dataDir,
        '-m',
        'fast',
        '-w',
        '-t',
        '60',
        'restart',
      ],
      { stdio: 'ignore', cwd: '/' },
    );
    signalPid(pgDump.pid, 'SIGCONT');
    expect(res.status).toBe(0);
    expect((await cluster.psql('SELECT 1')).trim()).toBe('1');
    const run = (await proc.waitExit(30_000)) ?? (await signalAndWait(proc, 'SIGKILL'));
    await expectCleanFailure(
      proc,
      run,
      /(?=.*pg_dump)(?=.*(terminat|closed the connection|shut ?down|connection))/i,
      { dirs: [{ path: dir }], secrets: [cluster.password], graceMs: 1000 },
    );
  }, 120_000);
});
