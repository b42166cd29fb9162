import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { ActionError } from '../../../src/errors.js';
import { S3Writer } from '../../../src/storage/s3-writer.js';

const P = 5 * 1024 * 1024;

interface Sent {
  name: string;
  input: Record<string, unknown>;
}

/** A client that records each command and answers after `delayMs` (parts: `partMs`). */
function fakeClient(partMs = 0, fail?: (s: Sent) => boolean) {
  const sent: Sent[] = [];
  let inFlight = 0;
  let most = 0;
  const client = {
    config: { requestChecksumCalculation: () => Promise.resolve('WHEN_REQUIRED') },
    send: async (command: { input: Record<string, unknown> }) => {
      const s = { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
      sent.push(s);
      most = Math.max(most, (inFlight += 1));
      await new Promise((r) => setTimeout(r, s.name === 'UploadPart' ? partMs : 0));
      inFlight -= 1;
      if (fail?.(s)) throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
      if (s.name === 'CreateMultipartUpload') return { UploadId: 'u1' };
      if (s.name === 'UploadPart')
        return {
          ETag: `"e${String(s.input.PartNumber)}"`,
          ChecksumCRC32: `c${String(s.input.PartNumber)}`,
        };
      return {};
    },
  };
  return { client: client as unknown as S3Client, sent, most: () => most };
}

function writerOf(client: S3Client, params: Record<string, unknown> = {}) {
  return new S3Writer({
    client,
    params: { Bucket: 'b', Key: 'k', IfNoneMatch: '*', ...params },
    partSize: P,
    location: 's3://b/k',
    ensureAbsent: () => Promise.resolve(),
    fail: (error) => new ActionError(`failed: ${String(error)}`),
  });
}

/** `size` bytes in chunks of odd sizes. */
function source(size: number): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0, i = 0; at < size; i += 1) {
        const n = Math.min(size - at, [1, 65_537, 333_333, 7][i % 4] ?? 1);
        yield Buffer.alloc(n, at % 251);
        at += n;
      }
    })(),
  );
}

describe('S3Writer', () => {
  it('sends one PutObject with its length at commit for an object of at most one part', async () => {
    for (const size of [0, 10, P]) {
      const { client, sent } = fakeClient();
      const writer = writerOf(client);
      await pipeline(source(size), writer.stream);
      expect(sent).toEqual([]);
      await writer.commit();
      expect(sent.map((s) => s.name)).toEqual(['PutObject']);
      expect(sent[0]?.input).toMatchObject({ Key: 'k', IfNoneMatch: '*', ContentLength: size });
      expect((sent[0]?.input.Body as Buffer).length).toBe(size);
    }
  });

  it('uploads parts as they fill and completes at commit, parts in order with checksums', async () => {
    const { client, sent } = fakeClient(5);
    const writer = writerOf(client, { ChecksumAlgorithm: 'CRC32', ObjectLockMode: 'COMPLIANCE' });
    await pipeline(source(3 * P + 12_345), writer.stream);
    expect(sent.map((s) => s.name)).toEqual([
      'CreateMultipartUpload',
      ...Array(3).fill('UploadPart'),
    ]);
    await writer.commit();
    const parts = sent.filter((s) => s.name === 'UploadPart').map((s) => s.input);
    expect(parts.map((p) => [p.PartNumber, p.ContentLength, p.ChecksumAlgorithm])).toEqual([
      [1, P, 'CRC32'],
      [2, P, 'CRC32'],
      [3, P, 'CRC32'],
      [4, 12_345, 'CRC32'],
    ]);
    expect(sent[0]?.input).toMatchObject({
      ObjectLockMode: 'COMPLIANCE',
      ChecksumAlgorithm: 'CRC32',
    });
    const complete = sent.at(-1);
    expect(complete?.name).toBe('CompleteMultipartUpload');
    expect(complete?.input).toMatchObject({
      UploadId: 'u1',
      IfNoneMatch: '*',
      MultipartUpload: {
        Parts: [1, 2, 3, 4].map((n) => ({
          PartNumber: n,
          ETag: `"e${n}"`,
          ChecksumCRC32: `c${n}`,
        })),
      },
    });
  });

  it('holds the producer back with a bounded number of buffers when parts upload slowly', async () => {
    const { client, most } = fakeClient(40);
    const writer = writerOf(client);
    await pipeline(source(20 * P), writer.stream);
    await writer.commit();
    expect(most()).toBeGreaterThan(1); // slots were added: the upload was the bottleneck
    expect(most()).toBeLessThanOrEqual(4);
    expect(writer.buffers).toBeLessThanOrEqual(most() + 1);
  });

  it('keeps one part in flight and two buffers when parts upload faster than they arrive', async () => {
    const { client, most } = fakeClient(0);
    const writer = writerOf(client);
    const slow = Readable.from(
      (async function* () {
        for (let i = 0; i < 4 * 16; i += 1) {
          await new Promise((r) => setTimeout(r, 2));
          yield Buffer.alloc(P / 16);
        }
      })(),
    );
    await pipeline(slow, writer.stream);
    await writer.commit();
    expect(most()).toBe(1);
    expect(writer.buffers).toBe(2);
  });

  it('fails the stream when a part fails, and abort removes the upload', async () => {
    const { client, sent } = fakeClient(1, (s) => s.input.PartNumber === 2);
    const writer = writerOf(client);
    await expect(pipeline(source(6 * P), writer.stream)).rejects.toThrow('failed: AccessDenied');
    await writer.abort();
    expect(sent.filter((s) => s.name === 'AbortMultipartUpload')).toHaveLength(2);
    expect(sent.map((s) => s.name)).not.toContain('CompleteMultipartUpload');
  });
});

