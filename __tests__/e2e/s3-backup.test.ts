// dist/index.js backing up to a local S3 (s3rver) as a runner would run it; the AWS CLI reads back.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../src/catalog/manifest.js';
import { runAction, type ActionRun } from '../helpers/action-process.js';
import { loadSample } from '../helpers/db-compare.js';
import {
  availableMajors,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';
import {
  awsCli,
  listedKeys,
  pendingUploads,
  S3_CREDENTIALS,
  startS3Server,
  type S3Server,
} from '../../scripts/lib/s3-server.js';
import { errorXml, isUploadPart, startS3Proxy } from '../helpers/s3-fault-proxy.js';

const major = (availableMajors().includes(18) ? 18 : 15) as ServerMajor;
const BUCKET = 'bucket';
const AWS_ENV = { ...S3_CREDENTIALS, AWS_EC2_METADATA_DISABLED: 'true' };
let cluster: PgCluster;
let s3: S3Server;

beforeAll(async () => {
  [cluster, s3] = await Promise.all([startCluster(major), startS3Server([BUCKET])]);
  await loadSample(cluster, 'app');
  // About 20 MB uncompressed: a dump of several 8 MiB parts.
  await cluster.createDatabase('big');
  await cluster.psql(
    'CREATE TABLE t AS SELECT g AS id, md5(g::text) || md5(random()::text) AS v FROM generate_series(1, 280000) g',
    'big',
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), s3?.stop()]);
});

function s3Inputs(storage: string, endpoint = s3.endpoint): Record<string, string> {
  return {
    'database-url': cluster.url('app'),
    storage,
    's3-endpoint': endpoint,
    's3-force-path-style': 'true',
  };
}

