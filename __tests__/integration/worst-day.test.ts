// The worst day, on a real PostgreSQL 15 and real local storage, with the backup, prune, check and
// restore commands in-process at a simulated nightly clock: a database wiped on the third night of
// fourteen with keep-daily 7 still has its pre-wipe backup (restored whole), prune deletes nothing,
// check fails naming the hold until a backup with anomaly: accept ends it; anomaly: fail stores the
// backup and then fails; with several databases only the wiped one's label is held.
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BackupReport } from '../../src/outputs/backup.js';
import { backupResultLine } from '../../src/outputs/result.js';
import { backupNotice, buildNotification } from '../../src/outputs/notification.js';
import { attemptStory, readManifest, restoreWith } from '../helpers/command-run.js';
import { checkWith, NOW } from '../helpers/check-kit.js';
import { pruneAt } from '../helpers/prune-locations.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';

const DAY = 86_400_000;
/** Night i of fourteen at 02:00 UTC; the last one is ten hours before check's NOW. */
const night = (i: number) => new Date(NOW.getTime() - 10 * 3_600_000 - (13 - i) * DAY);
let cluster: PgCluster;

beforeAll(async () => {
  cluster = await startCluster(15);
  delete process.env.GITHUB_STEP_SUMMARY;
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

const SCHEMA = `
  CREATE TABLE orders (id serial PRIMARY KEY, total numeric);
  CREATE TABLE users (id serial PRIMARY KEY, name text);
  INSERT INTO orders (total) SELECT g FROM generate_series(1, 1000) g;
  INSERT INTO users (name) SELECT 'u' || g FROM generate_series(1, 100) g;
`;

/** Runs a backup at `at`, returning its report (or error) and the step outputs it wrote. */
const backupAt = (inputs: Record<string, string>, at: Date) =>
  attemptStory('backup', inputs, { now: () => at });

const manifestsIn = async (dir: string) =>
  (await readdir(dir)).filter((f) => f.endsWith('.manifest.json')).sort();

describe('a database wiped on night 3 of 14, keep-daily 7', () => {
  let dir: string;
  const ids: string[] = [];
  const inputs = () => ({
    'database-url': cluster.url('shop'),
    storage: dir,
    'keep-daily': '7',
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'worst-store-'));
    await cluster.createDatabase('shop');
    await cluster.psql(SCHEMA, 'shop');
    for (let i = 0; i < 14; i += 1) {
      if (i === 2) await cluster.psql('DELETE FROM orders; DELETE FROM users;', 'shop');
      const { report, error } = await backupAt(inputs(), night(i));
      if (!report) throw error ?? new Error(`night ${i}: no report`);
      ids.push(report.manifest.id);
    }
  }, 600_000);

  it('flags the wipe, starts a hold and carries it through every later night', async () => {
    const wiped = await readManifest(join(dir, `${ids[2]}.manifest.json`));
    expect(wiped.anomalies?.map((a) => a.kind)).toEqual([
      'empty',
      'rows-dropped',
      'table-emptied',
      'table-emptied',
    ]);
    expect(wiped.hold).toEqual({
      since: ids[2],
      reason: 'empty, rows-dropped, table-emptied ×2',
    });
    for (const id of ids.slice(3)) {
      const m = await readManifest(join(dir, `${id}.manifest.json`));
      expect(m.anomalies).toEqual([]);
      expect(m.hold?.since).toBe(ids[2]);
    }
    const before = await readManifest(join(dir, `${ids[1]}.manifest.json`));
    expect(before.hold).toBeUndefined();
  });

  it('still has all fourteen backups, and the pre-wipe one restores whole', async () => {
    expect(await manifestsIn(dir)).toEqual(ids.map((id) => `${id}.manifest.json`).sort());
    await restoreWith({
      'target-database-url': cluster.url('shop_before'),
      storage: dir,
      label: 'shop',
      backup: ids[1] ?? '',
    });
    const rows = await cluster.psql(
      "SELECT (SELECT count(*) FROM orders) || ',' || (SELECT count(*) FROM users)",
      'shop_before',
    );
    expect(rows.trim()).toBe('1000,100');
  }, 120_000);

  it('prune deletes nothing while the hold lasts, and says why', async () => {
    const location = {
      inputs: { storage: dir },
      files: () => Promise.resolve([]),
      download: () => Promise.resolve(new Map<string, Buffer>()),
    };
    const report = await pruneAt(location, { label: 'shop', 'keep-last': '1' }, { now: () => NOW });
    expect(report.pruned).toEqual([]);
    expect(report.hold?.since).toBe(ids[2]);
    expect(report.kept.filter((k) => k.rules.includes('hold'))).toHaveLength(13);
    expect(await manifestsIn(dir)).toHaveLength(14);
  });

  it('check fails naming the hold, then is healthy after a backup with anomaly: accept', async () => {
    const held = await checkWith({ storage: dir, label: 'shop', 'max-age': '26h' });
    expect(held.error?.message).toMatch(`on hold since ${ids[2]}`);
    expect(held.outputs).toMatchObject({ healthy: 'false', hold: ids[2] });

    const accepted = await backupAt(
      { ...inputs(), anomaly: 'accept' },
      new Date(NOW.getTime() - 60_000),
    );
    const m = accepted.report?.manifest;
    expect(m?.hold).toBeUndefined();
    expect(accepted.outputs.hold).toBe('');
    // Retention applies again: keep-daily 7 keeps the newest of each of the last 7 days.
    // Night 13 shares its day with the accepted backup; nights 0-6 are older than the 7 days.
    expect(accepted.report?.pruned).toEqual([...ids.slice(0, 7), ids[13]]);
    // Each pruned backup went whole: data object, manifest and recovery document.
    const left = await readdir(dir);
    for (const id of accepted.report?.pruned ?? [])
      expect(left.filter((f) => f.startsWith(`${id}.`))).toEqual([]);
    expect(left).toContain(`${ids[12]}.recovery.md`);
    const fine = await checkWith({ storage: dir, label: 'shop', 'max-age': '26h' });
    expect(fine.error).toBeUndefined();
    expect(fine.outputs).toMatchObject({ healthy: 'true', hold: '' });
  }, 120_000);
});

