// Case 4: SIGTERM / SIGINT / SIGKILL during a backup (pg_dump waiting on a held lock, or an S3
// multipart upload whose parts never get an answer), then the post step.
import { describe, expect, it } from '@jest/globals';
import { signalPid, startAction, type ActionProcess } from '../helpers/action-process.js';
import type { PgCluster } from '../../scripts/lib/pg-cluster.js';
import { pendingUploads, type S3Server } from '../../scripts/lib/s3-server.js';
import { AWS_ENV, AWS_SECRET, s3Inputs, useServerAndS3 } from '../helpers/fault-fixtures.js';
import {
  childNamed,
  holdLock,
  signalAndWait,
  tempDir,
  waitFor,
  waitForLockWaiter,
  type LockHolder,
} from '../helpers/fault-harness.js';
import { isPart, startS3Proxy, type S3Proxy } from '../helpers/s3-fault-proxy.js';
import { expectCleanFailure, leftovers } from '../helpers/leftovers.js';

const BUCKET = 'signals';
let cluster: PgCluster;
let s3: S3Server;
const cleanups = useServerAndS3(BUCKET, (servers) => ({ cluster, s3 } = servers));

/** Starts a backup of `app` to `storage` while `public.t` is locked; returns once pg_dump waits. */
async function backupWaitingOnLock(
  storage: string,
  extra: Record<string, string> = {},
): Promise<{ proc: ActionProcess; lock: LockHolder }> {
  const lock = await holdLock(cluster, 'app', 'public.t');
  cleanups.push(() => lock.release());
  const proc = await startAction(
    { 'database-url': cluster.url('app'), storage, ...extra },
    { env: AWS_ENV },
  );
  await waitForLockWaiter(cluster, 'app', proc, lock.backendPid);
  await waitFor('the pg_dump child', () => childNamed(proc, 'pg_dump'), { proc });
  return { proc, lock };
}

/** Starts a multipart backup of `big` to S3 whose UploadPart requests never get an answer. */
async function backupStuckInUpload(
  prefix: string,
): Promise<{ proc: ActionProcess; proxy: S3Proxy }> {
  const proxy = await startS3Proxy(s3.endpoint, (req) => (isPart(req) ? 'hang' : 'pass'));
  cleanups.push(() => proxy.stop());
  const proc = await startAction(
    {
      'database-url': cluster.url('big'),
      storage: `s3://${BUCKET}/${prefix}`,
      compression: 'none',
      ...s3Inputs(proxy.endpoint),
    },
    { env: AWS_ENV },
  );
  await waitFor(
    'a pending multipart upload with a part in flight',
    async () =>
      proxy.seen.some((s) => /partNumber=/.test(s)) &&
      (await pendingUploads(BUCKET, s3.endpoint)).length > 0
        ? true
        : undefined,
    { proc, timeoutMs: 60_000, intervalMs: 200 },
  );
  return { proc, proxy };
}

describe('signals during a backup', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s while pg_dump waits on a lock: one cancelled error, no pg_dump left, nothing stored',
    async (signal) => {
      const dir = await tempDir('sig');
      const { proc } = await backupWaitingOnLock(dir);
      const run = await signalAndWait(proc, signal);
      await expectCleanFailure(proc, run, /cancel/i, {
        dirs: [{ path: dir }],
        secrets: [cluster.password],
        graceMs: 1000,
      });
    },
    60_000,
  );

  it('SIGTERM during an S3 multipart upload: the upload is aborted, nothing stored', async () => {
    const { proc } = await backupStuckInUpload('term/');
    const run = await signalAndWait(proc, 'SIGTERM');
    await expectCleanFailure(proc, run, /cancel/i, {
      s3: [{ endpoint: s3.endpoint, bucket: BUCKET, prefix: 'term/' }],
      secrets: [cluster.password, AWS_SECRET],
      graceMs: 1000,
    });
  }, 90_000);

  it('SIGKILL while pg_dump waits on a lock: the post step leaves no file, no workspace, no pg_dump', async () => {
    const dir = await tempDir('kill');
    const { proc } = await backupWaitingOnLock(dir);
    expect(signalPid(proc.pid, 'SIGKILL')).toBe(true);
    const run = await proc.exited;
    expect(run.signal).toBe('SIGKILL');
    expect(run.state.workspace).toBeTruthy();
    expect(
      await leftovers(proc, run, {
        dirs: [{ path: dir }],
        secrets: [cluster.password],
        graceMs: 1000,
      }),
    ).toEqual([]);
  }, 60_000);

  it('SIGKILL during an S3 multipart upload: the post step aborts the upload', async () => {
    const { proc } = await backupStuckInUpload('kill/');
    expect(signalPid(proc.pid, 'SIGKILL')).toBe(true);
    const run = await proc.exited;
    expect(run.signal).toBe('SIGKILL');
    expect(
      await leftovers(proc, run, {
        s3: [{ endpoint: s3.endpoint, bucket: BUCKET, prefix: 'kill/' }],
        secrets: [cluster.password, AWS_SECRET],
        graceMs: 1000,
      }),
    ).toEqual([]);
  }, 90_000);
});
