// S3Writer's own multipart upload against the real local S3 (s3rver), read back with the AWS CLI:
// chunks of odd sizes across part boundaries, an object below one part, Object Lock parameters
// with their checksums, and a part that fails for good halfway (nothing left behind).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ActionError } from '../../src/errors.js';
import { S3Store } from '../../src/storage/s3.js';
import {
  awsCli,
  listedKeys,
  pendingUploads,
  S3_CREDENTIALS,
  startS3Server,
  type S3Server,
} from '../../scripts/lib/s3-server.js';
import { errorXml, isUploadPart, startS3Proxy, type S3Proxy } from '../helpers/s3-fault-proxy.js';

const BUCKET = 'parts';
const MiB = 1024 * 1024;
const ID = 'app-20261207T020000Z';
let s3: S3Server;
const proxies: S3Proxy[] = [];
let prefixes = 0;

beforeAll(async () => {
  Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  s3 = await startS3Server([BUCKET]);
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await s3?.stop();
});

/** A store at a fresh prefix, through a recording proxy that `decide`s each request's fate. */
async function proxiedStore(
  decide: Parameters<typeof startS3Proxy>[1] = () => 'pass',
  lock = false,
): Promise<{ store: S3Store; prefix: string; proxy: S3Proxy }> {
  const proxy = await startS3Proxy(s3.endpoint, decide);
  proxies.push(proxy);
  const prefix = `p${(prefixes += 1)}/`;
  const retention = { mode: 'GOVERNANCE' as const, retainUntil: '2099-01-01T00:00:00.000Z' };
  const store = new S3Store(
    { bucket: BUCKET, prefix },
    { endpoint: proxy.endpoint, forcePathStyle: true, checksum: 'auto' },
    {},
    () => (lock ? retention : undefined),
  );
  return { store, prefix, proxy };
}

/** `data` in chunks of odd sizes (1 byte to ~1 MiB), none aligned with a part. */
function oddChunks(data: Buffer): Readable {
  const sizes = [1, 65_537, 1_000_003, 7, 333_331];
  return Readable.from(
    (function* () {
      for (let at = 0, i = 0; at < data.length; i += 1) {
        const n = sizes[i % sizes.length] ?? 1;
        yield data.subarray(at, at + n);
        at += n;
      }
    })(),
  );
}

async function downloaded(key: string): Promise<Buffer> {
  const file = join(await mkdtemp(join(tmpdir(), 's3-parts-')), 'object');
  const run = await awsCli(['s3', 'cp', `s3://${BUCKET}/${key}`, file], s3.endpoint);
  expect(run.code).toBe(0);
  return readFile(file);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('S3Writer against s3rver', () => {
  it('uploads an object of several parts from odd chunks; it reads back byte-equal', async () => {
    const { store, prefix, proxy } = await proxiedStore();
    const data = randomBytes(3 * 8 * MiB + 54_321);
    const writer = await store.openWriter(`${ID}.dump`);
    await pipeline(oddChunks(data), writer.stream);
    await writer.commit();
    const parts = proxy.seen.filter((r) => /^PUT .*partNumber=/.test(r));
    expect(parts).toHaveLength(4);
    expect(proxy.seen.filter((r) => /^POST .*uploadId=/.test(r))).toEqual([
      expect.stringMatching(/ \[If-None-Match\]$/),
    ]);
    expect(sha256(await downloaded(`${prefix}${ID}.dump`))).toBe(sha256(data));
    expect(await pendingUploads(BUCKET, s3.endpoint)).toEqual([]);
  });

  it('writes an object of exactly one part, and one below, each with one PutObject', async () => {
    for (const size of [8 * MiB, 3 * MiB + 1]) {
      const { store, prefix, proxy } = await proxiedStore();
      const data = randomBytes(size);
      const writer = await store.openWriter(`${ID}.dump`);
      await pipeline(oddChunks(data), writer.stream);
      await writer.commit();
      expect(proxy.seen.filter((r) => r.startsWith('PUT') || r.startsWith('POST'))).toEqual([
        expect.stringMatching(/^PUT .*\.dump\?x-id=PutObject \[If-None-Match\]$/),
      ]);
      expect(sha256(await downloaded(`${prefix}${ID}.dump`))).toBe(sha256(data));
    }
  });

  it('sends the Object Lock parameters and a CRC32 checksum with every part', async () => {
    const headers: Record<string, string | string[] | undefined>[] = [];
    const { store, prefix } = await proxiedStore((req) => {
      if (req.method === 'PUT' || req.method === 'POST')
        headers.push({ url: req.url, ...req.headers });
      return 'pass';
    }, true);
    const data = randomBytes(2 * 8 * MiB + 99);
    const writer = await store.openWriter(`${ID}.dump`);
    await pipeline(oddChunks(data), writer.stream);
    await writer.commit();
    const create = headers.find((h) => /[?&]uploads/.test(String(h.url)));
    expect(create).toMatchObject({
      'x-amz-object-lock-mode': 'GOVERNANCE',
      'x-amz-checksum-algorithm': 'CRC32',
    });
    const parts = headers.filter((h) => /partNumber=/.test(String(h.url)));
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part['x-amz-checksum-crc32']).toEqual(expect.any(String));
    expect(sha256(await downloaded(`${prefix}${ID}.dump`))).toBe(sha256(data));
  });

  it('a part refused for good halfway fails the write; abort leaves no object, no upload', async () => {
    let parts = 0;
    const { store, prefix, proxy } = await proxiedStore((req) =>
      isUploadPart(req) && (parts += 1) >= 3
        ? { status: 403, body: errorXml('AccessDenied', 'Access Denied') }
        : 'pass',
    );
    const writer = await store.openWriter(`${ID}.dump`);
    const failed = pipeline(oddChunks(randomBytes(6 * 8 * MiB)), writer.stream).then(() =>
      writer.commit(),
    );
    const error = await failed.then(
      () => new Error('expected a failure'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActionError);
    expect((error as Error).message).toContain('lack s3:PutObject');
    await writer.abort();
    expect(proxy.seen.some((r) => /^DELETE .*uploadId=/.test(r))).toBe(true);
    expect(proxy.seen.filter((r) => /^POST .*uploadId=/.test(r))).toEqual([]);
    expect(await listedKeys(BUCKET, prefix, s3.endpoint)).toEqual([]);
    expect(await pendingUploads(BUCKET, s3.endpoint)).toEqual([]);
  });
});
