// The restore story with an in-memory store, a fake psql and a mocked target: no server, no S3.
// The backups it restores are written by the real backup story with the same fakes.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { RunContext } from '../../../src/commands/context.js';
import type { TargetState } from '../../../src/postgres/target.js';
import {
  copyRows,
  createFakeClient,
  DEFAULT_TABLES,
  plainDump,
  type FakeTable,
} from '../../helpers/fake-client.js';
import { MemoryStore } from '../../helpers/memory-store.js';
import { readerOf } from '../../../scripts/lib/repo.js';
import { memoryStores, mockServerSide, SERVER } from '../../helpers/story-mocks.js';

const KNOWN_SETTINGS = new Set(['statement_timeout', 'client_encoding']);

const fake = await createFakeClient('16.4');
const { stores, storeFor } = memoryStores();

/** The target calls in order: inspect, create, drop, count. */
const journal: string[] = [];
/** The restored rows the mocked countRows reports: those of the SQL psql received. */
async function rowsPsqlReceived(tables: { schema: string; name: string }[]): Promise<number[]> {
  const rows = copyRows(await fake.psqlInput());
  return tables.map((t) => rows[`${t.schema}.${t.name}`] ?? -1);
}

await mockServerSide(fake.client, storeFor);
const realTarget = await import('../../../src/postgres/target.js');
const inspectTarget = jest.fn<typeof realTarget.inspectTarget>();
const createTargetDatabase = jest.fn<typeof realTarget.createTargetDatabase>();
const dropTargetDatabase = jest.fn<typeof realTarget.dropTargetDatabase>();
const countRows = jest.fn<typeof realTarget.countRows>();
const targetSettings = jest.fn<typeof realTarget.targetSettings>();
jest.unstable_mockModule('../../../src/postgres/target.js', () => ({
  ...realTarget,
  inspectTarget,
  createTargetDatabase,
  dropTargetDatabase,
  countRows,
  targetSettings,
}));
const { runBackup } = await import('../../../src/commands/backup.js');
const { runRestoreCommand } = await import('../../../src/commands/restore.js');
const { readBackupSettings } = await import('../../../src/inputs/backup.js');
const { readRestoreSettings } = await import('../../../src/inputs/restore.js');
const { parseManifest } = await import('../../../src/catalog/manifest.js');

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const MISSING: TargetState = { exists: false, server: SERVER };
const EMPTY: TargetState = {
  exists: true,
  server: SERVER,
  userTables: 0,
  settings: KNOWN_SETTINGS,
};

/** The default tables with only the first `n` accounts, so each seeded backup differs. */
function tablesWith(n: number): FakeTable[] {
  const [accounts, ...rest] = DEFAULT_TABLES;
  if (!accounts) throw new Error('DEFAULT_TABLES is empty');
  return [{ ...accounts, rows: accounts.rows.slice(0, n) }, ...rest];
}

/** Three backups of label `app` a day apart; backup n holds n accounts. */
const SEEDS = [
  { at: '2026-11-20T02:00:00.000Z', id: 'app-20261120T020000Z', tables: tablesWith(1) },
  { at: '2026-11-21T02:00:00.000Z', id: 'app-20261121T020000Z', tables: tablesWith(2) },
  { at: '2026-11-22T02:00:00.000Z', id: 'app-20261122T020000Z', tables: tablesWith(3) },
] as const;

async function context(now = new Date('2026-11-23T00:00:00Z')): Promise<RunContext> {
  return {
    env: process.env,
    workspace: await mkdtemp(join(tmpdir(), 'restore-ws-')),
    now: () => now,
  };
}

async function seed(): Promise<void> {
  const read = readerOf({
    'database-url': 'postgresql://app:s3cret@db.example:5432/app',
    storage: '/mem/a',
    format: 'plain',
    compression: 'zstd',
  });
  const settings = readBackupSettings(read, () => undefined, '/');
  for (const s of SEEDS) {
    await fake.setDump(plainDump([...s.tables]));
    await runBackup(settings, await context(new Date(s.at)));
  }
}

function restoreSettings(inputs: Record<string, string> = {}) {
  const read = readerOf({
    'target-database-url': 'postgresql://app:s3cret@db.example:5432/restored',
    storage: '/mem/a',
    ...inputs,
  });
  return readRestoreSettings(read, () => undefined, '/');
}

function store(): MemoryStore {
  const found = stores.get('/mem/a');
  if (!found) throw new Error('no store was opened for /mem/a');
  return found;
}

