// A backup dated in the future (a runner with a wrong clock, or a copy under a later name) beside
// real ones, with a real PostgreSQL and a real directory: retention after a real backup neither
// anchors on it nor deletes it nor deletes the run's own backup, and `restore latest` passes it over.
// A run whose own clock is ahead writes such a backup to S3 (s3rver): it applies no retention there.
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalStore } from '../../src/storage/local.js';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import { manufacture, seed, type Manufactured } from '../helpers/manufactured-backups.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { s3Location, storeAt } from '../helpers/prune-locations.js';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../scripts/lib/s3-server.js';
import { warningsOf } from '../helpers/warnings.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BUCKET = 'future';
let cluster: PgCluster;
let s3: S3Server;

beforeAll(async () => {
  Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  s3 = await startS3Server([BUCKET]);
  cluster = await startCluster(15);
  await cluster.createDatabase('app');
  await cluster.psql(
    'CREATE TABLE t (i int); INSERT INTO t SELECT generate_series(1, 100);',
    'app',
  );
  process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'future-out-')), 'output');
  delete process.env.GITHUB_STEP_SUMMARY;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await s3?.stop();
});

/** 40 daily backups of `app` before now (23 h, 47 h, … ago) and one 30 days ahead. */
async function seededWithFuture(): Promise<{
  dir: string;
  past: Manufactured[];
  future: Manufactured;
}> {
  const now = Date.now();
  const past = Array.from({ length: 40 }, (_, i) =>
    manufacture('app', new Date(now - (i + 1) * DAY + HOUR)),
  );
  const future = manufacture('app', new Date(now + 30 * DAY));
  const dir = await mkdtemp(join(tmpdir(), 'future-store-'));
  await seed(new LocalStore(dir), [...past, future]);
  return { dir, past, future };
}

describe('a future-dated backup', () => {
  it('is neither the anchor of keep-within nor deleted, and the new backup stays', async () => {
    const { dir, past, future } = await seededWithFuture();
    const run = await warningsOf(() =>
      backupWith({ 'database-url': cluster.url('app'), storage: dir, 'keep-within': '7d' }),
    );
    const report = run.result;
    expect(run.error).toBeUndefined();
    const own = report?.manifest.id ?? '';
    // Kept: the new backup, the 7 of the last 7 days, the future one (with a warning).
    expect(report?.pruned).toHaveLength(33);
    expect([...(report?.pruned ?? [])].sort()).toEqual(
      past
        .slice(7)
        .map((b) => b.manifest.id)
        .sort(),
    );
    expect(await stat(report?.locations[0] ?? '')).toBeTruthy();
    const left = (await readdir(dir)).filter((f) => f.endsWith('.manifest.json')).sort();
    expect(left).toEqual(
      [own, future.manifest.id, ...past.slice(0, 7).map((b) => b.manifest.id)]
        .map((id) => `${id}.manifest.json`)
        .sort(),
    );
    const named = run.warnings.filter((w) => w.includes(future.manifest.id));
    expect(named.filter((w) => w.includes('Retention kept it'))).toHaveLength(1);
    expect(named.every((w) => w.includes('dated in the future'))).toBe(true);
  });

  it('is passed over by restore latest, with a warning naming it', async () => {
    const { dir, future } = await seededWithFuture();
    const backup = await backupWith({ 'database-url': cluster.url('app'), storage: dir });
    const run = await warningsOf(() =>
      restoreWith({ 'target-database-url': cluster.url('copy_latest'), storage: dir }),
    );
    expect(run.error).toBeUndefined();
    expect(run.result?.manifest.id).toBe(backup.manifest.id);
    expect(run.warnings.some((w) => w.includes(future.manifest.id))).toBe(true);
  });

  it('is what a run with a clock 30 days ahead writes: it applies no retention there', async () => {
    const location = s3Location(BUCKET, s3.endpoint);
    const now = Date.now();
    const past = Array.from({ length: 40 }, (_, i) =>
      manufacture('app', new Date(now - (i + 1) * DAY + HOUR)),
    );
    await seed(storeAt(location), past);
    const ahead = () => new Date(Date.now() + 30 * DAY);
    const inputs = { 'database-url': cluster.url('app'), 'keep-within': '7d', ...location.inputs };
    const run = await warningsOf(() => backupWith(inputs, ahead));
    expect(run.error).toBeUndefined();
    expect(run.result?.pruned).toEqual([]);
    const manifests = (await location.files()).filter((f) => f.endsWith('.manifest.json'));
    expect(manifests).toHaveLength(41);
    expect(run.warnings.filter((w) => w.includes('Retention was not applied'))).toHaveLength(1);
  });
});
