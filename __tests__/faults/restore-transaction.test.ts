// Cases 1 and 2: a restore is one transaction. A signal during the COPY of a big table, a killed
// action, large objects (pg_restore wraps them in their own BEGIN/COMMIT) and a statement that
// fails after them must all leave the target as it was, or absent when the run created it.
import { readdir } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { killAllActions, signalPid, startAction } from '../helpers/action-process.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';
import { MAJOR } from '../helpers/fault-fixtures.js';
import { runFor, signalAndWait, tempDir, waitFor } from '../helpers/fault-harness.js';
import { expectCleanFailure, leftovers } from '../helpers/leftovers.js';

const ROWS = 2_000_000;
let cluster: PgCluster;
/** Storage dirs holding one backup each, and the names in them. */
const stores: Record<string, { dir: string; names: string[] }> = {};

async function backup(database: string, format: string): Promise<void> {
  const dir = await tempDir(`rt-${database}-${format}`);
  const { run } = await runFor(
    { 'database-url': cluster.url(database), storage: dir, format },
    {},
    240_000,
  );
  if (run.code !== 0)
    throw new Error(`harness: the backup of ${database} failed: ${run.errors[0]}`);
  stores[`${database}/${format}`] = { dir, names: (await readdir(dir)).sort() };
}

beforeAll(async () => {
  cluster = await startCluster(MAJOR);
  await cluster.createDatabase('big');
  await cluster.psql(
    `CREATE TABLE big (id int PRIMARY KEY, v text);
     INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, ${ROWS}) g;
     CREATE TABLE small AS SELECT g AS id FROM generate_series(1, 10) g;`,
    'big',
  );
  await cluster.createDatabase('lo');
  await cluster.psql(
    `CREATE TABLE docs (id int PRIMARY KEY, body text);
     INSERT INTO docs SELECT g, 'doc ' || g FROM generate_series(1, 100) g;
     SELECT lo_from_bytea(0, 'x');
     ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
     CREATE POLICY docs_all ON docs USING (true);`,
    'lo',
  );
  await Promise.all([backup('big', 'custom'), backup('lo', 'custom'), backup('lo', 'plain')]);
}, 300_000);

afterEach(() => killAllActions());

afterAll(async () => {
  await cluster?.stop();
});

function store(key: string): { dir: string; names: string[] } {
  const s = stores[key];
  if (!s) throw new Error(`harness: no backup ${key}`);
  return s;
}

/** Starts a restore of the big backup into `target`; returns once the COPY has done 100k rows. */
async function restoreInCopy(target: string) {
  const proc = await startAction({
    command: 'restore',
    'target-database-url': cluster.url(target),
    storage: store('big/custom').dir,
  });
  const copied = await waitFor(
    `the COPY into '${target}' to be under way`,
    async () => {
      const out = await cluster.psql(
        `SELECT tuples_processed FROM pg_stat_progress_copy WHERE datname = '${target}'`,
      );
      const n = Number(out.trim() || '0');
      return n > 100_000 ? n : undefined;
    },
    { proc, timeoutMs: 120_000, intervalMs: 50 },
  );
  if (copied >= ROWS) throw new Error('harness: the COPY had already finished');
  return proc;
}

describe('a restore interrupted during the COPY of a big table', () => {
  it('SIGTERM into a database the run creates: cancelled, and the database is dropped', async () => {
    const proc = await restoreInCopy('r_new');
    const run = await signalAndWait(proc, 'SIGTERM', 30_000);
    await expectCleanFailure(proc, run, /cancel/i, {
      dirs: [{ path: store('big/custom').dir, names: store('big/custom').names }],
      database: { cluster, name: 'r_new', created: true },
      secrets: [cluster.password],
      graceMs: 30_000,
    });
  }, 180_000);

  it('SIGTERM into an existing empty database: cancelled, and it is still empty', async () => {
    await cluster.createDatabase('r_existing');
    const proc = await restoreInCopy('r_existing');
    const run = await signalAndWait(proc, 'SIGTERM', 30_000);
    await expectCleanFailure(proc, run, /cancel/i, {
      dirs: [{ path: store('big/custom').dir, names: store('big/custom').names }],
      database: { cluster, name: 'r_existing', created: false, before: {} },
      secrets: [cluster.password],
      graceMs: 30_000,
    });
  }, 180_000);

  it('SIGKILL, then the post step: the target is not half-restored and nothing runs on', async () => {
    const proc = await restoreInCopy('r_kill');
    expect(signalPid(proc.pid, 'SIGKILL')).toBe(true);
    const run = await proc.exited;
    expect(run.signal).toBe('SIGKILL');
    expect(
      await leftovers(proc, run, {
        dirs: [{ path: store('big/custom').dir, names: store('big/custom').names }],
        // After a SIGKILL the action cannot drop what it created: absent or empty both do.
        database: { cluster, name: 'r_kill', created: true, orEmpty: true },
        secrets: [cluster.password],
        graceMs: 30_000,
      }),
    ).toEqual([]);
  }, 180_000);

  // The case that needs the restore's own COMMIT: no database to drop, and psql sees EOF at once.
  it('SIGKILL into an existing empty database, then the post step: it is still empty', async () => {
    await cluster.createDatabase('r_kill_existing');
    const proc = await restoreInCopy('r_kill_existing');
    expect(signalPid(proc.pid, 'SIGKILL')).toBe(true);
    const run = await proc.exited;
    expect(run.signal).toBe('SIGKILL');
    expect(
      await leftovers(proc, run, {
        dirs: [{ path: store('big/custom').dir, names: store('big/custom').names }],
        database: { cluster, name: 'r_kill_existing', created: false, before: {} },
        secrets: [cluster.password],
        graceMs: 30_000,
      }),
    ).toEqual([]);
  }, 180_000);
});

describe('a restore with large objects where a later statement fails', () => {
  it.each(['custom', 'plain'])(
    '%s backup into an existing empty database whose event trigger refuses CREATE POLICY',
    async (format) => {
      const target = `lo_target_${format}`;
      await cluster.createDatabase(target);
      await cluster.psql(
        `CREATE FUNCTION refuse_policy() RETURNS event_trigger LANGUAGE plpgsql AS
           $$BEGIN RAISE EXCEPTION 'no policies here'; END$$;
         CREATE EVENT TRIGGER refuse_policy ON ddl_command_start
           WHEN TAG IN ('CREATE POLICY') EXECUTE FUNCTION refuse_policy();`,
        target,
      );
      const s = store(`lo/${format}`);
      const { proc, run } = await runFor(
        { command: 'restore', 'target-database-url': cluster.url(target), storage: s.dir },
        {},
        90_000,
      );
      await expectCleanFailure(proc, run, /no policies here/, {
        dirs: [{ path: s.dir, names: s.names }],
        database: { cluster, name: target, created: false, before: {} },
        secrets: [cluster.password],
      });
      expect(
        (await cluster.psql('SELECT count(*) FROM pg_largeobject_metadata', target)).trim(),
      ).toBe('0');
    },
    120_000,
  );
});
