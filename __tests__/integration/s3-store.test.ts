// S3Store against a real local S3 (s3rver), read back with the real AWS CLI; faults come from a
// proxy in front of s3rver that fails, refuses or cuts chosen requests.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ActionError } from '../../src/errors.js';
import { backupId } from '../../src/catalog/naming.js';
import type { S3Settings } from '../../src/settings.js';
import { S3Store } from '../../src/storage/s3.js';
import type { ObjectWriter } from '../../src/storage/store.js';
import {
  awsCli,
  listedKeys,
  pendingUploads,
  S3_CREDENTIALS,
  startS3Server,
  type S3Server,
} from '../../scripts/lib/s3-server.js';
import {
  errorXml,
  isUploadPart,
  startS3Proxy,
  type ProxyAction,
  type S3Proxy,
} from '../helpers/s3-fault-proxy.js';
import { claim, isTaken, release } from '../../src/catalog/claim.js';
import { listManifests } from '../../src/catalog/backups.js';

const BUCKET = 'backups';
const MANY = 'many-objects';
const MiB = 1024 * 1024;
let s3: S3Server;
let prefixes = 0;
const proxies: S3Proxy[] = [];

beforeAll(async () => {
  Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  s3 = await startS3Server([BUCKET, MANY]);
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await s3?.stop();
});

function settings(endpoint: string): S3Settings {
  return { endpoint, forcePathStyle: true, checksum: 'auto' };
}

/** A store at a fresh prefix of BUCKET, through `endpoint` (s3rver itself by default). */
function freshStore(endpoint = s3.endpoint, bucket = BUCKET): { store: S3Store; prefix: string } {
  const prefix = `t${(prefixes += 1)}/nightly/`;
  return { store: new S3Store({ bucket, prefix }, settings(endpoint), {}), prefix };
}

