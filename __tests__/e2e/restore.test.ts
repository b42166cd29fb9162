import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction, visibleLog } from '../helpers/action-process.js';
import { loadSample, tableRowCounts } from '../helpers/db-compare.js';
import {
  availableMajors,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';

const newer = (availableMajors().includes(18) ? 18 : 15) as ServerMajor;
const older = 15 as ServerMajor;
let source: PgCluster;
let target: PgCluster;
let dir: string;

beforeAll(async () => {
  source = await startCluster(newer);
  target = newer === older ? source : await startCluster(older);
  await loadSample(source, 'app');
  dir = await mkdtemp(join(tmpdir(), 'e2e-restore-'));
  const backup = await runAction({ 'database-url': source.url('app'), storage: dir });
  expect(backup.code).toBe(0);
}, 180_000);

afterAll(async () => {
  await source?.stop();
  if (target !== source) await target?.stop();
});

describe('restore with dist/index.js as the runner runs it', () => {
  it('restores the latest backup into a new database on an older server and proves the rows', async () => {
    const run = await runAction({
      command: 'restore',
      'target-database-url': target.url('restored'),
      storage: dir,
    });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs['backup-id']).toMatch(/^app-\d{8}T\d{6}Z$/);
    expect(run.outputs.verified).toBe('true');
    const counts = await tableRowCounts(target, 'restored');
    expect(Number(run.outputs.rows)).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
    expect(Number(run.outputs.tables)).toBe(Object.keys(counts).length);
    expect(Number(run.outputs.duration)).toBeGreaterThan(0);
    expect(run.summary).toContain('PostgreSQL restore of');
    expect(visibleLog(run)).not.toContain(target.password);
    if (newer >= 17 && older < 17) {
      expect(run.stdout).toMatch(/::warning::.*does not know the setting 'transaction_timeout'/);
    }
  });

  it('refuses a non-empty target with one error line and leaves it unchanged', async () => {
    await target.createDatabase('occupied');
    await target.psql(
      'CREATE TABLE precious (x int); INSERT INTO precious VALUES (42)',
      'occupied',
    );
    const run = await runAction({
      command: 'restore',
      'target-database-url': target.url('occupied'),
      storage: dir,
    });
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/already has 1 user table; nothing was changed/);
    expect(await tableRowCounts(target, 'occupied')).toEqual({ 'public.precious': 1 });
  });

  it('fails clearly when no backup matches', async () => {
    const run = await runAction({
      command: 'restore',
      'target-database-url': target.url('none'),
      storage: dir,
      backup: '2001-01-01T00:00:00Z',
    });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toMatch(
      /No backup with label 'app' .* matches backup: 2001-01-01T00:00:00.000Z/,
    );
  });
});
