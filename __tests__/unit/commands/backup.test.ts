// The backup story with in-memory stores and a fake pg_dump: no server, no S3. The modules that
// would need a server are mocked before the command is imported (ESM: jest.unstable_mockModule).
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { claimName } from '../../../src/catalog/naming.js';
import type { RunContext } from '../../../src/commands/context.js';
import { createFakeClient, DEFAULT_TABLES, plainDump } from '../../helpers/fake-client.js';
import { MemoryStore } from '../../helpers/memory-store.js';
import { readerOf } from '../../../scripts/lib/repo.js';
import { ID, memoryStores, mockServerSide, NOW, SERVER } from '../../helpers/story-mocks.js';

const fake = await createFakeClient('16.4');
/** The stores of this test, by the directory of their `storage` line. */
const { stores, storeFor } = memoryStores();
const { findClient, createStore } = await mockServerSide(fake.client, storeFor);
const { runBackup } = await import('../../../src/commands/backup.js');
const { readBackupSettings } = await import('../../../src/inputs/backup.js');
const { parseManifest } = await import('../../../src/catalog/manifest.js');

const URL = 'postgresql://app:s3cret@db.example:5432/app';

function settingsWith(inputs: Record<string, string> = {}) {
  const read = readerOf({
    'database-url': URL,
    storage: '/mem/a',
    format: 'plain',
    compression: 'gzip',
    verify: 'archive',
    ...inputs,
  });
  return readBackupSettings(read, () => undefined, '/');
}

async function context(now = () => NOW): Promise<RunContext> {
  return { env: process.env, workspace: await mkdtemp(join(tmpdir(), 'backup-ws-')), now };
}

function store(directory = '/mem/a'): MemoryStore {
  const found = stores.get(directory);
  if (!found) throw new Error(`no store was opened for ${directory}`);
  return found;
}

/** No object, claim or open writer of the run is left, and no manifest was ever written. */
function expectNothingOfTheRun(s: MemoryStore): void {
  expect(s.names()).toEqual([]);
  expect(s.openWriters()).toEqual([]);
  expect(s.events.filter((e) => e.op === 'writeSmall')).toEqual([]);
  expect(s.events).toContainEqual({ op: 'abort', name: `${ID}.sql.gz` });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What a verified manifest must list for the fake dump's tables. */
const EXPECTED_TABLES = DEFAULT_TABLES.map((t) => ({
  schema: t.schema,
  name: t.name,
  rows: t.rows.length,
}));

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'backup-out-'));
  process.env.GITHUB_OUTPUT = join(dir, 'output');
  delete process.env.GITHUB_STEP_SUMMARY;
});

beforeEach(async () => {
  stores.clear();
  jest.clearAllMocks();
  await fake.reset();
  await writeFile(process.env.GITHUB_OUTPUT ?? '', '');
});

