// verify, prune and check through the shipped bundle, as the runner runs it: a real server, a real
// storage directory, three real backups.
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction, visibleLog } from '../helpers/action-process.js';
import { loadSample } from '../helpers/db-compare.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';

let cluster: PgCluster;
let dir: string;
const ids: string[] = [];

beforeAll(async () => {
  cluster = await startCluster(18);
  await loadSample(cluster, 'app');
  dir = await mkdtemp(join(tmpdir(), 'e2e-vpc-'));
  for (let i = 0; i < 3; i += 1) {
    const run = await runAction({ 'database-url': cluster.url('app'), storage: dir });
    expect(run.errors).toEqual([]);
    ids.push(run.outputs['backup-id'] ?? '');
  }
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
});

const manifests = async () => (await readdir(dir)).filter((n) => n.endsWith('.manifest.json'));

describe('verify, prune and check with dist/index.js', () => {
  it('verifies the latest backup with a restore drill that leaves no database behind', async () => {
    const run = await runAction({
      command: 'verify',
      storage: dir,
      'target-database-url': cluster.url('drill'),
    });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs['backup-id']).toBe(ids[2]);
    expect(run.outputs.verified).toBe('true');
    expect(Number(run.outputs.rows)).toBeGreaterThan(0);
    expect(Number(run.outputs.duration)).toBeGreaterThan(0);
    const left = await cluster.psql("SELECT count(*) FROM pg_database WHERE datname = 'drill'");
    expect(left.trim()).toBe('0');
    expect(visibleLog(run)).not.toContain(cluster.password);
  });

  it('checks freshness: healthy within max-age, failing with one line when the limit is shorter', async () => {
    const healthy = await runAction({ command: 'check', storage: dir, 'max-age': '26h' });
    expect(healthy.errors).toEqual([]);
    expect(healthy.outputs.healthy).toBe('true');
    expect(healthy.outputs['backup-id']).toBe(ids[2]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const late = await runAction({ command: 'check', storage: dir, 'max-age': '1s' });
    expect(late.code).toBe(1);
    expect(late.errors).toHaveLength(1);
    expect(late.outputs.healthy).toBe('false');
    expect(late.errors[0]).toMatch(/max-age|1 ?s/);
  });

  it('reads every duration input in one grammar: months, years and m as minutes', async () => {
    const check = await runAction({
      command: 'check',
      storage: dir,
      'max-age': '1mo',
      'max-unverified-age': '1y2w',
    });
    expect(check.errors).toEqual([]);
    expect(check.outputs.healthy).toBe('true');
    for (const within of ['90m', '1mo', '1y']) {
      const dry = await runAction({
        command: 'prune',
        storage: dir,
        'keep-within': within,
        'dry-run': 'true',
      });
      expect(dry.errors).toEqual([]);
      expect(JSON.parse(dry.outputs.pruned ?? '')).toEqual([]);
      expect(JSON.parse(dry.outputs.kept ?? '[]')).toHaveLength(3);
    }
    const refused = await runAction({ command: 'check', storage: dir, 'max-age': '1M' });
    expect(refused.code).toBe(1);
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors[0]).toMatch(
      /Input 'max-age': '1M' is not a duration: .*mo \(calendar months\), y \(years\)/,
    );
  });

  it('prunes with a dry run first (nothing deleted), then keeps the newest only', async () => {
    const dry = await runAction({
      command: 'prune',
      storage: dir,
      'keep-last': '1',
      'dry-run': 'true',
    });
    expect(dry.errors).toEqual([]);
    expect((JSON.parse(dry.outputs.pruned ?? '[]') as string[]).sort()).toEqual(
      [ids[0], ids[1]].sort(),
    );
    expect(await manifests()).toHaveLength(3);
    const real = await runAction({ command: 'prune', storage: dir, 'keep-last': '1' });
    expect(real.errors).toEqual([]);
    expect(JSON.parse(real.outputs.kept ?? '[]')).toEqual([ids[2]]);
    expect(await manifests()).toEqual([`${ids[2]}.manifest.json`]);
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
