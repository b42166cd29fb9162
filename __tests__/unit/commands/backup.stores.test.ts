// The backup story on real directories (LocalStore, no store mock): ids claimed before the dump,
// same-second runs of other formats, and failures that must remove only what this run wrote. The
// server and the client are faked as in backup.test.ts.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { RunContext } from '../../../src/commands/context.js';
import type { StorageLocation } from '../../../src/settings.js';
import { ActionError } from '../../../src/errors.js';
import { LocalStore } from '../../../src/storage/local.js';
import type { ObjectWriter, Store } from '../../../src/storage/store.js';
import { createFakeClient, plainDump } from '../../helpers/fake-client.js';
import { readerOf } from '../../../scripts/lib/repo.js';
import { ID, mockServerSide, NOW } from '../../helpers/story-mocks.js';
import { claim } from '../../../src/catalog/claim.js';

const fake = await createFakeClient('16.4');
/** Stores a test put in place of the plain LocalStore of a directory. */
const special = new Map<string, Store>();

function storeFor(location: StorageLocation): Store {
  if (location.kind !== 'local') throw new Error('these tests use directories only');
  return special.get(location.directory) ?? new LocalStore(location.directory);
}

await mockServerSide(fake.client, storeFor);
const { runBackup } = await import('../../../src/commands/backup.js');
const { readBackupSettings } = await import('../../../src/inputs/backup.js');

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'backup-stores-'));
  process.env.GITHUB_OUTPUT = join(root, 'output');
  delete process.env.GITHUB_STEP_SUMMARY;
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  special.clear();
  await fake.setDumpMode('ok');
  await fake.setDump(plainDump());
  await writeFile(process.env.GITHUB_OUTPUT ?? '', '');
});

function settingsWith(dirs: string[], inputs: Record<string, string> = {}) {
  const read = readerOf({
    'database-url': 'postgresql://app:s3cret@db.example:5432/app',
    storage: dirs.join('\n'),
    format: 'plain',
    compression: 'gzip',
    verify: 'archive',
    ...inputs,
  });
  return readBackupSettings(read, () => undefined, '/');
}

async function context(): Promise<RunContext> {
  return { env: process.env, workspace: await mkdtemp(join(root, 'ws-')), now: () => NOW };
}

async function dirs(n: number): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => mkdtemp(join(root, `store${i}-`))));
}

/** Every name in a directory, hidden ones included, sorted. */
async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** A directory where another run finishes `${ID}.dump` + manifest just before this run's manifest. */
class RacedStore extends LocalStore {
  constructor(private readonly dir: string) {
    super(dir);
  }

  override async writeSmall(fileName: string, body: string) {
    await writeFile(join(this.dir, `${ID}.dump`), 'their dump');
    await writeFile(join(this.dir, `${ID}.manifest.json`), 'their manifest');
    return super.writeSmall(fileName, body);
  }
}

/** A directory whose data objects cannot be created; records what the other store held meanwhile. */
class UnwritableStore extends LocalStore {
  seen: string[] = [];
  constructor(
    dir: string,
    private readonly other: string,
  ) {
    super(dir);
  }

  override async openWriter(): Promise<ObjectWriter> {
    this.seen = await listing(this.other);
    throw new ActionError('injected: this location cannot be created');
  }
}

describe('backup ids and cleanup on real directories', () => {
  it('gives same-second runs of other compressions their own ids, leaving no claims', async () => {
    const [a, b] = await dirs(2);
    const where = [a ?? '', b ?? ''];
    const runs = await Promise.all([
      runBackup(settingsWith(where, { compression: 'gzip' }), await context()),
      runBackup(settingsWith(where, { compression: 'zstd' }), await context()),
    ]);
    const ids = runs.map((r) => r.manifest.id).sort();
    expect(ids).toEqual([ID, `${ID}-2`]);
    const expected = runs.flatMap((r) => [
      r.manifest.object.key,
      `${r.manifest.id}.manifest.json`,
      `${r.manifest.id}.recovery.md`,
    ]);
    for (const dir of where) expect(await listing(dir)).toEqual(expected.sort());
  });

  it('takes -2 while another run holds the id, and leaves that run its claim', async () => {
    const [a] = await dirs(1);
    const dir = a ?? '';
    expect(await claim(new LocalStore(dir), ID)).toBe(true);
    const report = await runBackup(settingsWith([dir]), await context());
    expect(report.manifest.id).toBe(`${ID}-2`);
    expect(await listing(dir)).toEqual(
      [`.${ID}.claim`, `${ID}-2.manifest.json`, `${ID}-2.recovery.md`, `${ID}-2.sql.gz`].sort(),
    );
  });

  it('aborts the writers already open when a later location cannot be written', async () => {
    const [a, b] = await dirs(2);
    const [first, second] = [a ?? '', b ?? ''];
    const refusing = new UnwritableStore(second, first);
    special.set(second, refusing);
    const run = runBackup(settingsWith([first, second]), await context());
    await expect(run).rejects.toThrow('injected: this location cannot be created');
    // The claim was held when the writers were opened; no spool file and no claim is left.
    expect(refusing.seen).toContain(`.${ID}.claim`);
    expect(await listing(first)).toEqual([]);
    expect(await listing(second)).toEqual([]);
  });

  it('removes only its own objects when another run wins the manifest at one location', async () => {
    const [a, b] = await dirs(2);
    const [mine, raced] = [a ?? '', b ?? ''];
    special.set(raced, new RacedStore(raced));
    const run = runBackup(settingsWith([mine, raced]), await context());
    await expect(run).rejects.toThrow('already exists; a backup is never overwritten');
    expect(await listing(mine)).toEqual([]);
    expect(await listing(raced)).toEqual([`${ID}.dump`, `${ID}.manifest.json`]);
    expect(await readFile(join(raced, `${ID}.manifest.json`), 'utf8')).toBe('their manifest');
    expect(await readFile(join(raced, `${ID}.dump`), 'utf8')).toBe('their dump');
  });

  it('releases its claims when pg_dump fails', async () => {
    await fake.setDumpMode('fail-mid');
    const [a, b] = await dirs(2);
    const where = [a ?? '', b ?? ''];
    await expect(runBackup(settingsWith(where), await context())).rejects.toThrow(ActionError);
    for (const dir of where) expect(await listing(dir)).toEqual([]);
  });

  it('fails at once for a directory under /proc and leaves nothing at the other', async () => {
    const [a] = await dirs(1);
    const run = runBackup(settingsWith([a ?? '', '/proc/backups']), await context());
    await expect(run).rejects.toThrow(
      "Cannot create the storage directory '/proc/backups' (ENOENT): check the path and permissions.",
    );
    expect(await listing(a ?? '')).toEqual([]);
  });
});
