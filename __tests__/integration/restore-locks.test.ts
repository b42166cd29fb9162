import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import {
  clientEnv,
  runCommand,
  startCluster,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';

/**
 * A restore is one transaction, and every relation it creates stays locked until COMMIT: a backup
 * with more relations than the server's lock table holds cannot be restored that way. A small lock
 * table (10 × 14 backends = 140 slots, with slack for about 60 tables more) stands in for PostgreSQL's default (64 × 122 = 7,808) and a
 * schema of thousands of tables.
 */
const SMALL_LOCK_TABLE = {
  max_locks_per_transaction: 10,
  max_connections: 10,
  autovacuum_max_workers: 1,
  max_worker_processes: 2,
  max_wal_senders: 0,
};
let source: PgCluster;
let target: PgCluster;
let big: string;
let small: string;

async function tables(c: PgCluster, db: string, n: number): Promise<void> {
  await c.createDatabase(db);
  const sql = Array.from(
    { length: n },
    (_, i) =>
      `CREATE TABLE t${i} (id int PRIMARY KEY, note text); INSERT INTO t${i} VALUES (1, 'x');`,
  ).join('\n');
  await c.psql(sql, db);
}

beforeAll(async () => {
  [source, target] = await Promise.all([
    startCluster(15),
    startCluster(15, { settings: SMALL_LOCK_TABLE }),
  ]);
  await tables(source, 'big', 200);
  await tables(source, 'small', 20);
  big = await mkdtemp(join(tmpdir(), 'locks-big-'));
  small = await mkdtemp(join(tmpdir(), 'locks-small-'));
  await backupWith({ 'database-url': source.url('big'), storage: big });
  await backupWith({ 'database-url': source.url('small'), storage: small });
}, 240_000);

afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

describe('the lock table of one transaction', () => {
  it('is what a single-transaction pg_restore of 200 tables runs out of (the failure it prevents)', async () => {
    const [file] = (await readdir(big)).filter((f) => f.endsWith('.dump'));
    await target.createDatabase('bare');
    const run = runCommand(
      '/usr/lib/postgresql/15/bin/pg_restore',
      [
        '--single-transaction',
        '--no-password',
        `--dbname=${target.url('bare')}`,
        join(big, file ?? ''),
      ],
      { env: clientEnv(target) },
    );
    await expect(run).rejects.toThrow(/out of shared memory/);
  });

  it('refuses before touching the target, naming max_locks_per_transaction and the value needed', async () => {
    await expect(
      restoreWith({ 'target-database-url': target.url('refused'), storage: big }),
    ).rejects.toThrow(
      /nothing was changed.*about 800 relation locks.*max_locks_per_transaction 10 × 14 backends = 140 slots.*at least 80 /,
    );
    expect(
      (await target.psql(`SELECT count(*) FROM pg_database WHERE datname = 'refused'`)).trim(),
    ).toBe('0');
  });

  it('restores what fits, and restores the big one in parallel into a new database', async () => {
    const fits = await restoreWith({ 'target-database-url': target.url('fits'), storage: small });
    expect(fits.comparison.mismatches).toEqual([]);
    const parallel = await restoreWith({
      'target-database-url': target.url('parallel'),
      storage: big,
      jobs: '2',
    });
    expect(parallel.comparison.rows).toHaveLength(200);
    expect(parallel.comparison.mismatches).toEqual([]);
  });

  it('warns at backup time when the backup would not restore on its own server', async () => {
    await tables(target, 'crowded', 200);
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'locks-crowded-'));
      await backupWith({ 'database-url': target.url('crowded'), storage: dir });
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('')).toMatch(
      /::warning::This database has 800 relations; a restore into a server like this one \(one transaction\) would run out of locks/,
    );
  });

  it('waits for a lock at most lock-wait-timeout, names the blocking process, and leaves no backend', async () => {
    await restoreWith({ 'target-database-url': source.url('busy'), storage: small });
    const holder = new pg.Client({
      connectionString: source.url('busy'),
      application_name: 'reporting',
    });
    await holder.connect();
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await holder.query('BEGIN; SELECT count(*) FROM t1');
      const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await expect(
        restoreWith({
          'target-database-url': source.url('busy'),
          storage: small,
          overwrite: 'true',
          confirm: 'busy',
          'lock-wait-timeout': '8s',
        }),
      ).rejects.toThrow(/lock timeout.*raise lock-wait-timeout/);
      expect(lines.join('')).toMatch(
        new RegExp(
          `Waiting \\d+ s for a lock on the target, held by process ${rows[0]?.pid} \\(user postgres, application reporting, idle in transaction`,
        ),
      );
    } finally {
      spy.mockRestore();
      await holder.query('ROLLBACK');
      await holder.end();
    }
    const left = await source.psql(
      `SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'postgres-backup-action restore%'`,
    );
    expect(left.trim()).toBe('0');
    expect((await source.psql('SELECT count(*) FROM t1', 'busy')).trim()).toBe('1');
  }, 60_000);
});
