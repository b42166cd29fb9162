// LocalStore on the real file system: claims, directory creation (also under /proc), the spool
// writer, and write failures in words, on a real full (1 MiB tmpfs) and read-only file system.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { claimName } from '../../../src/catalog/naming.js';
import { ActionError } from '../../../src/errors.js';
import { storageWriteError } from '../../../src/storage/local-errors.js';
import { LocalStore } from '../../../src/storage/local.js';
import { chunksOf, readableOf } from '../../helpers/unit-support.js';
import { claim, isTaken, release } from '../../../src/catalog/claim.js';
import { listManifests } from '../../../src/catalog/backups.js';

const ID = 'app-20261122T020000Z';
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'local-store-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  return mkdtemp(join(root, `${name}-`));
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a rejection');
}

describe('LocalStore claims', () => {
  it('names the claim hidden, outside every backup', () => {
    expect(claimName(ID)).toBe(`.${ID}.claim`);
    expect(claimName(`${ID}-2`)).toBe(`.${ID}-2.claim`);
  });

  it('claims an id once until it is released; isTaken never sees a claim', async () => {
    const dir = await freshDir('claims');
    const [mine, theirs] = [new LocalStore(dir), new LocalStore(dir)];
    expect(await claim(mine, ID)).toBe(true);
    expect(await readdir(dir)).toEqual([`.${ID}.claim`]);
    expect(await claim(theirs, ID)).toBe(false);
    expect(await isTaken(mine, ID)).toBe(false);
    expect(await listManifests(mine)).toEqual([]);
    expect(await claim(theirs, `${ID}-2`)).toBe(true);

    await release(mine, ID);
    await release(mine, ID);
    expect(await readdir(dir)).toEqual([`.${ID}-2.claim`]);
    expect(await claim(theirs, ID)).toBe(true);
  });

  it('creates the missing directory levels for a claim', async () => {
    const dir = join(await freshDir('levels'), 'a', 'b', 'c');
    expect(await claim(new LocalStore(dir), ID)).toBe(true);
    expect(await readdir(dir)).toEqual([`.${ID}.claim`]);
  });
});

describe('LocalStore storage directory', () => {
  const message = (dir: string, code: string) =>
    `Cannot create the storage directory '${dir}' (${code}): check the path and permissions.`;

  it.each(['/proc/backups', '/proc/backups/nightly'])(
    'fails at once for %s (recursive mkdir would spin for ever under /proc)',
    async (dir) => {
      const started = Date.now();
      const store = new LocalStore(dir);
      const error = await rejection(store.openWriter(`${ID}.dump`));
      expect(error).toBeInstanceOf(ActionError);
      expect(error.message).toBe(message(dir, 'ENOENT'));
      await expect(claim(store, ID)).rejects.toThrow(message(dir, 'ENOENT'));
      await expect(store.writeSmall(`${ID}.manifest.json`, '{}')).rejects.toThrow(
        message(dir, 'ENOENT'),
      );
      expect(Date.now() - started).toBeLessThan(2000);
    },
  );

  it('fails with ENOTDIR when a part of the path is a file', async () => {
    const base = await freshDir('file');
    await writeFile(join(base, 'plain'), 'x');
    const dir = join(base, 'plain', 'backups');
    await expect(claim(new LocalStore(dir), ID)).rejects.toThrow(message(dir, 'ENOTDIR'));
    await expect(claim(new LocalStore(join(base, 'plain')), ID)).rejects.toThrow(
      message(join(base, 'plain'), 'ENOTDIR'),
    );
  });

  it('accepts a directory that already exists, and one made by another run meanwhile', async () => {
    const dir = join(await freshDir('race'), 'x', 'y');
    const stores = Array.from({ length: 8 }, () => new LocalStore(dir));
    const claims = await Promise.all(stores.map((s, i) => claim(s, `${ID}-${i + 2}`)));
    expect(claims).toEqual(Array.from({ length: 8 }, () => true));
    expect(await claim(new LocalStore(dir), ID)).toBe(true);
  });
});

describe('LocalStore writer', () => {
  it('stores every byte of small and large chunks, visible only after commit', async () => {
    const dir = await freshDir('write');
    const store = new LocalStore(dir);
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const chunks = [
      ...chunksOf(data.subarray(0, 100_000), 7),
      ...chunksOf(data.subarray(100_000), 1024 * 1024),
    ];
    const writer = await store.openWriter(`${ID}.dump`);
    await pipeline(readableOf(chunks), writer.stream);
    expect(await isTaken(store, ID)).toBe(false);
    expect(await writer.commit()).toEqual({ location: join(dir, `${ID}.dump`) });
    expect(await readdir(dir)).toEqual([`${ID}.dump`]);
    expect(sha256(await readFile(join(dir, `${ID}.dump`)))).toBe(sha256(data));
    expect(await isTaken(store, ID)).toBe(true);
  });

  it('leaves nothing after abort, mid-stream or before the first byte', async () => {
    const dir = await freshDir('abort');
    const store = new LocalStore(dir);
    const writer = await store.openWriter(`${ID}.dump`);
    writer.stream.write(randomBytes(1000));
    await writer.abort();
    const untouched = await store.openWriter(`${ID}.sql`);
    await untouched.abort();
    expect(await readdir(dir)).toEqual([]);
  });

  it('never replaces an existing object', async () => {
    const dir = await freshDir('exists');
    const store = new LocalStore(dir);
    await writeFile(join(dir, `${ID}.dump`), 'theirs');
    const writer = await store.openWriter(`${ID}.dump`);
    await pipeline(readableOf([Buffer.from('mine')]), writer.stream);
    await expect(writer.commit()).rejects.toThrow('already exists; a backup is never overwritten');
    await expect(store.writeSmall(`${ID}.dump`, 'mine')).rejects.toThrow('already exists');
    expect(await readFile(join(dir, `${ID}.dump`), 'utf8')).toBe('theirs');
    expect(await readdir(dir)).toEqual([`${ID}.dump`]);
  });
});

