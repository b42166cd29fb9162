// Restore drills as evidence (issue 24) on a real PostgreSQL 18 server: assert-sql in the drill,
// the verification record beside the backup (and its deletion by prune), check on the last proof,
// and post-restore-sql inside the restore's one transaction on both restore paths.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serializeManifest } from '../../src/catalog/manifest.js';
import { manifestName, verifiedName } from '../../src/catalog/naming.js';
import type { VerificationRecord } from '../../src/catalog/verification.js';
import { attemptStory, backupWith, restoreWith } from '../helpers/command-run.js';
import { loadSample, tableRowCounts } from '../helpers/db-compare.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';

let pg: PgCluster;
let dir: string;
let plainDir: string;
let id: string;

const MASK = `UPDATE app.customers SET email = 'user' || id || '@example.invalid', name = 'masked';`;
const UNMASKED = `SELECT count(*) FROM app.customers WHERE name <> 'masked' OR email NOT LIKE '%@example.invalid'`;

beforeAll(async () => {
  pg = await startCluster(18);
  await loadSample(pg, 'app');
  dir = await mkdtemp(join(tmpdir(), 'evidence-'));
  plainDir = await mkdtemp(join(tmpdir(), 'evidence-plain-'));
  id = (await backupWith({ 'database-url': pg.url('app'), storage: dir })).manifest.id;
  await backupWith({ 'database-url': pg.url('app'), storage: plainDir, format: 'plain' });
}, 300_000);

afterAll(async () => {
  await pg?.stop();
});

const verify = (inputs: Record<string, string>) => attemptStory('verify', inputs);
const check = (inputs: Record<string, string>) => attemptStory('check', inputs);

const exists = async (db: string) =>
  (await pg.psql(`SELECT count(*) FROM pg_database WHERE datname = '${db}'`)).trim() === '1';
const files = async (at: string) => (await readdir(at)).sort();

describe('assert-sql in the restore drill', () => {
  it('passes true assertions, reports them and writes the verification record', async () => {
    const run = await verify({
      storage: dir,
      'target-database-url': pg.url('drill_ok'),
      'assert-sql': 'select count(*) > 2 from app.customers\nselect true, 42',
    });
    expect(run.error).toBeUndefined();
    expect(JSON.parse(run.outputs.assertions ?? '')).toEqual([
      { sql: 'select count(*) > 2 from app.customers', passed: true },
      { sql: 'select true, 42', passed: true },
    ]);
    const record = JSON.parse(
      await readFile(join(dir, verifiedName(id)), 'utf8'),
    ) as VerificationRecord;
    const manifest = run.report?.manifest;
    expect(record).toMatchObject({
      id,
      tool: { name: 'postgres-backup-action' },
      sha256: manifest?.object.sha256,
      archive: 'passed',
      rows: 'match',
      drill: {
        server: expect.stringMatching(/^18\./),
        tables: manifest?.tables.length,
        rows: manifest?.totalRows,
        amcheck: { indexes: expect.any(Number), passed: true },
        assertions: JSON.parse(run.outputs.assertions ?? ''),
      },
      backup: { createdAt: manifest?.createdAt, size: manifest?.object.size },
    });
    expect(record.drill?.seconds).toBeGreaterThan(0);
    expect(Date.now() - Date.parse(record.verifiedAt)).toBeLessThan(120_000);
    expect(Object.keys(record.timings)).toEqual(
      expect.arrayContaining(['download', 'decrypt', 'read', 'restore', 'checks']),
    );
    expect(await exists('drill_ok')).toBe(false);
  });

  it.each([
    ['false', 'select count(*) > 1000000 from app.customers', /returned false/],
    [
      'erroring',
      'select count(*) > 1 from app.no_such_table',
      /failed: relation .* does not exist/,
    ],
    ['not a boolean', 'select count(*) from app.customers', /returned "?\d+"?, not a boolean true/],
    ['several rows', 'select true from app.customers', /returned \d+ rows, not one/],
  ])(
    'fails on a %s assertion naming the query, drops the drill database, writes no record',
    async (_, sql, why) => {
      const store = await mkdtemp(join(tmpdir(), 'evidence-fail-'));
      await backupWith({ 'database-url': pg.url('app'), storage: store });
      const before = await files(store);
      const run = await verify({
        storage: store,
        'target-database-url': pg.url('drill_fail'),
        'assert-sql': `select true\n${sql}`,
      });
      expect(run.error?.message).toContain(`assert-sql '${sql}' did not pass`);
      expect(run.error?.message).toMatch(why);
      expect(JSON.parse(run.outputs.assertions ?? '')).toEqual([
        { sql: 'select true', passed: true },
        { sql, passed: false },
      ]);
      expect(run.outputs.verified).toBe('false');
      expect(await exists('drill_fail')).toBe(false);
      expect(await files(store)).toEqual(before);
    },
  );
});