describe('anomaly inputs on one night', () => {
  const fresh = async (name: string) => {
    await cluster.createDatabase(name);
    await cluster.psql(SCHEMA, name);
    return mkdtemp(join(tmpdir(), 'worst-store-'));
  };

  it('reports the flags in the outputs, the result line and the webhook message', async () => {
    const dir = await fresh('flags');
    const inputs = { 'database-url': cluster.url('flags'), storage: dir, 'anomaly-row-drop': '20' };
    await backupAt(inputs, night(0));
    await cluster.psql('DELETE FROM orders WHERE id > 700; DROP TABLE users;', 'flags');
    const { report, outputs } = await backupAt(inputs, night(1));
    const anomalies = [
      {
        kind: 'rows-dropped',
        detail: expect.stringContaining(
          'fell from 1100 to 700 (36.4% fewer, more than anomaly-row-drop 20%)',
        ),
      },
      { kind: 'table-removed', detail: 'public.users (had 100 rows) is not in this backup.' },
    ];
    expect(JSON.parse(outputs.anomalies ?? '')).toEqual(anomalies);
    expect(outputs.hold).toBe(report?.manifest.id);
    const line = backupResultLine(report as BackupReport);
    expect(line).toContain(
      `anomalies: rows-dropped, table-removed, retention on hold since ${report?.manifest.id}`,
    );
    const message = buildNotification('backup', {
      status: 'success',
      fields: backupNotice(report as BackupReport),
    });
    expect(message).toMatchObject({ anomalies, hold: report?.manifest.id });
    expect(message.text).toContain('anomalies: rows-dropped, table-removed');
  }, 120_000);

  it('anomaly: fail stores the flagged backup, then fails the step', async () => {
    const dir = await fresh('failing');
    const inputs = { 'database-url': cluster.url('failing'), storage: dir, anomaly: 'fail' };
    await backupAt(inputs, night(0));
    await cluster.psql('TRUNCATE orders, users;', 'failing');
    const { error, outputs } = await backupAt(inputs, night(1));
    expect(error?.message).toMatch(
      /^anomaly: fail: the backup is stored but flagged: failing-\S+ \(empty/,
    );
    const id = outputs['backup-id'] ?? '';
    expect(await manifestsIn(dir)).toContain(`${id}.manifest.json`);
    expect(outputs.hold).toBe(id);
  }, 120_000);

  it('anomaly: off compares nothing and carries an existing hold', async () => {
    const dir = await fresh('quiet');
    const inputs = { 'database-url': cluster.url('quiet'), storage: dir };
    await backupAt(inputs, night(0));
    await cluster.psql('TRUNCATE orders;', 'quiet');
    const held = await backupAt(inputs, night(1));
    await cluster.psql('TRUNCATE users;', 'quiet');
    const off = await backupAt({ ...inputs, anomaly: 'off' }, night(2));
    expect(off.report?.manifest.anomalies).toBeUndefined();
    expect(off.report?.manifest.hold?.since).toBe(held.report?.manifest.id);
  }, 120_000);

  it('applies no retention after a backup whose previous manifest cannot be read', async () => {
    const dir = await fresh('damaged');
    const inputs = { 'database-url': cluster.url('damaged'), storage: dir };
    const first = await backupAt(inputs, night(0));
    const second = await backupAt(inputs, night(1));
    const file = join(dir, `${second.report?.manifest.id}.manifest.json`);
    await writeFile(file, '{"damaged": ');
    const third = await backupAt({ ...inputs, 'keep-last': '1' }, night(2));
    expect(third.report?.pruned).toEqual([]);
    expect(await manifestsIn(dir)).toContain(`${first.report?.manifest.id}.manifest.json`);
  }, 120_000);

  it('with several databases only the wiped one is held; the other is pruned as usual', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'worst-store-'));
    for (const name of ['north', 'south']) {
      await cluster.createDatabase(name);
      await cluster.psql(SCHEMA, name);
    }
    const inputs = {
      'database-url': cluster.url('postgres'),
      databases: 'north, south',
      storage: dir,
      'keep-last': '1',
    };
    await backupAt(inputs, night(0));
    await cluster.psql('TRUNCATE orders, users;', 'south');
    const { report, outputs } = await backupAt(inputs, night(1));
    expect(outputs.hold).toBe(report?.backups?.[1]?.manifest.id);
    const flags = JSON.parse(outputs.anomalies ?? '[]') as { kind: string; detail: string }[];
    expect(flags.map((f) => f.detail.split(':')[0])).toEqual(['south', 'south', 'south', 'south']);
    expect(report?.backups?.[0]?.pruned).toHaveLength(1);
    expect(report?.backups?.[1]?.pruned).toEqual([]);
    expect((await manifestsIn(dir)).filter((f) => f.startsWith('south-'))).toHaveLength(2);
    expect((await manifestsIn(dir)).filter((f) => f.startsWith('north-'))).toHaveLength(1);
  }, 180_000);
});