describe('storageWriteError', () => {
  const errno = (code: string, message: string) =>
    Object.assign(new Error(`${code}: ${message}, write`), { code });

  it.each([
    [
      'ENOSPC',
      'no space left on device',
      "Cannot write the backup to '/b': no space left on device (ENOSPC). Free space there or choose another storage location.",
    ],
    [
      'EDQUOT',
      'disk quota exceeded',
      "Cannot write the backup to '/b': disk quota exceeded (EDQUOT). Free space there or choose another storage location.",
    ],
    [
      'EROFS',
      'read-only file system',
      "Cannot write the backup to '/b': read-only file system (EROFS). Check the path and its permissions, or choose another storage location.",
    ],
    [
      'EACCES',
      "permission denied, open '/b/.x.partial-1234'",
      "Cannot write the backup to '/b': permission denied (EACCES). Check the path and its permissions, or choose another storage location.",
    ],
    [
      'ENXIO',
      'no such device or address',
      "Cannot write the backup to '/b': no such device or address (ENXIO). Check the path and its permissions, or choose another storage location.",
    ],
  ])('says %s in words', (code, text, expected) => {
    const error = storageWriteError('/b', errno(code, text));
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toBe(expected);
    expect(error.message).not.toContain('partial');
  });

  it('passes an ActionError through and copes with an error without a code', () => {
    const own = new ActionError('already said');
    expect(storageWriteError('/b', own)).toBe(own);
    expect(storageWriteError('/b', new Error('odd failure')).message).toBe(
      "Cannot write the backup to '/b': odd failure. Check the path and its permissions, or choose another storage location.",
    );
  });
});

/** Mounts a 1 MiB tmpfs (needs root); undefined when this machine cannot. */
async function mountTmpfs(options: string): Promise<string | undefined> {
  const dir = await freshDir('tmpfs');
  const run = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=1m,${options}`, 'tmpfs', dir]);
  return run.status === 0 ? dir : undefined;
}

function unmount(dir: string | undefined): void {
  if (dir) spawnSync('umount', [dir]);
}

const canMount = process.getuid?.() === 0 && process.platform === 'linux';

describe.each(canMount ? ['tmpfs'] : [])('LocalStore on a real %s', () => {
  const mounts: (string | undefined)[] = [];
  afterAll(() => mounts.forEach(unmount));

  it('fails a data object that does not fit with one line, and leaves no spool file', async () => {
    const dir = await mountTmpfs('rw');
    mounts.push(dir);
    if (!dir) throw new Error('mount -t tmpfs failed');
    const store = new LocalStore(join(dir, 'backups'));
    const writer = await store.openWriter(`${ID}.dump`);
    const source = readableOf(chunksOf(randomBytes(3 * 1024 * 1024), 64 * 1024));
    const error = await rejection(pipeline(source, writer.stream));
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toBe(
      `Cannot write the backup to '${join(dir, 'backups')}': no space left on device (ENOSPC). Free space there or choose another storage location.`,
    );
    await expect(writer.commit()).rejects.toThrow('no space left on device (ENOSPC)');
    await writer.abort();
    expect(await readdir(join(dir, 'backups'))).toEqual([]);
  });

  it('fails a manifest that does not fit with one line, and leaves no spool file', async () => {
    const dir = await mountTmpfs('rw');
    mounts.push(dir);
    if (!dir) throw new Error('mount -t tmpfs failed');
    await mkdir(join(dir, 'backups'));
    await writeFile(join(dir, 'filler'), randomBytes(2 * 1024 * 1024)).catch(() => undefined);
    const store = new LocalStore(join(dir, 'backups'));
    const body = JSON.stringify({ pad: 'x'.repeat(256 * 1024) });
    await expect(store.writeSmall(`${ID}.manifest.json`, body)).rejects.toThrow(
      `Cannot write the backup to '${join(dir, 'backups')}': no space left on device (ENOSPC).`,
    );
    expect(await readdir(join(dir, 'backups'))).toEqual([]);
  });

  it('names a read-only file system', async () => {
    const dir = await mountTmpfs('ro');
    mounts.push(dir);
    if (!dir) throw new Error('mount -t tmpfs failed');
    const store = new LocalStore(dir);
    const expected = `Cannot write the backup to '${dir}': read-only file system (EROFS). Check the path and its permissions, or choose another storage location.`;
    await expect(store.openWriter(`${ID}.dump`)).rejects.toThrow(expected);
    await expect(store.writeSmall(`${ID}.manifest.json`, '{}')).rejects.toThrow(expected);
    await expect(claim(store, ID)).rejects.toThrow(expected);
  });
});
