// Case 6: storage faults. A full disk, a read-only location, /proc, a second location that
// cannot be created, and S3 refusing, cutting or failing requests. The error names the storage
// (never pg_dump) and nothing is left anywhere.
import { statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { PgCluster } from '../../scripts/lib/pg-cluster.js';
import { errorXml } from '../helpers/s3-fault-proxy.js';
import { type S3Server } from '../../scripts/lib/s3-server.js';
import { AWS_ENV, AWS_SECRET, s3Inputs, useServerAndS3 } from '../helpers/fault-fixtures.js';
import {
  isPart,
  isPutOf,
  startS3Proxy,
  type ProxyAction,
  type S3Proxy,
} from '../helpers/s3-fault-proxy.js';
import { mountTmpfs, remountReadOnly, runFor, tempDir } from '../helpers/fault-harness.js';
import { expectCleanFailure, expectCleanSuccess } from '../helpers/leftovers.js';

const BUCKET = 'store';
let cluster: PgCluster;
let s3: S3Server;
const cleanups = useServerAndS3(BUCKET, (servers) => ({ cluster, s3 } = servers));

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const NOT_PG_DUMP = /pg_dump (failed|exited|was killed)|pg_dump:/;

/** A backup of `database` (about 21 MB uncompressed for `big`) to `storage`. */
function backup(database: string, storage: string, extra: Record<string, string> = {}) {
  return runFor(
    { 'database-url': cluster.url(database), storage, compression: 'none', ...extra },
    { env: AWS_ENV },
    90_000,
  );
}

describe('local storage faults', () => {
  it('disk full: names the full location, not pg_dump, and leaves no spool file', async () => {
    const fs = await mountTmpfs('2m');
    cleanups.push(() => fs.unmount());
    const free = await statfs(fs.dir);
    expect(free.bavail * free.bsize).toBeLessThan(3 * 1024 * 1024); // the 21 MB dump cannot fit
    const { proc, run } = await backup('big', fs.dir);
    await expectCleanFailure(
      proc,
      run,
      new RegExp(`(?=.*No space left)(?=.*${escape(fs.dir)})`, 'i'),
      {
        notError: NOT_PG_DUMP,
        dirs: [{ path: fs.dir }],
        secrets: [cluster.password],
      },
    );
  }, 120_000);

  it("full RUNNER_TEMP during a restore: says the runner's disk is full, where, and what to do", async () => {
    const store = await tempDir('full-temp-store');
    // A directory-format backup is unpacked in RUNNER_TEMP before pg_restore reads it.
    const stored = await backup('big', store, { format: 'directory' });
    expect(stored.run.code).toBe(0);
    const fs = await mountTmpfs('2m');
    cleanups.push(() => fs.unmount());
    const { run } = await runFor(
      { 'target-database-url': cluster.url('never_made'), storage: store, command: 'restore' },
      { env: { ...AWS_ENV, RUNNER_TEMP: fs.dir } },
      90_000,
    );
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      new RegExp(
        `runner's disk is full \\(no space left on device, ENOSPC\\) while writing ${escape(fs.dir)}.*RUNNER_TEMP`,
      ),
    );
  }, 120_000);

  it('read-only location: names it and says read-only', async () => {
    const fs = await mountTmpfs('8m');
    cleanups.push(() => fs.unmount());
    remountReadOnly(fs.dir);
    await expect(writeFile(join(fs.dir, 'probe'), 'x')).rejects.toThrow(/read-only/i);
    const { proc, run } = await backup('app', fs.dir);
    await expectCleanFailure(proc, run, new RegExp(`(?=.*read-only)(?=.*${escape(fs.dir)})`, 'i'), {
      notError: NOT_PG_DUMP,
      dirs: [{ path: fs.dir }],
      secrets: [cluster.password],
    });
  }, 120_000);

  it('storage: /proc/backups fails fast with one error naming it', async () => {
    const { proc, run } = await runFor(
      { 'database-url': cluster.url('app'), storage: '/proc/backups' },
      {},
      15_000,
    );
    await expectCleanFailure(proc, run, /\/proc\/backups/, {
      notError: NOT_PG_DUMP,
      secrets: [cluster.password],
      graceMs: 1000,
    });
  }, 60_000);

  it('a second location that cannot be created: no 0-byte partial at the first', async () => {
    const first = await tempDir('first');
    const file = join(await tempDir('blocker'), 'a-file');
    await writeFile(file, 'not a directory');
    const second = join(file, 'backups');
    const { proc, run } = await backup('app', `${first}\n${second}`);
    await expectCleanFailure(proc, run, new RegExp(escape(second)), {
      notError: NOT_PG_DUMP,
      dirs: [{ path: first }],
      secrets: [cluster.password],
    });
  }, 60_000);
});