describe('the verification record', () => {
  it('is written without a drill too, and check reads it as verified-at', async () => {
    const store = await mkdtemp(join(tmpdir(), 'evidence-check-'));
    const first = (await backupWith({ 'database-url': pg.url('app'), storage: store })).manifest.id;
    const none = await check({ storage: store, 'max-unverified-age': '1d' });
    expect(none.error?.message).toMatch(/No backup of 'app' has a verification record/);
    expect(none.outputs['verified-at']).toBe('');
    expect(none.outputs.healthy).toBe('false');
    const run = await verify({ storage: store });
    expect(run.error).toBeUndefined();
    const record = JSON.parse(await readFile(join(store, verifiedName(first)), 'utf8'));
    expect(record).toMatchObject({ id: first, archive: 'passed', rows: 'match', drill: null });
    const fresh = await check({ storage: store, 'max-unverified-age': '1d' });
    expect(fresh.error).toBeUndefined();
    expect(fresh.outputs['verified-at']).toBe(record.verifiedAt);
    expect(fresh.outputs.healthy).toBe('true');
    // A record older than the limit fails the check, naming its time.
    const old = { ...record, verifiedAt: new Date(Date.now() - 9 * 86_400_000).toISOString() };
    await rm(join(store, verifiedName(first)));
    await writeFile(join(store, verifiedName(first)), JSON.stringify(old));
    const stale = await check({ storage: store, 'max-unverified-age': '8d' });
    expect(stale.error?.message).toContain(
      `newest verification record of 'app' is from ${old.verifiedAt}`,
    );
    expect(stale.outputs['verified-at']).toBe(old.verifiedAt);
  });

  it('is deleted with its backup by prune, and kept with a kept backup', async () => {
    const store = await mkdtemp(join(tmpdir(), 'evidence-prune-'));
    const older = (await backupWith({ 'database-url': pg.url('app'), storage: store })).manifest.id;
    await verify({ storage: store });
    await new Promise((r) => setTimeout(r, 1100));
    const newer = (await backupWith({ 'database-url': pg.url('app'), storage: store })).manifest.id;
    await verify({ storage: store });
    expect(await files(store)).toEqual(
      expect.arrayContaining([verifiedName(older), verifiedName(newer)]),
    );
    const run = await attemptStory('prune', { storage: store, 'keep-last': '1' });
    expect(run.error).toBeUndefined();
    expect((await files(store)).filter((f) => f.startsWith(older))).toEqual([]);
    expect(await files(store)).toContain(verifiedName(newer));
  });
});

