import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import { loadSample, schemaDump, tableRowCounts } from '../helpers/db-compare.js';
import { startCluster, type PgCluster, type ServerMajor } from '../../scripts/lib/pg-cluster.js';

// Every major must be there (.ci/run provisions them): a missing server fails the suite.
const majors: ServerMajor[] = [13, 15, 17, 18];
const clusters = new Map<number, PgCluster>();
const stores = new Map<number, string>();

beforeAll(async () => {
  for (const major of majors) {
    const cluster = await startCluster(major);
    clusters.set(major, cluster);
    await loadSample(cluster, 'app');
    const dir = await mkdtemp(join(tmpdir(), `restore-store-${major}-`));
    stores.set(major, dir);
    await backupWith({ 'database-url': cluster.url('app'), storage: dir });
  }
}, 300_000);

afterAll(async () => {
  await Promise.all([...clusters.values()].map((c) => c.stop()));
});

const get = (major: number) => ({
  cluster: clusters.get(major) as PgCluster,
  dir: stores.get(major) as string,
});
const databaseExists = async (c: PgCluster, db: string) =>
  (await c.psql(`SELECT count(*) FROM pg_database WHERE datname = '${db}'`)).trim() === '1';

describe.each(majors)('restore on PostgreSQL %i', (major) => {
  it('creates the target, restores, and proves the rows and the schema came back', async () => {
    const { cluster, dir } = get(major);
    const report = await restoreWith({ 'target-database-url': cluster.url('copy'), storage: dir });
    expect(report.comparison.compared).toBe(true);
    expect(report.comparison.mismatches).toEqual([]);
    expect(await tableRowCounts(cluster, 'copy')).toEqual(await tableRowCounts(cluster, 'app'));
    expect(await schemaDump(cluster, 'copy')).toEqual(await schemaDump(cluster, 'app'));
  });
});