describe('S3 faults', () => {
  async function proxied(
    decide: (req: Parameters<typeof isPart>[0]) => ProxyAction,
  ): Promise<S3Proxy> {
    const proxy = await startS3Proxy(s3.endpoint, decide);
    cleanups.push(() => proxy.stop());
    return proxy;
  }

  it('connection refused: names the s3:// location or its endpoint', async () => {
    const { proc, run } = await backup(
      'app',
      `s3://${BUCKET}/refused/`,
      s3Inputs('http://127.0.0.1:1'),
    );
    await expectCleanFailure(
      proc,
      run,
      /(?=.*(s3:\/\/store\/refused\/|http:\/\/127\.0\.0\.1:1\b))(?=.*refused)/i,
      {
        notError: NOT_PG_DUMP,
        s3: [{ endpoint: s3.endpoint, bucket: BUCKET, prefix: 'refused/' }],
        secrets: [cluster.password, AWS_SECRET],
      },
    );
  }, 120_000);

  it('every part cut mid-body: fails naming the s3:// location, upload aborted', async () => {
    const proxy = await proxied((req) => (isPart(req) ? { resetAfterBytes: 1 << 20 } : 'pass'));
    const { proc, run } = await backup('big', `s3://${BUCKET}/reset/`, s3Inputs(proxy.endpoint));
    expect(proxy.seen.some((s) => /partNumber=.*resetAfterBytes/.test(s))).toBe(true);
    await expectCleanFailure(proc, run, /s3:\/\/store\/reset\//, {
      notError: NOT_PG_DUMP,
      s3: [{ endpoint: s3.endpoint, bucket: BUCKET, prefix: 'reset/' }],
      secrets: [cluster.password, AWS_SECRET],
    });
  }, 120_000);

  it('the first part cut mid-body once, then all pass: the backup succeeds', async () => {
    let cut = 0;
    const proxy = await proxied((req) =>
      isPart(req) && cut++ === 0 ? { resetAfterBytes: 1 << 20 } : 'pass',
    );
    const { proc, run } = await backup(
      'big',
      `s3://${BUCKET}/reset-once/`,
      s3Inputs(proxy.endpoint),
    );
    const id = run.outputs['backup-id'] ?? '?';
    await expectCleanSuccess(proc, run, {
      s3: [
        {
          endpoint: s3.endpoint,
          bucket: BUCKET,
          prefix: 'reset-once/',
          keys: [
            `reset-once/${id}.dump`,
            `reset-once/${id}.recovery.md`,
            `reset-once/${id}.manifest.json`,
          ],
        },
      ],
      secrets: [cluster.password, AWS_SECRET],
    });
    expect(cut).toBeGreaterThan(1);
  }, 120_000);

  it('one 500 on a part, then success: the backup succeeds', async () => {
    let failed = 0;
    const proxy = await proxied((req) =>
      isPart(req) && failed++ === 0
        ? { status: 500, body: errorXml('InternalError', 'We encountered an internal error.') }
        : 'pass',
    );
    const { proc, run } = await backup('big', `s3://${BUCKET}/flaky/`, s3Inputs(proxy.endpoint));
    const id = run.outputs['backup-id'] ?? '?';
    await expectCleanSuccess(proc, run, {
      s3: [
        {
          endpoint: s3.endpoint,
          bucket: BUCKET,
          prefix: 'flaky/',
          keys: [`flaky/${id}.dump`, `flaky/${id}.recovery.md`, `flaky/${id}.manifest.json`],
        },
      ],
      secrets: [cluster.password, AWS_SECRET],
    });
    expect(failed).toBeGreaterThan(1);
  }, 120_000);

  it('500 on every part: fails naming the s3:// location, upload aborted', async () => {
    const proxy = await proxied((req) =>
      isPart(req)
        ? { status: 500, body: errorXml('InternalError', 'We encountered an internal error.') }
        : 'pass',
    );
    const { proc, run } = await backup('big', `s3://${BUCKET}/broken/`, s3Inputs(proxy.endpoint));
    await expectCleanFailure(proc, run, /s3:\/\/store\/broken\//, {
      notError: NOT_PG_DUMP,
      s3: [{ endpoint: s3.endpoint, bucket: BUCKET, prefix: 'broken/' }],
      secrets: [cluster.password, AWS_SECRET],
    });
  }, 120_000);

  it('access denied on the manifest PUT only: fails, and the data object is removed', async () => {
    const proxy = await proxied((req) =>
      isPutOf(req, /\.manifest\.json/)
        ? { status: 403, body: errorXml('AccessDenied', 'Access Denied') }
        : 'pass',
    );
    const { proc, run } = await backup('app', `s3://${BUCKET}/denied/`, s3Inputs(proxy.endpoint));
    expect(proxy.seen.some((s) => /manifest\.json\S* -> \{"status":403/.test(s))).toBe(true);
    await expectCleanFailure(proc, run, /(?=.*access ?denied)(?=.*s3:\/\/store\/denied\/)/i, {
      notError: NOT_PG_DUMP,
      s3: [{ endpoint: s3.endpoint, bucket: BUCKET, prefix: 'denied/' }],
      secrets: [cluster.password, AWS_SECRET],
    });
  }, 120_000);
});