/**
 * A service that applies each request when it arrives and answers after `answerMs`; a request
 * whose abort signal fires before the answer fails on the client (the service applied it anyway).
 */
function lateAnswers(answerMs: number, createMs = 0) {
  const objects = new Set<string>();
  const uploads = new Set<string>();
  const client = {
    config: { requestChecksumCalculation: () => Promise.resolve('WHEN_REQUIRED') },
    send: async (
      command: { input: Record<string, unknown> },
      options?: { abortSignal?: AbortSignal },
    ) => {
      const name = command.constructor.name.replace(/Command$/, '');
      const key = String(command.input.Key);
      const signal = options?.abortSignal;
      signal?.throwIfAborted();
      if (name === 'CreateMultipartUpload') {
        await new Promise((r) => setTimeout(r, createMs));
        uploads.add('u1');
        return { UploadId: 'u1' };
      }
      if (name === 'AbortMultipartUpload') uploads.delete('u1');
      if (name === 'DeleteObject') objects.delete(key);
      if (name === 'PutObject') objects.add(key);
      if (name === 'CompleteMultipartUpload' && uploads.delete('u1')) objects.add(key);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, name === 'UploadPart' ? 0 : answerMs);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      });
      return name === 'UploadPart' ? { ETag: '"e"' } : {};
    },
  };
  return { client: client as unknown as S3Client, objects, uploads };
}

describe('S3Writer abort', () => {
  for (const [what, size] of [
    ['PutObject', 10],
    ['CompleteMultipartUpload', 2 * P + 1],
  ] as const)
    it(`leaves no object when abort() comes while the ${what} of commit() is answered`, async () => {
      const { client, objects, uploads } = lateAnswers(100);
      const writer = writerOf(client);
      await pipeline(source(size), writer.stream);
      const commit = writer.commit();
      commit.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 30)); // the service has applied the request
      await writer.abort();
      await expect(commit).rejects.toThrow();
      expect([...objects]).toEqual([]);
      expect([...uploads]).toEqual([]);
    });

  it('leaves no multipart upload when CreateMultipartUpload answers after abort() waited', async () => {
    const { client, uploads } = lateAnswers(0, 6_000);
    const writer = writerOf(client);
    const writing = pipeline(source(2 * P + 1), writer.stream);
    writing.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    await writer.abort();
    await new Promise((r) => setTimeout(r, 1_500));
    expect([...uploads]).toEqual([]);
  }, 15_000);
});
