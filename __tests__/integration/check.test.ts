// The check command on real stores: a local directory and a local S3 (s3rver), holding manufactured
// manifests (serializeManifest) whose finishedAt is set against the run's fixed clock.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Manifest } from '../../src/catalog/manifest.js';
import { ActionError } from '../../src/errors.js';
import { checkWith, manifestOf, storedManifest } from '../helpers/check-kit.js';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../scripts/lib/s3-server.js';
import { warningsOf } from '../helpers/warnings.js';

const BUCKET = 'check-backups';
let s3: S3Server;
let client: S3Client;
let places = 0;
let summary: string | undefined;

beforeAll(async () => {
  Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  delete process.env.GITHUB_STEP_SUMMARY;
  s3 = await startS3Server([BUCKET]);
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

/** A fresh, empty storage place: its inputs and a way to put files there. */
interface Place {
  inputs: Record<string, string>;
  where: string;
  put(name: string, body: string): Promise<void>;
}

async function localPlace(): Promise<Place> {
  const dir = await mkdtemp(join(tmpdir(), 'check-local-'));
  return {
    inputs: { storage: dir },
    where: dir,
    put: (name, body) => writeFile(join(dir, name), body),
  };
}

function s3Place(): Promise<Place> {
  const prefix = `p${(places += 1)}/nightly/`;
  return Promise.resolve({
    inputs: {
      storage: `s3://${BUCKET}/${prefix}`,
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
    },
    where: `s3://${BUCKET}/${prefix}`,
    put: async (name, body) => {
      await client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}${name}`, Body: body }),
      );
    },
  });
}

async function holding(place: Place, ...manifests: Manifest[]): Promise<Place> {
  for (const m of manifests) {
    await place.put(m.object.key, 'stored bytes');
    await place.put(...storedManifest(m));
  }
  return place;
}

describe.each([
  ['a local directory', localPlace],
  ['S3 (s3rver)', s3Place],
])('check on %s', (_, newPlace) => {
  const check = (place: Place, extra: Record<string, string> = {}) =>
    checkWith({
      command: 'check',
      'max-age': '26h',
      'size-tolerance': '50',
      ...place.inputs,
      ...extra,
    });

  it('shows in the summary what changed between the newest two backups', async () => {
    const previous = manifestOf('app', 26, 4_000);
    const newest = {
      ...manifestOf('app', 2, 5_000),
      tables: [
        { schema: 'public', name: 'items', rows: 1_207 },
        { schema: 'public', name: 'coupons', rows: 0 },
      ],
      totalRows: 1_207,
    };
    const place = await holding(await newPlace(), previous, newest);
    // @actions/core keeps the first summary path it sees: one file for every case, emptied first.
    summary ??= join(await mkdtemp(join(tmpdir(), 'check-summary-')), 'summary.md');
    await writeFile(summary, '');
    process.env.GITHUB_STEP_SUMMARY = summary;
    try {
      const run = await check(place);
      expect(run.error).toBeUndefined();
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
    }
    const text = await readFile(summary, 'utf8');
    expect(text).toContain(
      `<td>Changes against the previous backup</td><td>items +1 204, schema not compared: 1 table added (public.coupons) (since ${previous.id})</td>`,
    );
    expect(text).toContain('<td>public.items</td><td>3</td><td>1207</td><td>+1 204</td>');
  });

  it('reports a fresh backup as healthy in the outputs', async () => {
    const newest = manifestOf('app', 2, 5_000);
    const place = await holding(await newPlace(), manifestOf('app', 26, 4_000), newest);
    const run = await check(place);
    expect(run.error).toBeUndefined();
    expect(run.outputs).toEqual({
      'backup-id': newest.id,
      age: String(2 * 3600),
      size: '5000',
      healthy: 'true',
      'verified-at': '',
      hold: '',
    });
  });

  it('fails a stale backup naming its age, when it finished and the limit', async () => {
    const newest = manifestOf('app', 49.25, 5_000);
    const place = await holding(await newPlace(), manifestOf('app', 73, 5_000), newest);
    const run = await check(place);
    expect(run.error).toBeInstanceOf(ActionError);
    expect(run.error?.message).toBe(
      `The newest backup ${newest.id} is 2d 1h old (finished ${newest.finishedAt}), older than max-age 26h.`,
    );
    expect(run.outputs).toMatchObject({ healthy: 'false', age: String(49.25 * 3600) });
  });

  it('fails a size drop beyond the tolerance naming both sizes', async () => {
    const place = await holding(
      await newPlace(),
      manifestOf('app', 25, 8 * 1024 * 1024),
      manifestOf('app', 1, 1024 * 1024),
    );
    const run = await check(place);
    expect(run.error?.message).toContain(
      '1.0 MiB (1048576 bytes), 87.5% smaller than the previous one',
    );
    expect(run.error?.message).toContain('(8.0 MiB (8388608 bytes)); size-tolerance is 50%.');
    expect(run.outputs).toMatchObject({ healthy: 'false', size: '1048576' });
  });

  it('does not check the size of the only backup', async () => {
    const only = manifestOf('app', 3, 1);
    const run = await check(await holding(await newPlace(), only));
    expect(run.outputs).toMatchObject({ 'backup-id': only.id, healthy: 'true' });
    expect(run.report?.health.sizeCheck).toEqual({ checked: false, reason: 'only one backup' });
  });

  it("ignores another label's backups in the same place", async () => {
    const mine = manifestOf('app', 3, 1000);
    const place = await holding(
      await newPlace(),
      manifestOf('app', 27, 1000),
      mine,
      manifestOf('app-archive', 1, 1),
      manifestOf('other', 0.5, 10_000_000),
    );
    const run = await check(place, { label: 'app' });
    expect(run.outputs).toMatchObject({ 'backup-id': mine.id, healthy: 'true', size: '1000' });
    expect(run.report?.previous?.label).toBe('app');
  });

  it('does not count a backup dated 30 days ahead as the fresh newest, and names it', async () => {
    const stale = manifestOf('app', 49.25, 5_000);
    const future = manifestOf('app', -30 * 24, 5_000);
    const place = await holding(await newPlace(), manifestOf('app', 73, 5_000), stale, future);
    const run = await warningsOf(() => check(place));
    expect(run.result?.error?.message).toContain(`The newest backup ${stale.id} is 2d 1h old`);
    expect(run.result?.outputs).toMatchObject({ 'backup-id': stale.id, healthy: 'false' });
    const named = run.warnings.filter((w) => w.includes(future.id));
    expect(named).toHaveLength(1);
    expect(named[0]).toContain('dated in the future');
  });

  it('refuses a manifest whose id is not its file name, with one warning', async () => {
    const previous = manifestOf('app', 3, 5_000);
    const renamed = manifestOf('app', 1, 5_000);
    const place = await holding(await newPlace(), previous);
    const file = `app-20261122T113000Z.manifest.json`;
    await place.put(file, storedManifest(renamed)[1]);
    const run = await warningsOf(() => check(place));
    expect(run.result?.outputs).toMatchObject({ 'backup-id': previous.id, healthy: 'true' });
    expect(run.warnings.filter((w) => w.includes(file))).toHaveLength(1);
    expect(run.warnings.join('\n')).toContain(`describes another backup (${renamed.id})`);
  });

  it('fails clearly when there is no backup, naming the place and the label', async () => {
    const place = await holding(await newPlace(), manifestOf('other', 1, 10));
    const run = await check(place, { label: 'app' });
    expect(run.error?.message).toContain(`No backup with label 'app' was found at ${place.where}`);
    expect(run.outputs).toEqual({ healthy: 'false' });
    const empty = await check(await newPlace());
    expect(empty.error?.message).toContain('No backup of any label was found at');
  });
});
