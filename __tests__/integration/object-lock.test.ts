// S3 Object Lock on s3rver (which does not enforce it): a recording proxy shows the lock headers and a
// checksum on every request that writes an object of the backup, none on the claim; the stored bytes
// still match the manifest. Prune through a proxy that refuses to delete locked objects (as S3 does)
// keeps the locked backups without trying, reports them in `locked`, and succeeds.
import type { IncomingMessage } from 'node:http';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupWith } from '../helpers/command-run.js';
import { parseFileCommand } from '../../scripts/lib/action-env.js';
import { manufacture, seed } from '../helpers/manufactured-backups.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { pruneAt, s3Location, storeAt } from '../helpers/prune-locations.js';
import {
  awsCli,
  S3_CREDENTIALS,
  startS3Server,
  type S3Server,
} from '../../scripts/lib/s3-server.js';
import { errorXml, startS3Proxy } from '../helpers/s3-fault-proxy.js';

const BUCKET = 'locked';
let s3: S3Server;
let cluster: PgCluster;

beforeAll(async () => {
  Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'lock-out-')), 'output');
  delete process.env.GITHUB_STEP_SUMMARY;
  s3 = await startS3Server([BUCKET]);
  cluster = await startCluster(15);
  await cluster.createDatabase('app');
  await cluster.psql(
    'CREATE TABLE t (i int); INSERT INTO t SELECT generate_series(1, 5000);',
    'app',
  );
  // Big enough for a multipart upload (parts of 8 MiB): its parts must carry checksums too.
  await cluster.createDatabase('big');
  await cluster.psql(
    'CREATE TABLE t (s text); INSERT INTO t SELECT md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 400000) g;',
    'big',
  );
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await s3?.stop();
});

/** A request that writes, as the proxy saw it: its target and the headers that matter here. */
interface Write {
  request: string;
  mode?: string;
  retainUntil?: string;
  checksum?: string;
}

function recorded(req: IncomingMessage): Write {
  const h = req.headers;
  // S3 wants Content-MD5 or a checksum: x-amz-sdk-checksum-algorithm with the value itself
  // (x-amz-checksum-crc32) or announced as a trailer (x-amz-trailer).
  const value = Object.keys(h).find((k) =>
    /^(x-amz-checksum-crc32|x-amz-trailer|content-md5)$/.test(k),
  );
  const announced = value === 'content-md5' || h['x-amz-sdk-checksum-algorithm'] !== undefined;
  // CreateMultipartUpload has no body: it names the algorithm every part then carries.
  const create = /[?&]uploads(=|&|$)/.test(req.url ?? '') && h['x-amz-checksum-algorithm'];
  const checksum = create ? 'x-amz-checksum-algorithm' : value && announced ? value : undefined;
  return {
    request: `${req.method} ${req.url}`,
    mode: h['x-amz-object-lock-mode'] as string | undefined,
    retainUntil: h['x-amz-object-lock-retain-until-date'] as string | undefined,
    checksum,
  };
}

