// claimId on real directories: the first id no finished backup has and no other run holds, claimed
// at every location; only this run's claims are ever released.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { claimId, whileClaimed } from '../../../src/catalog/claim.js';
import { LocalStore } from '../../../src/storage/local.js';
import { claimName } from '../../../src/catalog/naming.js';

const ID = 'app-20261122T020000Z';
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'claim-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Two fresh directories and a LocalStore for each. */
async function twoStores(): Promise<{ dirs: string[]; stores: LocalStore[] }> {
  const dirs = [await mkdtemp(join(root, 'a-')), await mkdtemp(join(root, 'b-'))];
  return { dirs, stores: dirs.map((d) => new LocalStore(d)) };
}

/** A store at which a run finishes backup `id` right after this run's claim of it. */
class FinishingStore extends LocalStore {
  constructor(
    private readonly dir: string,
    private readonly finishes: string,
  ) {
    super(dir);
  }

  override async createIfAbsent(fileName: string, body: string): Promise<boolean> {
    const claimed = await super.createIfAbsent(fileName, body);
    const id = this.finishes;
    if (fileName === claimName(id)) await writeFile(join(this.dir, `${id}.manifest.json`), '{}');
    return claimed;
  }
}

describe('claimId', () => {
  it('claims the id at every location and releases it', async () => {
    const { dirs, stores } = await twoStores();
    const claimed = await claimId(stores, ID);
    expect(claimed.id).toBe(ID);
    for (const dir of dirs) expect(await readdir(dir)).toEqual([`.${ID}.claim`]);
    await claimed.release();
    for (const dir of dirs) expect(await readdir(dir)).toEqual([]);
  });

  it('gives -2 while another run holds the id at one location, and leaves its claim', async () => {
    const { dirs, stores } = await twoStores();
    const other = await claimId([new LocalStore(dirs[1] ?? '')], ID);
    const claimed = await claimId(stores, ID);
    expect(claimed.id).toBe(`${ID}-2`);
    expect(await readdir(dirs[0] ?? '')).toEqual([`.${ID}-2.claim`]);
    expect((await readdir(dirs[1] ?? '')).sort()).toEqual([`.${ID}-2.claim`, `.${ID}.claim`]);
    await claimed.release();
    expect(await readdir(dirs[1] ?? '')).toEqual([`.${ID}.claim`]);
    await other.release();
  });

  it('gives -3 to a third run while -1 and -2 are held', async () => {
    const { stores } = await twoStores();
    const held = [await claimId(stores, ID), await claimId(stores, ID)];
    expect(held.map((c) => c.id)).toEqual([ID, `${ID}-2`]);
    expect((await claimId(stores, ID)).id).toBe(`${ID}-3`);
  });

  it('skips an id of which any location has a finished object', async () => {
    const { dirs, stores } = await twoStores();
    await writeFile(join(dirs[1] ?? '', `${ID}.sql.gz`), 'finished');
    const claimed = await claimId(stores, ID);
    expect(claimed.id).toBe(`${ID}-2`);
    expect(await readdir(dirs[0] ?? '')).toEqual([`.${ID}-2.claim`]);
  });

  it('looks again after claiming: a run that finished meanwhile keeps its id', async () => {
    const { dirs } = await twoStores();
    const [a, b] = [dirs[0] ?? '', dirs[1] ?? ''];
    const stores = [new LocalStore(a), new FinishingStore(b, ID)];
    const claimed = await claimId(stores, ID);
    expect(claimed.id).toBe(`${ID}-2`);
    expect(await readdir(a)).toEqual([`.${ID}-2.claim`]);
    expect((await readdir(b)).sort()).toEqual([`.${ID}-2.claim`, `${ID}.manifest.json`]);
  });

  it('fails when a location cannot be claimed and leaves no claim elsewhere', async () => {
    const { dirs } = await twoStores();
    const stores = [new LocalStore(dirs[0] ?? ''), new LocalStore('/proc/backups')];
    await expect(claimId(stores, ID)).rejects.toThrow(
      "Cannot create the storage directory '/proc/backups' (ENOENT): check the path and permissions.",
    );
    expect(await readdir(dirs[0] ?? '')).toEqual([]);
  });
});

describe('whileClaimed', () => {
  it('releases after the work, whether it succeeds or fails', async () => {
    const { dirs, stores } = await twoStores();
    const first = await claimId(stores, ID);
    expect(await whileClaimed(first.release, () => Promise.resolve(7))).toBe(7);
    const second = await claimId(stores, ID);
    expect(second.id).toBe(ID);
    const failing = whileClaimed(second.release, () => Promise.reject(new Error('dump failed')));
    await expect(failing).rejects.toThrow('dump failed');
    for (const dir of dirs) expect(await readdir(dir)).toEqual([]);
  });
});