/** `schema.name` → rows of a seed's tables. */
function rowsOf(tables: readonly FakeTable[]): Record<string, number> {
  return Object.fromEntries(tables.map((t) => [`${t.schema}.${t.name}`, t.rows.length]));
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'restore-out-'));
  process.env.GITHUB_OUTPUT = join(dir, 'output');
  await writeFile(process.env.GITHUB_OUTPUT, '');
  delete process.env.GITHUB_STEP_SUMMARY;
});

beforeEach(async () => {
  stores.clear();
  journal.length = 0;
  jest.clearAllMocks();
  await fake.reset();
  await seed();
  await fake.setDump('-- the restore must not run pg_dump\n');
  inspectTarget.mockImplementation(() => (journal.push('inspect'), Promise.resolve(MISSING)));
  createTargetDatabase.mockImplementation(() => (journal.push('create'), Promise.resolve()));
  dropTargetDatabase.mockImplementation(() => (journal.push('drop'), Promise.resolve()));
  targetSettings.mockImplementation(() => Promise.resolve(KNOWN_SETTINGS));
  countRows.mockImplementation(async (_conn, tables) => {
    journal.push('count');
    return rowsPsqlReceived(tables);
  });
});

describe('restore story: which backup', () => {
  it.each([
    ['latest', 'app-20261122T020000Z', 2],
    ['app-20261120T020000Z', 'app-20261120T020000Z', 0],
    ['2026-11-21T12:00:00Z', 'app-20261121T020000Z', 1],
  ] as const)('backup: %s restores %s', async (backup, id, seedIndex) => {
    const report = await runRestoreCommand(restoreSettings({ backup }), await context());
    const seeded = SEEDS[seedIndex];
    expect(report.manifest.id).toBe(id);
    expect(copyRows(await fake.psqlInput())).toEqual(rowsOf(seeded.tables));
    expect(report.comparison.mismatches).toEqual([]);
    expect(report.comparison.rows.map((r) => r.table)).toEqual(['public.accounts', 'shop.orders']);
  });

  it('fails naming the choice when no backup matches the time', async () => {
    const run = runRestoreCommand(
      restoreSettings({ backup: '2026-11-19T00:00:00Z' }),
      await context(),
    );
    await expect(run).rejects.toThrow(/No backup with label 'app'/);
    expect(journal).toEqual([]);
  });
});

describe('restore story: protecting the target', () => {
  it('fails with "Checksum mismatch" on a flipped byte before the target is looked at', async () => {
    const key = `${SEEDS[2].id}.sql.zst`;
    const body = Buffer.from(store().get(key));
    body[body.length >> 1] = (body[body.length >> 1] ?? 0) ^ 0x01;
    store().put(key, body);
    const run = runRestoreCommand(restoreSettings(), await context());
    await expect(run).rejects.toThrow('Checksum mismatch');
    expect(inspectTarget).not.toHaveBeenCalled();
    expect(createTargetDatabase).not.toHaveBeenCalled();
    expect(await fake.psqlInput()).toBe('');
  });

  it('refuses a target that has user tables without overwrite, creating nothing', async () => {
    inspectTarget.mockResolvedValue({ ...EMPTY, userTables: 4 });
    const run = runRestoreCommand(restoreSettings(), await context());
    await expect(run).rejects.toThrow(/already has 4 user tables; nothing was changed/);
    expect(createTargetDatabase).not.toHaveBeenCalled();
    expect(dropTargetDatabase).not.toHaveBeenCalled();
    expect(await fake.psqlInput()).toBe('');
  });

  it('refuses a missing target when create-database is false', async () => {
    const run = runRestoreCommand(restoreSettings({ 'create-database': 'false' }), await context());
    await expect(run).rejects.toThrow(/does not exist and create-database is false/);
    expect(createTargetDatabase).not.toHaveBeenCalled();
    expect(await fake.psqlInput()).toBe('');
  });

  it('creates a missing target, then restores into it', async () => {
    const settings = restoreSettings();
    await runRestoreCommand(settings, await context());
    expect(journal).toEqual(['inspect', 'create', 'count']);
    expect(createTargetDatabase).toHaveBeenCalledWith(settings.target);
    expect(dropTargetDatabase).not.toHaveBeenCalled();
    expect(targetSettings).toHaveBeenCalledWith(settings.target);
  });

  it('restores into an existing empty target without creating it', async () => {
    inspectTarget.mockResolvedValue(EMPTY);
    const report = await runRestoreCommand(restoreSettings(), await context());
    expect(report.target).toBe('restored');
    expect(createTargetDatabase).not.toHaveBeenCalled();
    expect(copyRows(await fake.psqlInput())).toEqual(rowsOf(SEEDS[2].tables));
  });

  it('drops the database it created when psql fails', async () => {
    await fake.setPsqlExit(3);
    const settings = restoreSettings();
    const run = runRestoreCommand(settings, await context());
    await expect(run).rejects.toThrow(/database this run created was dropped again.*psql/);
    expect(journal).toEqual(['inspect', 'create', 'drop']);
    expect(dropTargetDatabase).toHaveBeenCalledWith(settings.target);
    expect(countRows).not.toHaveBeenCalled();
  });

  it('leaves an existing target alone when psql fails (no create, no drop)', async () => {
    inspectTarget.mockResolvedValue(EMPTY);
    await fake.setPsqlExit(1);
    const run = runRestoreCommand(restoreSettings(), await context());
    await expect(run).rejects.toThrow(
      /rolled back.*first failing object: TABLE DATA shop.orders \(line 42\): ERROR: fake psql failure/,
    );
    expect(createTargetDatabase).not.toHaveBeenCalled();
    expect(dropTargetDatabase).not.toHaveBeenCalled();
  });
});