describe('a backup with s3-object-lock-mode and s3-object-lock-days', () => {
  it.each(['app', 'big'])(
    'sends the lock and a checksum with every object of the backup, none with the claim (%s)',
    async (database) => {
      const writes: Write[] = [];
      const proxy = await startS3Proxy(s3.endpoint, (req) => {
        if (req.method === 'PUT' || req.method === 'POST') writes.push(recorded(req));
        return 'pass';
      });
      try {
        const report = await backupWith({
          'database-url': cluster.url(database),
          storage: `s3://${BUCKET}/nightly/`,
          compression: 'none',
          's3-endpoint': proxy.endpoint,
          's3-force-path-style': 'true',
          's3-object-lock-mode': 'COMPLIANCE',
          's3-object-lock-days': '30',
        });
        const m = report.manifest;
        const until = new Date(Date.parse(m.createdAt.replace(/\.\d{3}Z$/, 'Z')) + 30 * 86_400_000);
        expect(m.lock).toEqual({ mode: 'COMPLIANCE', retainUntil: until.toISOString() });
        const objects = writes.filter((w) => !w.request.includes('.claim'));
        const completes = objects.filter(
          (w) => /[?&]uploadId=/.test(w.request) && w.request.startsWith('POST'),
        );
        const parts = objects.filter((w) => /[?&]partNumber=/.test(w.request));
        const creates = objects.filter((w) => !completes.includes(w) && !parts.includes(w));
        // Data object, recovery document and manifest: created with the lock and a checksum.
        expect(creates.map((w) => w.request.replace(/\?.*$/, '').split('/').pop())).toEqual(
          expect.arrayContaining([m.object.key, `${m.id}.recovery.md`, `${m.id}.manifest.json`]),
        );
        for (const w of creates) {
          expect(w).toMatchObject({ mode: 'COMPLIANCE', checksum: expect.any(String) });
          expect(new Date(w.retainUntil ?? '').toISOString()).toBe(until.toISOString());
        }
        for (const w of parts) expect(w.checksum).toEqual(expect.any(String));
        if (database === 'big') expect(parts.length).toBeGreaterThan(1);
        for (const w of writes.filter((x) => x.request.includes('.claim')))
          expect(w.mode).toBeUndefined();
        // The bytes as stored still match the manifest (no checksum trailer in the body).
        const copy = await mkdtemp(join(tmpdir(), 'lock-copy-'));
        const got = await awsCli(
          ['s3', 'cp', `s3://${BUCKET}/nightly/${m.object.key}`, copy],
          s3.endpoint,
        );
        expect(got.code).toBe(0);
        const { createHash } = await import('node:crypto');
        const bytes = await readFile(join(copy, m.object.key));
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.object.sha256);
      } finally {
        await proxy.stop();
      }
    },
    120_000,
  );

  it('refuses a mode without days, days without a mode, and a lock without an s3:// location', async () => {
    const base = { 'database-url': cluster.url('app'), storage: `s3://${BUCKET}/x/` };
    await expect(backupWith({ ...base, 's3-object-lock-mode': 'GOVERNANCE' })).rejects.toThrow(
      /s3-object-lock-days/,
    );
    await expect(backupWith({ ...base, 's3-object-lock-days': '7' })).rejects.toThrow(
      /s3-object-lock-mode/,
    );
    const dir = await mkdtemp(join(tmpdir(), 'lock-dir-'));
    await expect(
      backupWith({
        ...base,
        storage: dir,
        's3-object-lock-mode': 'GOVERNANCE',
        's3-object-lock-days': '7',
      }),
    ).rejects.toThrow(/needs an s3:\/\/ storage location/);
  });
});

describe('prune of locked backups', () => {
  it('keeps them without trying to delete, reports them in locked, and succeeds', async () => {
    const day = 86_400_000;
    const now = new Date('2026-03-01T00:00:00Z');
    const backups = Array.from({ length: 6 }, (_, i) => {
      const b = manufacture('app', new Date(now.getTime() - (6 - i) * day));
      // The two oldest were written with a lock that still holds.
      if (i < 2) {
        b.manifest.lock = {
          mode: 'GOVERNANCE',
          retainUntil: new Date(now.getTime() + day).toISOString(),
        };
      }
      return b;
    });
    const lockedKeys = backups.slice(0, 2).flatMap((b) => [b.dataFile, b.manifestFile]);
    const deletes: string[] = [];
    const proxy = await startS3Proxy(s3.endpoint, (req) => {
      const target = req.url ?? '';
      if (req.method === 'DELETE' || (req.method === 'POST' && /[?&]delete/.test(target))) {
        deletes.push(`${req.method} ${target}`);
        if (lockedKeys.some((k) => target.includes(k)))
          return {
            status: 403,
            body: errorXml(
              'AccessDenied',
              'Access Denied because object protected by object lock.',
            ),
          };
      }
      return 'pass';
    });
    try {
      const place = s3Location(BUCKET, s3.endpoint, proxy.endpoint);
      const store = storeAt({ ...place, inputs: { ...place.inputs, 's3-endpoint': s3.endpoint } });
      await seed(store, backups);
      process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'lock-prune-')), 'output');
      await writeFile(process.env.GITHUB_OUTPUT, '');
      const report = await pruneAt(place, { 'keep-last': '2' }, { now: () => now });
      const ids = backups.map((b) => b.manifest.id);
      expect(report.locked).toEqual([ids[1], ids[0]]);
      expect(report.pruned).toEqual([ids[2], ids[3]]);
      for (const key of lockedKeys) expect(deletes.join('\n')).not.toContain(key);
      const outputs = parseFileCommand(await readFile(process.env.GITHUB_OUTPUT, 'utf8'));
      expect(JSON.parse(outputs.locked ?? '')).toEqual([ids[1], ids[0]]);
      expect(await place.files()).toEqual(
        expect.arrayContaining([...lockedKeys, ...backups.slice(4).map((b) => b.manifestFile)]),
      );
    } finally {
      await proxy.stop();
    }
  }, 120_000);
});