describe('backup story', () => {
  it('writes the data object first and the manifest last, describing the stored bytes', async () => {
    const report = await runBackup(settingsWith(), await context());
    const s = store();
    const data = `${ID}.sql.gz`;
    const manifestFile = `${ID}.manifest.json`;
    const recovery = `${ID}.recovery.md`;
    expect(s.names()).toEqual([data, manifestFile, recovery].sort());
    expect(s.writeOrder()).toEqual([data, recovery, manifestFile]);
    expect(s.openWriters()).toEqual([]);

    const stored = s.get(data);
    const manifest = parseManifest(s.get(manifestFile).toString('utf8'), manifestFile);
    expect(manifest.id).toBe(ID);
    expect(manifest.object).toEqual({ key: data, size: stored.length, sha256: sha256(stored) });
    expect(gunzipSync(stored).toString('utf8')).toBe(plainDump());
    expect(manifest.tables).toEqual(EXPECTED_TABLES);
    expect(manifest.totalRows).toBe(5);
    expect(manifest.verification.archive).toBe('passed');
    expect(manifest.dump).toMatchObject({ format: 'plain', compression: 'gzip:6' });
    expect(manifest.server).toEqual({ version: '15.8', versionNum: 150008, database: 'app' });
    expect(manifest.client.pgDumpVersion).toBe('16.4');
    expect(JSON.stringify(manifest)).not.toContain('s3cret');
    expect(report.manifest).toEqual(manifest);
    expect(report.manifestLocation).toBe(s.locationOf(manifestFile));
    expect(s.hints.get(data)).toEqual({ sizeHint: SERVER.databaseSize });
  });

  it('hands pg_dump the format and the connection, never the password', async () => {
    await runBackup(settingsWith(), await context());
    const args = await fake.lastArgs('pg_dump');
    expect(args).toContain('--format=plain');
    expect(args.find((a) => a.startsWith('--dbname='))).toMatch(/dbname='?app/);
    expect(args.join(' ')).not.toContain('s3cret');
    expect(findClient).toHaveBeenCalledWith(expect.anything(), 15, expect.anything());
  });

  it.each([
    ['gzip', '.sql.gz', 'gzip:6', (b: Buffer) => gunzipSync(b)],
    ['zstd', '.sql.zst', 'zstd:3', (b: Buffer) => zstdDecompressSync(b)],
    ['none', '.sql', 'none', (b: Buffer) => b],
  ])(
    'compression %s stores %s whose content is the dump',
    async (compression, extension, label, decode) => {
      const report = await runBackup(settingsWith({ compression }), await context());
      const data = `${ID}${extension}`;
      const stored = store().get(data);
      expect(decode(stored).toString('utf8')).toBe(plainDump());
      expect(report.manifest.object).toEqual({
        key: data,
        size: stored.length,
        sha256: sha256(stored),
      });
      expect(report.manifest.dump.compression).toBe(label);
      expect(report.manifest.tables).toEqual(EXPECTED_TABLES);
    },
  );

  it('gives a second run in the same second the id -2 and leaves the first backup as it was', async () => {
    const first = await runBackup(settingsWith(), await context());
    const before = new Map(store().objects);
    const second = await runBackup(settingsWith(), await context());
    expect(first.manifest.id).toBe(ID);
    expect(second.manifest.id).toBe(`${ID}-2`);
    expect(second.manifest.object.key).toBe(`${ID}-2.sql.gz`);
    expect(store().names()).toEqual(
      [...before.keys(), `${ID}-2.sql.gz`, `${ID}-2.manifest.json`, `${ID}-2.recovery.md`].sort(),
    );
    for (const [name, body] of before) expect(store().get(name).equals(body)).toBe(true);
  });

  it('claims the id before the dump and releases the claim after the manifest', async () => {
    await runBackup(settingsWith(), await context());
    expect(store().events).toEqual([
      { op: 'claim', name: claimName(ID) },
      { op: 'commit', name: `${ID}.sql.gz` },
      { op: 'writeSmall', name: `${ID}.recovery.md` },
      { op: 'writeSmall', name: `${ID}.manifest.json` },
      { op: 'release', name: claimName(ID) },
    ]);
  });

  it('takes -2 when another run holds the claim of the id at one location, leaving its claim', async () => {
    storeFor({ kind: 'local', directory: '/mem/b' }).put(claimName(ID), '');
    const report = await runBackup(settingsWith({ storage: '/mem/a\n/mem/b' }), await context());
    expect(report.manifest.id).toBe(`${ID}-2`);
    const own = [`${ID}-2.manifest.json`, `${ID}-2.recovery.md`, `${ID}-2.sql.gz`];
    expect(store('/mem/a').names()).toEqual(own);
    expect(store('/mem/b').names()).toEqual([claimName(ID), ...own].sort());
  });

  it('takes the next id when any one location holds an object of the id', async () => {
    storeFor({ kind: 'local', directory: '/mem/b' }).put(`${ID}.sql.gz`, 'someone else');
    const report = await runBackup(settingsWith({ storage: '/mem/a\n/mem/b' }), await context());
    expect(report.manifest.id).toBe(`${ID}-2`);
    expect(store('/mem/a').names()).toEqual([
      `${ID}-2.manifest.json`,
      `${ID}-2.recovery.md`,
      `${ID}-2.sql.gz`,
    ]);
    expect(store('/mem/b').get(`${ID}.sql.gz`).toString()).toBe('someone else');
  });

  it('leaves nothing of the run in any store when a manifest write fails', async () => {
    const failing = storeFor({ kind: 'local', directory: '/mem/b' });
    failing.failNextWriteSmall(/\.manifest\.json$/, new Error('injected: manifest refused'));
    const run = runBackup(settingsWith({ storage: '/mem/a\n/mem/b' }), await context());
    await expect(run).rejects.toThrow('injected: manifest refused');
    for (const dir of ['/mem/a', '/mem/b']) {
      expect(store(dir).names()).toEqual([]);
      expect(store(dir).openWriters()).toEqual([]);
    }
  });

  it('on a manifest name taken meanwhile, removes its own backup but never the other manifest', async () => {
    const b = storeFor({ kind: 'local', directory: '/mem/b' });
    const open = b.openWriter.bind(b);
    // Another writer's manifest of the id appears after this run chose it.
    b.openWriter = (name, hints) => {
      b.put(`${ID}.manifest.json`, 'another run');
      return open(name, hints);
    };
    const run = runBackup(settingsWith({ storage: '/mem/a\n/mem/b' }), await context());
    await expect(run).rejects.toThrow(/already exists/);
    expect(store('/mem/a').names()).toEqual([]);
    expect(b.names()).toEqual([`${ID}.manifest.json`]);
    expect(b.get(`${ID}.manifest.json`).toString()).toBe('another run');
  });

  it('removes the data objects already committed when a later commit fails', async () => {
    const failing = storeFor({ kind: 'local', directory: '/mem/b' });
    failing.failNextCommit(undefined, new Error('injected: commit refused'));
    const run = runBackup(settingsWith({ storage: '/mem/a\n/mem/b' }), await context());
    await expect(run).rejects.toThrow('injected: commit refused');
    expect(store('/mem/a').writeOrder()).toEqual([`${ID}.sql.gz`]);
    expect(store('/mem/a').names()).toEqual([]);
    expect(store('/mem/b').names()).toEqual([]);
    expect(store('/mem/b').openWriters()).toEqual([]);
  });

  it('leaves nothing and names pg_dump when pg_dump exits 1 mid-stream (verify: none)', async () => {
    await fake.setDumpMode('fail-mid');
    const run = runBackup(settingsWith({ verify: 'none' }), await context());
    await expect(run).rejects.toThrow(/pg_dump failed \(exit code 1\).*connection lost/);
    expectNothingOfTheRun(store());
  });

  it('leaves nothing when pg_dump exits 1 mid-stream while the archive is verified', async () => {
    await fake.setDumpMode('fail-mid');
    await expect(runBackup(settingsWith(), await context())).rejects.toThrow();
    expectNothingOfTheRun(store());
  });

  // SPEC: the failure names what failed. The row counter sees the truncated stream end before
  // pg_dump's 'close' and aborts; pg_dump's own exit 1 must still win over that consequence.
  it('names pg_dump, not the verifier, when pg_dump exits 1 mid-stream', async () => {
    await fake.setDumpMode('fail-mid');
    const run = runBackup(settingsWith(), await context());
    await expect(run).rejects.toThrow(/pg_dump failed \(exit code 1\)/);
  });

  it('refuses output that is not a complete dump and stores nothing', async () => {
    await fake.setDumpMode('garbage');
    const run = runBackup(settingsWith(), await context());
    await expect(run).rejects.toThrow(/did not verify.*truncated/);
    expectNothingOfTheRun(store());
  });

  it('writes identical bytes to two stores and reports both locations', async () => {
    const report = await runBackup(settingsWith({ storage: '/mem/a\n/mem/b' }), await context());
    const [a, b] = [store('/mem/a'), store('/mem/b')];
    const data = `${ID}.sql.gz`;
    expect(a.names()).toEqual(b.names());
    expect(a.get(data).equals(b.get(data))).toBe(true);
    expect(a.get(`${ID}.manifest.json`).equals(b.get(`${ID}.manifest.json`))).toBe(true);
    expect(sha256(b.get(data))).toBe(report.manifest.object.sha256);
    expect(report.locations).toEqual([a.locationOf(data), b.locationOf(data)]);
    expect(createStore).toHaveBeenCalledTimes(2);
  });

  it('writes the id and the object as step outputs', async () => {
    const report = await runBackup(settingsWith(), await context());
    const outputs = await readFile(process.env.GITHUB_OUTPUT ?? '', 'utf8');
    expect(outputs).toContain(ID);
    expect(outputs).toContain(report.manifest.object.sha256);
  });
});