describe('restore safety and selection', () => {
  const major = majors.includes(17) ? 17 : (majors[0] as number);

  it('refuses a target with user tables and leaves it unchanged', async () => {
    const { cluster, dir } = get(major);
    await cluster.createDatabase('busy');
    await cluster.psql('CREATE TABLE keep_me (x int); INSERT INTO keep_me VALUES (1), (2)', 'busy');
    await expect(
      restoreWith({ 'target-database-url': cluster.url('busy'), storage: dir }),
    ).rejects.toThrow(/already has 1 user table; nothing was changed/);
    await expect(
      restoreWith({
        'target-database-url': cluster.url('busy'),
        storage: dir,
        overwrite: 'true',
        confirm: 'other',
      }),
    ).rejects.toThrow(/set confirm to exactly that database name/);
    expect(await tableRowCounts(cluster, 'busy')).toEqual({ 'public.keep_me': 2 });
  });

  it('overwrites with overwrite and confirm, dropping the archive objects first', async () => {
    const { cluster, dir } = get(major);
    await restoreWith({ 'target-database-url': cluster.url('twice'), storage: dir });
    await cluster.psql('DELETE FROM app.orders WHERE id % 2 = 0', 'twice');
    const report = await restoreWith({
      'target-database-url': cluster.url('twice'),
      storage: dir,
      overwrite: 'true',
      confirm: 'twice',
    });
    expect(report.comparison.mismatches).toEqual([]);
    expect(await tableRowCounts(cluster, 'twice')).toEqual(await tableRowCounts(cluster, 'app'));
  });

  it('refuses a corrupted object before the target is created', async () => {
    const { cluster, dir } = get(major);
    const bad = await mkdtemp(join(tmpdir(), 'corrupt-'));
    const { manifest } = await backupWith({ 'database-url': cluster.url('app'), storage: bad });
    const file = join(bad, manifest.object.key);
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await writeFile(file, bytes);
    await expect(
      restoreWith({ 'target-database-url': cluster.url('never'), storage: bad }),
    ).rejects.toThrow(/Checksum mismatch/);
    expect(await databaseExists(cluster, 'never')).toBe(false);
    expect(dir).not.toBe(bad);
  });

  it('rolls back a restore that fails half-way, leaving the target as it was', async () => {
    const { cluster, dir } = get(major);
    await cluster.createDatabase('clash');
    await cluster.psql(
      'CREATE SCHEMA archive; CREATE VIEW archive.base_log AS SELECT 1 AS x',
      'clash',
    );
    await expect(
      restoreWith({ 'target-database-url': cluster.url('clash'), storage: dir }),
    ).rejects.toThrow(/rolled back; the target is as it was/);
    expect(await tableRowCounts(cluster, 'clash')).toEqual({});
    expect(
      (
        await cluster.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'app'", 'clash')
      ).trim(),
    ).toBe('0');
  });

  it('picks backups by id and by time, and restores selected tables', async () => {
    const { cluster } = get(major);
    const dir = await mkdtemp(join(tmpdir(), 'pick-'));
    const first = await backupWith({ 'database-url': cluster.url('app'), storage: dir });
    await cluster.psql("INSERT INTO app.settings (key, value) VALUES ('later', '1')", 'app');
    await new Promise((r) => setTimeout(r, 1100));
    const second = await backupWith({ 'database-url': cluster.url('app'), storage: dir });
    await cluster.psql("DELETE FROM app.settings WHERE key = 'later'", 'app');
    const latest = await restoreWith({
      'target-database-url': cluster.url('pick_latest'),
      storage: dir,
    });
    expect(latest.manifest.id).toBe(second.manifest.id);
    const byId = await restoreWith({
      'target-database-url': cluster.url('pick_id'),
      storage: dir,
      backup: first.manifest.id,
    });
    expect(byId.manifest.id).toBe(first.manifest.id);
    const byTime = await restoreWith({
      'target-database-url': cluster.url('pick_time'),
      storage: dir,
      backup: first.manifest.finishedAt,
    });
    expect(byTime.manifest.id).toBe(first.manifest.id);
    // Selected tables (pg_restore -t semantics) go into a database that has their schema: here a
    // schema-only copy, whose app.settings is then replaced from the backup with overwrite.
    const scratch = cluster.url('pick_tables');
    const schemaOnly = await restoreWith({
      'target-database-url': scratch,
      storage: dir,
      'schema-only': 'true',
    });
    expect(schemaOnly.comparison.compared).toBe(false);
    const partial = await restoreWith({
      'target-database-url': scratch,
      storage: dir,
      tables: 'app.settings',
      overwrite: 'true',
      confirm: 'pick_tables',
    });
    expect(partial.comparison.rows.map((r) => r.table)).toEqual(['app.settings']);
    expect(partial.comparison.mismatches).toEqual([]);
    const counts = await tableRowCounts(cluster, 'pick_tables');
    expect(counts['app.settings']).toBe(
      second.manifest.tables.find((t) => t.name === 'settings')?.rows,
    );
    expect(counts['app.orders']).toBe(0);
  });

  it('restores a directory-format backup in parallel and a plain one through psql', async () => {
    const { cluster } = get(major);
    for (const [format, extra] of [
      ['directory', { jobs: '2' }],
      ['plain', {}],
    ] as const) {
      const dir = await mkdtemp(join(tmpdir(), `fmt-${format}-`));
      await backupWith({ 'database-url': cluster.url('app'), storage: dir, format, ...extra });
      const db = `fmt_${format}`;
      const report = await restoreWith({
        'target-database-url': cluster.url(db),
        storage: dir,
        ...extra,
      });
      expect(report.comparison.mismatches).toEqual([]);
      expect(await tableRowCounts(cluster, db)).toEqual(await tableRowCounts(cluster, 'app'));
    }
  });

  it('restores an archive of a newer pg_dump into an older server, skipping only unknown settings', async () => {
    const report = await restoreWith({
      'target-database-url': get(15).cluster.url('from18'),
      storage: get(18).dir,
    });
    expect(report.manifest.client.pgDumpVersion).toMatch(/^18\./);
    expect(report.comparison.mismatches).toEqual([]);
  });
});