describe('restore story: what reaches the target', () => {
  it('feeds psql the dump with its COPY data, into the target database', async () => {
    await runRestoreCommand(restoreSettings(), await context());
    const sql = await fake.psqlInput();
    const [accounts, orders] = SEEDS[2].tables;
    for (const t of [accounts, orders]) {
      if (!t) throw new Error('missing seeded table');
      const block = [
        `COPY ${t.schema}.${t.name} (${t.columns.join(', ')}) FROM stdin;`,
        ...t.rows,
        '\\.',
      ].join('\n');
      expect(sql).toContain(block);
    }
    const dbname = (await fake.lastArgs('psql')).find((a) => a.startsWith('--dbname='));
    expect(dbname).toMatch(/dbname='?restored/);
    expect(dbname).not.toContain('s3cret');
  });

  it('wraps the SQL in BEGIN and COMMIT, so psql applies it in one transaction', async () => {
    await runRestoreCommand(restoreSettings(), await context());
    const sql = await fake.psqlInput();
    // psql is restricted with this run's key before it reads anything else (issue 22).
    expect(sql).toMatch(/^\\restrict [0-9a-f]+\nBEGIN;\n/);
    expect(sql.endsWith('COMMIT;\n')).toBe(true);
    expect(sql.match(/^COMMIT;$/gm)).toHaveLength(1);
  });

  it('never sends COMMIT when the archive breaks off mid-way, and drops the database it created', async () => {
    // A stored object whose checksum matches but whose zstd stream breaks off after the first table.
    const sql = plainDump([...SEEDS[2].tables]);
    const cut = zstdCompressSync(Buffer.from(sql)).subarray(0, -8);
    const manifestFile = `${SEEDS[2].id}.manifest.json`;
    const manifest = parseManifest(store().get(manifestFile).toString('utf8'), manifestFile);
    const object = { ...manifest.object, size: cut.length, sha256: sha256(cut) };
    store().put(manifest.object.key, cut);
    store().put(manifestFile, JSON.stringify({ ...manifest, object }));
    const run = runRestoreCommand(restoreSettings(), await context());
    await expect(run).rejects.toThrow(/database this run created was dropped again/);
    expect(await fake.psqlInput()).not.toContain('COMMIT;');
    expect(journal).toEqual(['inspect', 'create', 'drop']);
  });

  it('fails naming the table when the restored row counts differ from the manifest', async () => {
    countRows.mockResolvedValue([3, 7]);
    const run = runRestoreCommand(restoreSettings(), await context());
    await expect(run).rejects.toThrow(
      /Row counts differ from the manifest for 1 table \(shop\.orders: 7 restored, 2 in the manifest\)/,
    );
    expect(countRows).toHaveBeenCalledTimes(1);
    const [conn, tables] = countRows.mock.calls[0] ?? [];
    expect(conn?.database).toBe('restored');
    expect(tables).toEqual([
      { schema: 'public', name: 'accounts', rows: 3 },
      { schema: 'shop', name: 'orders', rows: 2 },
    ]);
  });

  it('writes a manifest-checked report: every table matches', async () => {
    const report = await runRestoreCommand(restoreSettings(), await context());
    expect(report.comparison).toEqual({
      compared: true,
      rows: [
        { table: 'public.accounts', expected: 3, restored: 3 },
        { table: 'shop.orders', expected: 2, restored: 2 },
      ],
      mismatches: [],
    });
  });
});