async function download(uri: string): Promise<Buffer> {
  const file = join(await mkdtemp(join(tmpdir(), 'e2e-s3-')), 'object');
  const run = await awsCli(['s3', 'cp', uri, file], s3.endpoint);
  expect(run.code).toBe(0);
  return readFile(file);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The step failed with exactly one error line and printed no secret (the runner hides its ::add-mask:: lines). */
function expectOneError(run: ActionRun, pattern: RegExp, secrets: string[] = []): void {
  expect(run.code).toBe(1);
  expect(run.errors).toHaveLength(1);
  expect(run.errors[0]).toMatch(pattern);
  const visible = (run.stdout + run.stderr)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  for (const secret of [cluster.password, ...secrets]) expect(visible).not.toContain(secret);
  for (const secret of secrets) expect(run.stdout).toContain(`::add-mask::${secret}`);
}

describe('backup to s3:// with dist/index.js', () => {
  it('stores the dump and the manifest, and the AWS CLI reads back the same bytes', async () => {
    const run = await runAction(s3Inputs(`s3://${BUCKET}/nightly/`), { env: AWS_ENV });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    const id = run.outputs['backup-id'] ?? '';
    expect(id).toMatch(/^app-\d{8}T\d{6}Z$/);
    expect(run.outputs.location).toBe(`s3://${BUCKET}/nightly/${id}.dump`);
    expect(JSON.parse(run.outputs.locations ?? '')).toEqual([run.outputs.location]);
    expect(run.outputs['manifest-location']).toBe(`s3://${BUCKET}/nightly/${id}.manifest.json`);

    const dump = await download(run.outputs.location ?? '');
    expect(sha256(dump)).toBe(run.outputs.sha256);
    expect(dump.length).toBe(Number(run.outputs.size));
    const manifest = JSON.parse(
      (await download(run.outputs['manifest-location'] ?? '')).toString(),
    ) as Manifest;
    expect(manifest.id).toBe(id);
    expect(manifest.object).toEqual({ key: `${id}.dump`, size: dump.length, sha256: sha256(dump) });
    expect(await listedKeys(BUCKET, 'nightly/', s3.endpoint)).toEqual([
      `nightly/${id}.dump`,
      `nightly/${id}.manifest.json`,
      `nightly/${id}.recovery.md`,
    ]);
    expect(await pendingUploads(BUCKET, s3.endpoint)).toEqual([]);
    expect(run.summary).toContain(`s3://${BUCKET}/nightly/${id}.dump`);
  });

  it('prints no SDK warning about a stream of unknown length for a small backup', async () => {
    const run = await runAction(s3Inputs(`s3://${BUCKET}/small/`), { env: AWS_ENV });
    expect(run.code).toBe(0);
    expect(Number(run.outputs.size)).toBeLessThan(8 * 1024 * 1024);
    expect(run.stdout + run.stderr).not.toMatch(/Stream of unknown length/);
  });

  it('writes byte-identical objects to a directory and to S3 in one run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-both-'));
    const run = await runAction(s3Inputs(`${dir}\ns3://${BUCKET}/both/`), { env: AWS_ENV });
    expect(run.errors).toEqual([]);
    const id = run.outputs['backup-id'] ?? '';
    expect(JSON.parse(run.outputs.locations ?? '')).toEqual([
      join(dir, `${id}.dump`),
      `s3://${BUCKET}/both/${id}.dump`,
    ]);
    const local = await readFile(join(dir, `${id}.dump`));
    expect((await download(`s3://${BUCKET}/both/${id}.dump`)).equals(local)).toBe(true);
    expect(sha256(local)).toBe(run.outputs.sha256);
    const manifest = await readFile(join(dir, `${id}.manifest.json`));
    expect((await download(`s3://${BUCKET}/both/${id}.manifest.json`)).equals(manifest)).toBe(true);
  });

  it('fails on a wrong bucket with one error line and leaves nothing anywhere', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-wrong-'));
    const run = await runAction(s3Inputs(`${dir}\ns3://no-such-bucket/nightly/`), {
      env: AWS_ENV,
    });
    expectOneError(
      run,
      /^S3 bucket 'no-such-bucket' does not exist at http:\/\/127\.0\.0\.1:\d+: create it/,
    );
    expect(await readdir(dir)).toEqual([]);
    const buckets = await awsCli(['s3', 'ls'], s3.endpoint);
    expect(buckets.stdout).not.toContain('no-such-bucket');
  });

  it('fails when S3 refuses the data object and removes the copy in the directory', async () => {
    const failing = await startS3Proxy(s3.endpoint, (req) =>
      req.method === 'PUT' && /\.dump/.test(req.url ?? '')
        ? { status: 500, body: errorXml('InternalError', 'We encountered an internal error.') }
        : 'pass',
    );
    try {
      const dir = await mkdtemp(join(tmpdir(), 'e2e-fail-'));
      const run = await runAction(s3Inputs(`${dir}\ns3://${BUCKET}/failing/`, failing.endpoint), {
        env: AWS_ENV,
      });
      expectOneError(
        run,
        /^S3 request \(PutObject\) for s3:\/\/bucket\/failing\/app-.*\.dump failed with 500 InternalError/,
      );
      expect(await readdir(dir)).toEqual([]);
      expect(await listedKeys(BUCKET, 'failing/', s3.endpoint)).toEqual([]);
    } finally {
      await failing.stop();
    }
  });

  it('streams a dump larger than one part and aborts the upload when parts fail', async () => {
    const big = { 'database-url': cluster.url('big'), compression: 'none' };
    const ok = await runAction({ ...s3Inputs(`s3://${BUCKET}/big/`), ...big }, { env: AWS_ENV });
    expect(ok.errors).toEqual([]);
    expect(Number(ok.outputs.size)).toBeGreaterThan(16 * 1024 * 1024);
    expect(sha256(await download(ok.outputs.location ?? ''))).toBe(ok.outputs.sha256);

    let parts = 0;
    const failing = await startS3Proxy(s3.endpoint, (req) =>
      isUploadPart(req) && (parts += 1) > 1
        ? { status: 500, body: errorXml('InternalError', 'We encountered an internal error.') }
        : 'pass',
    );
    try {
      const dir = await mkdtemp(join(tmpdir(), 'e2e-parts-'));
      const storage = `${dir}\ns3://${BUCKET}/big-failing/`;
      const run = await runAction(
        { ...s3Inputs(storage, failing.endpoint), ...big },
        { env: AWS_ENV },
      );
      expectOneError(
        run,
        /^S3 request \(UploadPart\) for s3:\/\/bucket\/big-failing\/big-.*\.dump failed with 500 InternalError/,
      );
      expect(await readdir(dir)).toEqual([]);
      expect(await listedKeys(BUCKET, 'big-failing/', s3.endpoint)).toEqual([]);
      expect(await pendingUploads(BUCKET, s3.endpoint)).toEqual([]);
    } finally {
      await failing.stop();
    }
  });

  it('stops the dump at once when the multipart upload cannot start', async () => {
    const denying = await startS3Proxy(s3.endpoint, (req) =>
      req.method === 'POST'
        ? { status: 403, body: errorXml('AccessDenied', 'Access Denied') }
        : 'pass',
    );
    try {
      const run = await runAction(
        {
          ...s3Inputs(`s3://${BUCKET}/denied/`, denying.endpoint),
          'database-url': cluster.url('big'),
          compression: 'none',
        },
        { env: AWS_ENV },
      );
      expectOneError(
        run,
        /^Access denied: the AWS credentials lack s3:PutObject on s3:\/\/bucket\/denied\/big-/,
      );
      expect(await listedKeys(BUCKET, 'denied/', s3.endpoint)).toEqual([]);
    } finally {
      await denying.stop();
    }
  });

  it('says the credentials were rejected and never prints the secret key', async () => {
    const secret = 'wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY';
    const run = await runAction(s3Inputs(`s3://${BUCKET}/creds/`), {
      env: { AWS_ACCESS_KEY_ID: 'AKIAWRONGKEY', AWS_SECRET_ACCESS_KEY: secret },
    });
    expectOneError(run, /^S3 rejected the AWS credentials \(InvalidAccessKeyId\)/, [secret]);
  });
});