async function proxy(decide: (req: IncomingMessage) => ProxyAction): Promise<S3Proxy> {
  const p = await startS3Proxy(s3.endpoint, decide);
  proxies.push(p);
  return p;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `size` random bytes, fed in 64 KiB chunks as pg_dump would. */
function payload(size: number): { data: Buffer; source: () => Readable } {
  const data = randomBytes(size);
  const chunks: Buffer[] = [];
  for (let at = 0; at < size; at += 64 * 1024) chunks.push(data.subarray(at, at + 64 * 1024));
  return { data, source: () => Readable.from(chunks) };
}

async function write(writer: ObjectWriter, source: Readable): Promise<void> {
  await pipeline(source, writer.stream);
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function downloaded(key: string): Promise<Buffer> {
  const file = join(await mkdtemp(join(tmpdir(), 's3-get-')), 'object');
  const run = await awsCli(['s3', 'cp', `s3://${BUCKET}/${key}`, file], s3.endpoint);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return readFile(file);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a rejection');
}

const ID = 'app-20261122T020000Z';

describe('S3Store writes', () => {
  it('streams a multi-part object that becomes visible only on commit', async () => {
    const counting = await proxy(() => 'pass');
    const { store, prefix } = freshStore(counting.endpoint);
    const { data, source } = payload(20 * MiB);
    const key = `${prefix}${ID}.dump`;
    const writer = await store.openWriter(`${ID}.dump`, { sizeHint: 1_000_000 });
    await write(writer, source());
    await until(async () => (await pendingUploads(BUCKET, s3.endpoint)).includes(key), 'parts');
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([]);
    expect(await isTaken(store, ID)).toBe(false);
    expect(counting.seen.filter((r) => /^POST .*uploadId=/.test(r))).toEqual([]);

    expect(await writer.commit()).toEqual({ location: `s3://${BUCKET}/${key}` });
    const parts = counting.seen.filter((r) => /^PUT .*partNumber=/.test(r));
    expect(parts).toHaveLength(3); // 8 + 8 + 4 MiB
    const completes = counting.seen.filter((r) => /^POST .*uploadId=/.test(r));
    expect(completes).toEqual([expect.stringMatching(/ \[If-None-Match\]$/)]);
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([key]);
    expect(await pendingUploads(BUCKET, s3.endpoint)).not.toContain(key);
    expect(sha256(await downloaded(key))).toBe(sha256(data));
    expect(await isTaken(store, ID)).toBe(true);
  });

  it('writes an object smaller than one part with a single PutObject at commit', async () => {
    const counting = await proxy(() => 'pass');
    const { store, prefix } = freshStore(counting.endpoint);
    const { data, source } = payload(100_000);
    const writer = await store.openWriter(`${ID}.sql.zst`);
    await write(writer, source());
    expect(counting.seen.filter((r) => r.startsWith('PUT'))).toEqual([]);
    await writer.commit();
    expect(counting.seen.filter((r) => r.startsWith('PUT'))).toEqual([
      expect.stringMatching(/^PUT .*\.sql\.zst.* \[If-None-Match\]$/),
    ]);
    expect(sha256(await downloaded(`${prefix}${ID}.sql.zst`))).toBe(sha256(data));
  });

  it('abort after parts were uploaded leaves no object and no pending upload', async () => {
    const { store, prefix } = freshStore();
    const { source } = payload(20 * MiB);
    const writer = await store.openWriter(`${ID}.dump`);
    await write(writer, source());
    const key = `${prefix}${ID}.dump`;
    await until(async () => (await pendingUploads(BUCKET, s3.endpoint)).includes(key), 'parts');
    await writer.abort();
    await writer.abort();
    expect(await pendingUploads(BUCKET, s3.endpoint)).not.toContain(key);
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([]);
  });

  it('a source that fails mid-stream, then abort, leaves nothing', async () => {
    const counting = await proxy(() => 'pass');
    const { store, prefix } = freshStore(counting.endpoint);
    const writer = await store.openWriter(`${ID}.dump`);
    const failing = Readable.from(
      (function* () {
        for (let i = 0; i < 200; i += 1) yield randomBytes(64 * 1024);
        throw new Error('pg_dump died');
      })(),
    );
    await expect(write(writer, failing)).rejects.toThrow('pg_dump died');
    await writer.abort();
    // abort() stops the upload at once: a multipart upload it had started is aborted with it.
    const started = counting.seen.some((r) => /^POST .*\?uploads/.test(r));
    const aborted = counting.seen.some((r) => /^DELETE .*uploadId=/.test(r));
    expect(aborted).toBe(started);
    expect(await pendingUploads(BUCKET, s3.endpoint)).not.toContain(`${prefix}${ID}.dump`);
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([]);
  });

  it('never overwrites: writeSmall and commit fail on an existing key, which stays intact', async () => {
    const { store, prefix } = freshStore();
    await store.writeSmall(`${ID}.manifest.json`, '{"first":true}');
    const again = await rejection(store.writeSmall(`${ID}.manifest.json`, '{"second":true}'));
    expect(again).toBeInstanceOf(ActionError);
    expect(again.message).toBe(
      `s3://${BUCKET}/${prefix}${ID}.manifest.json already exists; a backup is never overwritten. Run again to get a new id.`,
    );
    expect(await store.readSmall(`${ID}.manifest.json`)).toBe('{"first":true}');

    const first = payload(9 * MiB);
    const w1 = await store.openWriter(`${ID}.dump`);
    await write(w1, first.source());
    await w1.commit();
    const w2 = await store.openWriter(`${ID}.dump`);
    await write(w2, payload(9 * MiB).source());
    await expect(w2.commit()).rejects.toThrow(/already exists; a backup is never overwritten/);
    await w2.abort();
    expect(sha256(await downloaded(`${prefix}${ID}.dump`))).toBe(sha256(first.data));
    expect(await pendingUploads(BUCKET, s3.endpoint)).not.toContain(`${prefix}${ID}.dump`);
  });
});

describe('S3Store claims', () => {
  it('claims an id once until it is released, unseen by isTaken and listManifests', async () => {
    const counting = await proxy(() => 'pass');
    const { store, prefix } = freshStore(counting.endpoint);
    const other = new S3Store({ bucket: BUCKET, prefix }, settings(s3.endpoint), {});
    expect(await claim(store, ID)).toBe(true);
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([`${prefix}.${ID}.claim`]);
    expect(counting.seen).toContainEqual(
      `PUT /${BUCKET}/${prefix}.${ID}.claim?x-id=PutObject [If-None-Match]`,
    );
    expect(await claim(other, ID)).toBe(false);
    expect(await isTaken(store, ID)).toBe(false);
    expect(await listManifests(store)).toEqual([]);
    expect(await claim(other, `${ID}-2`)).toBe(true);

    await release(store, ID);
    await release(store, ID);
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([`${prefix}.${ID}-2.claim`]);
    expect(await claim(other, ID)).toBe(true);
  });

  it('takes a 412 to the conditional create as another run holding the id', async () => {
    const refusing = await proxy((req) =>
      req.method === 'PUT'
        ? { status: 412, body: errorXml('PreconditionFailed', 'At least one condition failed') }
        : 'pass',
    );
    const { store, prefix } = freshStore(refusing.endpoint);
    expect(await claim(store, ID)).toBe(false);
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([]);
  });

  it('fails a claim that S3 refuses for another reason with one line', async () => {
    const denying = await proxy((req) =>
      req.method === 'PUT'
        ? { status: 403, body: errorXml('AccessDenied', 'Access Denied') }
        : 'pass',
    );
    const { store, prefix } = freshStore(denying.endpoint);
    const error = await rejection(claim(store, ID));
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain(`lack s3:PutObject on s3://${BUCKET}/${prefix}.${ID}.claim`);
  });
});

describe('S3Store reads, lists and deletes', () => {
  it('reads, streams, finds and removes objects', async () => {
    const { store, prefix } = freshStore();
    const manifest = JSON.stringify({ id: ID, object: { sha256: 'x' } });
    expect(await store.writeSmall(`${ID}.manifest.json`, manifest)).toEqual({
      location: `s3://${BUCKET}/${prefix}${ID}.manifest.json`,
    });
    expect(store.locationOf(`${ID}.dump`)).toBe(`s3://${BUCKET}/${prefix}${ID}.dump`);
    expect(store.description).toBe(`s3://${BUCKET}/${prefix}`);
    expect(await isTaken(store, ID)).toBe(true);
    expect(await isTaken(store, `${ID}-2`)).toBe(false);
    expect(await isTaken(store, 'app-20261122T0200')).toBe(false);
    expect(await store.readSmall(`${ID}.manifest.json`)).toBe(manifest);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.openReader(`${ID}.manifest.json`))
      chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(manifest);
    await store.remove(`${ID}.manifest.json`);
    await store.remove(`${ID}.manifest.json`);
    expect(await isTaken(store, ID)).toBe(false);
    await expect(store.readSmall(`${ID}.manifest.json`)).rejects.toThrow(
      `s3://${BUCKET}/${prefix}${ID}.manifest.json does not exist.`,
    );
    await expect(store.openReader(`${ID}.dump`)).rejects.toThrow(ActionError);
  });

  it('lists every manifest of a label among more than 1000 objects (paginated)', async () => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const start = Date.UTC(2026, 0, 1);
    const ids = (label: string, n: number) =>
      Array.from({ length: n }, (_, i) => backupId(label, new Date(start + i * 3_600_000)));
    const app = ids('app', 650);
    const keys = [
      ...app.flatMap((id) => [`db/${id}.manifest.json`, `db/${id}.dump`]),
      ...ids('app-x', 20).map((id) => `db/${id}.manifest.json`),
      ...ids('other', 10).map((id) => `db/${id}.manifest.json`),
      `db/sub/${app[0]}.manifest.json`,
      `${app[1]}.manifest.json`,
    ];
    for (let i = 0; i < keys.length; i += 64)
      await Promise.all(
        keys
          .slice(i, i + 64)
          .map((Key) => client.send(new PutObjectCommand({ Bucket: MANY, Key, Body: '{}' }))),
      );
    const store = new S3Store({ bucket: MANY, prefix: 'db/' }, settings(s3.endpoint), {});
    const names = await listManifests(store, 'app');
    expect(names).toEqual(app.map((id) => `${id}.manifest.json`).sort());
    expect(await listManifests(store)).toHaveLength(680);
    expect(await listManifests(store, 'other')).toHaveLength(10);
    expect(await listManifests(store, 'none')).toEqual([]);
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('S3Store errors', () => {
  it('names a missing bucket', async () => {
    const { store } = freshStore(s3.endpoint, 'no-such-bucket');
    const error = await rejection(isTaken(store, ID));
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toBe(
      `S3 bucket 'no-such-bucket' does not exist at ${s3.endpoint}: create it, or fix the bucket in storage.`,
    );
    await expect(store.writeSmall('a.manifest.json', '{}')).rejects.toThrow(
      "S3 bucket 'no-such-bucket' does not exist",
    );
  });

  it('names an unreachable endpoint', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const { store } = freshStore(endpoint);
    const error = await rejection(isTaken(store, ID));
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toBe(
      `Cannot reach the S3 endpoint ${endpoint} (ECONNREFUSED): check s3-endpoint and that the runner can reach it.`,
    );
    const unknown = freshStore('http://s3.invalid').store;
    await expect(listManifests(unknown)).rejects.toThrow(
      /Cannot reach the S3 endpoint http:\/\/s3\.invalid \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });

  it('says how to provide credentials when there are none', async () => {
    const saved = { ...process.env };
    for (const name of Object.keys(process.env))
      if (name.startsWith('AWS_')) Reflect.deleteProperty(process.env, name);
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    });
    try {
      const error = await rejection(isTaken(freshStore().store, ID));
      expect(error).toBeInstanceOf(ActionError);
      expect(error.message).toMatch(
        /^No AWS credentials for s3:\/\/backups\/.*: add aws-actions\/configure-aws-credentials .* or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\.$/,
      );
    } finally {
      process.env = saved;
    }
  });

  it.each([
    ['PUT', 'writeSmall', 's3:PutObject'],
    ['GET', 'isTaken', 's3:ListBucket'],
  ])('names the permission that %s lacks (%s)', async (method, call, permission) => {
    const denying = await proxy((req) =>
      req.method === method
        ? { status: 403, body: errorXml('AccessDenied', 'Access Denied') }
        : 'pass',
    );
    const { store, prefix } = freshStore(denying.endpoint);
    const run = call === 'writeSmall' ? store.writeSmall('x', '{}') : isTaken(store, ID);
    const error = await rejection(run);
    expect(error.message).toContain(`Access denied: the AWS credentials lack ${permission} on`);
    expect(error.message).toContain(`s3://${BUCKET}/${prefix}`);
  });

  it.each([
    ['GET', 'readSmall', 's3:GetObject'],
    ['DELETE', 'remove', 's3:DeleteObject'],
  ])('names the permission that %s lacks (%s)', async (method, call, permission) => {
    const denying = await proxy((req) =>
      req.method === method && !req.url?.includes('list-type')
        ? { status: 403, body: errorXml('AccessDenied', 'Access Denied') }
        : 'pass',
    );
    const { store, prefix } = freshStore(denying.endpoint);
    const run = call === 'readSmall' ? store.readSmall('x.json') : store.remove('x.json');
    await expect(run).rejects.toThrow(
      `Access denied: the AWS credentials lack ${permission} on s3://${BUCKET}/${prefix}x.json`,
    );
  });

  it.each([
    [
      'PermanentRedirect with the region header',
      301,
      errorXml('PermanentRedirect', 'Use the specified endpoint.', '<Bucket>backups</Bucket>'),
      { 'x-amz-bucket-region': 'eu-west-1' },
      'eu-west-1',
    ],
    [
      'AuthorizationHeaderMalformed',
      400,
      errorXml(
        'AuthorizationHeaderMalformed',
        "the region 'us-east-1' is wrong; expecting 'eu-central-1'",
        '<Region>eu-central-1</Region>',
      ),
      {},
      'eu-central-1',
    ],
  ])('names the bucket region on %s', async (_name, status, body, headers, region) => {
    const redirecting = await proxy(() => ({ status, body, headers }));
    const { store } = freshStore(redirecting.endpoint);
    await expect(isTaken(store, ID)).rejects.toThrow(
      `S3 bucket 'backups' is in region ${region}, not us-east-1: set s3-region: ${region}.`,
    );
  });
});

describe('S3Store against a failing server', () => {
  async function failedWrite(action: ProxyAction): Promise<{ error: Error; prefix: string }> {
    let parts = 0;
    const failing = await proxy((req) => (isUploadPart(req) && (parts += 1) > 1 ? action : 'pass'));
    const { store, prefix } = freshStore(failing.endpoint);
    const writer = await store.openWriter(`${ID}.dump`);
    const error = await rejection(
      (async () => {
        await write(writer, payload(20 * MiB).source());
        await writer.commit();
      })(),
    );
    await writer.abort();
    expect(await listManifests(store)).toEqual([]);
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([]);
    expect(await pendingUploads(BUCKET, s3.endpoint)).not.toContain(`${prefix}${ID}.dump`);
    return { error, prefix };
  }

  it('fails the write and aborts the upload when every part after the first gets a 500', async () => {
    const { error, prefix } = await failedWrite({
      status: 500,
      body: errorXml('InternalError', 'We encountered an internal error. Please try again.'),
    });
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toBe(
      `S3 request (UploadPart) for s3://${BUCKET}/${prefix}${ID}.dump failed with 500 InternalError (retried): run again; if it persists, check the service's status.`,
    );
  });

  it('fails the write and aborts the upload when the connection is cut during parts', async () => {
    const { error } = await failedWrite('destroy');
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toMatch(/^Lost the connection to http:\/\/127\.0\.0\.1:\d+ \(/);
  });

  it('fails the stream at once when the upload cannot start (no deadlock on backpressure)', async () => {
    const denying = await proxy((req) =>
      req.method === 'POST'
        ? { status: 403, body: errorXml('AccessDenied', 'Access Denied') }
        : 'pass',
    );
    const { store, prefix } = freshStore(denying.endpoint);
    const writer = await store.openWriter(`${ID}.dump`);
    const error = await rejection(write(writer, payload(60 * MiB).source()));
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain(
      `the AWS credentials lack s3:PutObject on s3://${BUCKET}/${prefix}`,
    );
    await writer.abort();
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([]);
  });

  it('drops If-None-Match for a service that rejects it (501) and still never overwrites', async () => {
    const strict = await proxy((req) =>
      req.headers['if-none-match']
        ? {
            status: 501,
            body: errorXml(
              'NotImplemented',
              'A header you provided implies functionality that is not implemented',
            ),
          }
        : 'pass',
    );
    const { store, prefix } = freshStore(strict.endpoint);
    await store.writeSmall(`${ID}.manifest.json`, '{}');
    const writer = await store.openWriter(`${ID}.dump`);
    const { data, source } = payload(10 * MiB);
    await write(writer, source());
    await writer.commit();
    expect(sha256(await downloaded(`${prefix}${ID}.dump`))).toBe(sha256(data));
    await expect(store.writeSmall(`${ID}.manifest.json`, '{}')).rejects.toThrow(/already exists/);
    const writes = strict.seen.filter((r) => r.startsWith('PUT') || r.startsWith('POST'));
    expect(writes[0]).toMatch(/^PUT .*manifest\.json.* \[If-None-Match\]$/);
    expect(writes[1]).toMatch(/^PUT .*manifest\.json\?x-id=PutObject$/);
    expect(writes.slice(2).filter((r) => r.includes('If-None-Match'))).toEqual([]);
    expect(writes).toEqual(expect.arrayContaining([expect.stringMatching(/^POST .*uploadId=/)]));
  });
});
