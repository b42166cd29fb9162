// Retention after a backup, in-process with a real PostgreSQL and real local storage: after a
// successful backup the expired backups of its label are deleted at every location and reported
// in `pruned`; after a failed backup nothing is deleted.
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupSummaryRows } from '../../src/outputs/backup.js';
import { LocalStore } from '../../src/storage/local.js';
import { backupWith } from '../helpers/command-run.js';
import { filesOf, manufacture, seed, type Manufactured } from '../helpers/manufactured-backups.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';

let cluster: PgCluster;
const DAY = 86_400_000;

beforeAll(async () => {
  cluster = await startCluster(15);
  await cluster.createDatabase('app');
  await cluster.psql(
    'CREATE TABLE t (i int); INSERT INTO t SELECT generate_series(1, 100);',
    'app',
  );
  process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'retention-out-')), 'output');
  delete process.env.GITHUB_STEP_SUMMARY;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** `n` daily backups of `label` in January 2026, newest first. */
function january(label: string, n: number): Manufactured[] {
  const start = Date.parse('2026-01-31T02:00:00.000Z');
  return Array.from({ length: n }, (_, i) => manufacture(label, new Date(start - i * DAY)));
}

async function seededDir(backups: Manufactured[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'retention-store-'));
  await seed(new LocalStore(dir), backups);
  await writeFile(join(dir, 'notes.txt'), 'not a backup');
  return dir;
}

const files = async (dir: string) => (await readdir(dir)).sort();

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await condition()); i += 1)
    await new Promise((resolve) => setTimeout(resolve, 50));
}
const ids = (backups: Manufactured[]) => backups.map((b) => b.manifest.id);

describe('retention after a backup', () => {
  it('deletes the expired backups of the label at every location and reports them', async () => {
    const app = january('app', 10);
    const other = january('other', 5);
    const first = await seededDir([...app, ...other]);
    const second = await seededDir(app.slice(0, 4));
    await writeFile(process.env.GITHUB_OUTPUT ?? '', '');
    const report = await backupWith({
      'database-url': cluster.url('app'),
      storage: `${first}\n${second}`,
      'keep-last': '3',
    });
    // Kept: the new backup and the two newest seeded; deleted oldest first, each id once.
    expect(report.pruned).toEqual(ids(app.slice(2)).reverse());
    expect(report.retention).toBe('keep-last 3');
    const own = ['.dump', '.manifest.json', '.recovery.md'].map((e) => `${report.manifest.id}${e}`);
    expect(await files(first)).toEqual(
      [...own, ...filesOf(app.slice(0, 2)), ...filesOf(other), 'notes.txt'].sort(),
    );
    expect(await files(second)).toEqual([...own, ...filesOf(app.slice(0, 2)), 'notes.txt'].sort());
    expect(await readFile(process.env.GITHUB_OUTPUT ?? '', 'utf8')).toContain(
      JSON.stringify(report.pruned),
    );
    expect(backupSummaryRows(report)).toContainEqual([
      'Pruned',
      `${report.pruned.join('<br>')} (keep-last 3)`,
    ]);
  });

  it('overlapping runs with keep-last 1: the run that finishes last keeps its own backup', async () => {
    const dir = await seededDir(january('app', 3));
    await cluster.psql('CREATE TABLE IF NOT EXISTS u (i int); INSERT INTO u VALUES (1);', 'app');
    // A slow nightly: its pg_dump waits for a lock on t, held 6 s by another session.
    const holder = cluster.psql(
      'BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;',
      'app',
    );
    await waitFor(
      async () =>
        (
          await cluster.psql(
            "SELECT count(*) FROM pg_locks WHERE relation = 't'::regclass AND granted",
            'app',
          )
        ).trim() === '1',
    );
    const nightly = backupWith({
      'database-url': cluster.url('app'),
      storage: dir,
      'keep-last': '1',
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // A manual run, started later (a later id), finishes first: it keeps only itself.
    const manual = await backupWith({
      'database-url': cluster.url('app'),
      storage: dir,
      'keep-last': '1',
      'exclude-tables': 'public.t',
      // Without t this run has no row: compared, it would be flagged and hold retention.
      anomaly: 'off',
    });
    await holder;
    const slow = await nightly;
    expect(manual.manifest.id < slow.manifest.id).toBe(false);
    expect(slow.pruned).not.toContain(slow.manifest.id);
    expect(slow.pruned).not.toContain(manual.manifest.id);
    const manifests = (await files(dir)).filter((f) => f.endsWith('.manifest.json'));
    expect(manifests).toEqual(
      [slow.manifest.id, manual.manifest.id].map((id) => `${id}.manifest.json`).sort(),
    );
    expect(await files(dir)).toContain(`${slow.manifest.id}.dump`);
  }, 60_000);

  it('deletes nothing after a failed backup', async () => {
    const app = january('app', 6);
    const dir = await seededDir(app);
    const before = await files(dir);
    await expect(
      backupWith({
        'database-url': cluster.url('app'),
        storage: dir,
        tables: 'public.no_such_table',
        'keep-last': '1',
      }),
    ).rejects.toThrow(/pg_dump|no matching tables/);
    expect(await files(dir)).toEqual(before);
  });

  it('deletes nothing without a keep-* input and shows no Pruned row', async () => {
    const dir = await seededDir(january('app', 3));
    const report = await backupWith({ 'database-url': cluster.url('app'), storage: dir });
    expect(report.pruned).toEqual([]);
    expect(report.retention).toBeUndefined();
    expect((await files(dir)).filter((f) => f.endsWith('.manifest.json'))).toHaveLength(4);
    expect(backupSummaryRows(report).map(([field]) => field)).not.toContain('Pruned');
  });
});
