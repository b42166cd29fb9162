// Several databases in one step (databases: all | list, exclude-databases) against a real
// PostgreSQL 18 server, local-directory and S3 storage, the backup command in-process: names that
// need quoting, all with exclusions, a list, one database the user may not CONNECT to (the others
// finish and are reported, the step fails naming it), the globals once with the first backup, the
// `backups` output with sums, and retention per label.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { BackupEntry, BackupReport } from '../../src/outputs/backup.js';
import { createStore } from '../../src/storage/create-store.js';
import { backupWith, readManifest } from '../helpers/command-run.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { S3_CREDENTIALS, startS3Server, type S3Server } from '../../scripts/lib/s3-server.js';
import { listManifests } from '../../src/catalog/backups.js';

const BUCKET = 'server-backups';
const SALES = 'Sales "EU"';
let cluster: PgCluster;
let s3: S3Server;
let ops: string;

beforeAll(async () => {
  Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
  delete process.env.GITHUB_STEP_SUMMARY;
  process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'databases-out-')), 'output');
  [cluster, s3] = await Promise.all([startCluster(18), startS3Server([BUCKET])]);
  await cluster.psql(`CREATE ROLE ops LOGIN PASSWORD 'ops-pw'`);
  const tables: Record<string, number> = { [SALES]: 3, inventory: 7, hr: 2, locked: 1 };
  for (const [db, n] of Object.entries(tables)) {
    await cluster.createDatabase(db);
    await cluster.psql(
      `CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, ${n});
       GRANT SELECT ON t TO ops;`,
      db,
    );
  }
  await cluster.psql(`REVOKE CONNECT ON DATABASE locked FROM PUBLIC`);
  ops = cluster.url('postgres', { user: 'ops', password: 'ops-pw' });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  await s3?.stop();
});

beforeEach(async () => {
  await writeFile(process.env.GITHUB_OUTPUT ?? '', '');
});

/** One output of the last run, from GITHUB_OUTPUT. */
async function output(name: string): Promise<string> {
  const written = await readFile(process.env.GITHUB_OUTPUT ?? '', 'utf8');
  const value = new RegExp(`^${name}<<(.+)\\n([\\s\\S]*?)\\n\\1$`, 'm').exec(written)?.[2];
  if (value === undefined) throw new Error(`no ${name} output in:\n${written}`);
  return value;
}

const manifestsIn = async (dir: string) =>
  (await readdir(dir)).filter((f) => f.endsWith('.manifest.json')).sort();

describe('databases: all', () => {
  it('backs up every database the user may connect to, but the excluded and the templates', async () => {
    const storage = await mkdtemp(join(tmpdir(), 'databases-all-'));
    const report = await backupWith({
      'database-url': ops,
      storage,
      databases: 'all',
      'exclude-databases': 'postgres',
    });
    const entries = JSON.parse(await output('backups')) as BackupEntry[];
    expect(entries.map((e) => e.database)).toEqual([SALES, 'hr', 'inventory']);
    expect(entries.map((e) => e.rows)).toEqual([3, 2, 7]);
    expect(report.backups?.map((r) => r.manifest.label)).toEqual(['Sales-EU-', 'hr', 'inventory']);
    for (const [i, entry] of entries.entries()) {
      const manifest = await readManifest(join(storage, `${entry['backup-id']}.manifest.json`));
      expect(manifest.server.database).toBe(entry.database);
      expect(manifest.object.sha256).toBe(entry.sha256);
      expect(manifest.verification.archive).toBe('passed');
      expect(entry.location).toBe(join(storage, manifest.object.key));
      expect(report.backups?.[i]?.changes?.previous).toBeNull();
    }
    // Single-value outputs describe the first; size, tables and rows are sums.
    expect(await output('backup-id')).toBe(entries[0]?.['backup-id']);
    expect(await output('rows')).toBe('12');
    expect(await output('tables')).toBe('3');
    expect(await output('size')).toBe(String(entries.reduce((sum, e) => sum + e.size, 0)));
    expect((await manifestsIn(storage)).length).toBe(3);
  }, 120_000);

  it('applies retention per label: each database keeps its own newest backups', async () => {
    const storage = await mkdtemp(join(tmpdir(), 'databases-keep-'));
    const inputs = {
      'database-url': ops,
      storage,
      databases: 'hr, inventory',
      'keep-last': '1',
    };
    const first = await backupWith(inputs);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await backupWith(inputs);
    const kept = (second.backups ?? []).map((r) => `${r.manifest.id}.manifest.json`).sort();
    expect(await manifestsIn(storage)).toEqual(kept);
    expect(second.backups?.flatMap((r) => r.pruned).sort()).toEqual(
      (first.backups ?? []).map((r) => r.manifest.id).sort(),
    );
  }, 120_000);
});

describe('databases: a list, with one the user may not connect to', () => {
  it('finishes and reports the others, then fails naming the one; globals go with the first', async () => {
    const prefix = 'list/';
    const run = backupWith({
      'database-url': ops,
      storage: `s3://${BUCKET}/${prefix}`,
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
      databases: `${SALES}\nlocked\ninventory`,
      globals: 'true',
    });
    const error = (await run.catch((e: unknown) => e)) as Error & { report?: BackupReport };
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/backup of 1 database failed: 'locked'/);
    expect(error.message).toMatch(/permission denied for database "?locked"?/);
    const entries = JSON.parse(await output('backups')) as BackupEntry[];
    expect(entries.map((e) => e.database)).toEqual([SALES, 'inventory']);
    expect(error.report?.failed).toEqual([{ database: 'locked', error: expect.any(String) }]);
    const [sales, inventory] = error.report?.backups ?? [];
    expect(sales?.manifest.globals).toMatchObject({
      key: `${sales?.manifest.id}.globals.sql.zst`,
      rolePasswords: false,
    });
    expect(inventory?.manifest.globals).toBeUndefined();
    for (const entry of entries) expect(entry.location).toMatch(`s3://${BUCKET}/${prefix}`);
    const store = createStore(
      { kind: 's3', bucket: BUCKET, prefix },
      {
        s3: { endpoint: s3.endpoint, forcePathStyle: true, checksum: 'auto' },
        env: process.env,
        tempDir: tmpdir(),
      },
    );
    expect((await listManifests(store)).sort()).toEqual(
      entries.map((e) => `${e['backup-id']}.manifest.json`).sort(),
    );
  }, 120_000);
});