describe('post-restore-sql', () => {
  it.each([
    ['custom (the direct pg_restore path without it)', () => dir],
    ['plain (the filtered psql path)', () => plainDir],
  ])('masks a column inside the restore transaction: %s', async (_, storage) => {
    const target = `masked_${storage() === dir ? 'custom' : 'plain'}`;
    const report = await restoreWith({
      storage: storage(),
      'target-database-url': pg.url(target),
      'post-restore-sql': MASK,
    });
    expect(report.comparison.mismatches).toEqual([]);
    expect((await pg.psql(UNMASKED, target)).trim()).toBe('0');
    const counts = await tableRowCounts(pg, target);
    expect(counts).toEqual(await tableRowCounts(pg, 'app'));
  });

  it('reads the SQL from a file in the workspace, with overwrite', async () => {
    const ws = await mkdtemp(join(tmpdir(), 'ws-mask-'));
    await writeFile(join(ws, 'mask.sql'), `-- staging masking\n${MASK}\n`);
    const target = 'masked_overwrite';
    await restoreWith({ storage: dir, 'target-database-url': pg.url(target) });
    // The readers take relative paths from the workspace: here the process's directory.
    const cwd = process.cwd();
    process.chdir(ws);
    try {
      await restoreWith({
        storage: dir,
        'target-database-url': pg.url(target),
        overwrite: 'true',
        confirm: target,
        'post-restore-sql': '@mask.sql',
      });
    } finally {
      process.chdir(cwd);
    }
    expect((await pg.psql(UNMASKED, target)).trim()).toBe('0');
  });

  it('rolls everything back when it fails: an empty target stays empty, a created one is dropped', async () => {
    const failing = `${MASK}\nUPDATE app.customers SET no_such_column = 1;`;
    await pg.createDatabase('post_empty');
    await expect(
      restoreWith({
        storage: dir,
        'target-database-url': pg.url('post_empty'),
        'post-restore-sql': failing,
      }),
    ).rejects.toThrow(
      /rolled back; the target is as it was: post-restore-sql failed at the statement ending on its line 2: ERROR: +column "no_such_column"/,
    );
    expect(await tableRowCounts(pg, 'post_empty')).toEqual({});
    await expect(
      restoreWith({
        storage: plainDir,
        'target-database-url': pg.url('post_new'),
        'post-restore-sql': failing,
      }),
    ).rejects.toThrow(/database this run created was dropped again: post-restore-sql failed/);
    expect(await exists('post_new')).toBe(false);
  });

  it('counts the rows inside the transaction before it: a difference rolls the restore back', async () => {
    const store = await mkdtemp(join(tmpdir(), 'evidence-rows-'));
    const { manifest } = await backupWith({ 'database-url': pg.url('app'), storage: store });
    // Row counts edited in the manifest (its sha256 of the data object stays right).
    const edited = structuredClone(manifest);
    const orders = edited.tables.find((t) => t.schema === 'app' && t.name === 'orders');
    if (!orders) throw new Error('the sample has app.orders');
    orders.rows += 1;
    await writeFile(join(store, manifestName(manifest.id)), serializeManifest(edited));
    await expect(
      restoreWith({
        storage: store,
        'target-database-url': pg.url('rows_differ'),
        'post-restore-sql': MASK,
      }),
    ).rejects.toThrow(
      /dropped again: Row counts differ from the manifest \(counted before post-restore-sql, in the restore's transaction\): 1 table differs: app\.orders: \d+ restored, \d+ in the manifest/,
    );
    expect(await exists('rows_differ')).toBe(false);
  });

  it('fails the drill when it fails: the drill database is dropped, no record written', async () => {
    const store = await mkdtemp(join(tmpdir(), 'evidence-drill-post-'));
    await backupWith({ 'database-url': pg.url('app'), storage: store });
    const before = await files(store);
    const run = await verify({
      storage: store,
      'target-database-url': pg.url('drill_post_fails'),
      'post-restore-sql': 'UPDATE app.customers SET no_such_column = 1',
    });
    expect(run.error?.message).toMatch(
      /restore drill failed and the database it created was dropped: .*post-restore-sql failed at the statement ending on its line 1/,
    );
    expect(await exists('drill_post_fails')).toBe(false);
    expect(await files(store)).toEqual(before);
  });

  it('runs in the drill before the assertions, which see the masked data', async () => {
    const run = await verify({
      storage: dir,
      'target-database-url': pg.url('drill_masked'),
      'post-restore-sql': MASK,
      'assert-sql': `select (${UNMASKED}) = 0`,
    });
    expect(run.error).toBeUndefined();
    expect(JSON.parse(run.outputs.assertions ?? '')).toEqual([
      { sql: `select (${UNMASKED}) = 0`, passed: true },
    ]);
    expect(await exists('drill_masked')).toBe(false);
  });
});
