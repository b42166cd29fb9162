import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tocFirst } from '../../../src/pipeline/dump-watch.js';
import { packFiles, tarHeader } from '../../../src/pipeline/tar-pack.js';

/** A finished dump directory packed whole: toc.dat first, then by name (as without /proc). */
function packDirectory(dir: string, root: string) {
  async function* names(): AsyncGenerator<string> {
    yield* (await readdir(dir)).sort(tocFirst);
  }
  return packFiles(dir, root, names());
}
import { bytes, collect } from '../../helpers/unit-support.js';

const BLOCK = 512;

/** A NUL-terminated (or full-width) string field. */
function field(h: Buffer, at: number, width: number): string {
  const raw = h.subarray(at, at + width);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul === -1 ? width : nul).toString('utf8');
}

/** An octal numeric field as tar reads it (leading spaces/zeros, NUL or space terminated). */
function octal(h: Buffer, at: number, width: number): number {
  return parseInt(field(h, at, width).trim() || '0', 8);
}

/** The size field, octal or GNU base-256. */
function sizeOf(h: Buffer): bigint {
  if (((h[124] ?? 0) & 0x80) === 0) return BigInt(octal(h, 124, 12));
  let value = BigInt((h[124] ?? 0) & 0x7f);
  for (let i = 125; i < 136; i += 1) value = (value << 8n) | BigInt(h[i] ?? 0);
  return value;
}

/** The header checksum as tar computes it: all bytes, the checksum field counted as spaces. */
function expectedChecksum(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  return sum;
}

function nameOf(h: Buffer): string {
  const prefix = field(h, 345, 155);
  const name = field(h, 0, 100);
  return prefix ? `${prefix}/${name}` : name;
}

describe('tarHeader', () => {
  const MTIME = 1_790_000_000;

  it.each([
    ['root/', 0, '5', 0o755],
    ['root/toc.dat', 1234, '0', 0o644],
    ['root/3001.dat.zst', 0, '0', 0o644],
    ['app-20261122T020000Z/4242.dat.gz', 8 ** 11 - 1, '0', 0o644],
  ] as [string, number, '0' | '5', number][])(
    'writes a valid ustar header for %s (size %i)',
    (name, size, type, mode) => {
      const h = tarHeader(name, size, MTIME, type);
      expect(h).toHaveLength(BLOCK);
      expect(field(h, 0, 100)).toBe(name);
      expect(field(h, 100, 8)).toBe(mode.toString(8).padStart(7, '0'));
      expect(octal(h, 108, 8)).toBe(0);
      expect(octal(h, 116, 8)).toBe(0);
      expect(field(h, 124, 12)).toBe(size.toString(8).padStart(11, '0'));
      expect(sizeOf(h)).toBe(BigInt(size));
      expect(field(h, 136, 12)).toBe(MTIME.toString(8).padStart(11, '0'));
      expect(String.fromCharCode(h[156] ?? 0)).toBe(type);
      expect(h.subarray(257, 263).toString('latin1')).toBe('ustar\u0000');
      expect(h.subarray(263, 265).toString('latin1')).toBe('00');
      expect(field(h, 345, 155)).toBe('');
      // checksum: six octal digits, NUL, space (as GNU and BSD tar write it)
      expect(h.subarray(148, 154).toString('latin1')).toMatch(/^[0-7]{6}$/);
      expect([h[154], h[155]]).toEqual([0, 0x20]);
      expect(octal(h, 148, 8)).toBe(expectedChecksum(h));
    },
  );

  it('fills unused bytes with NUL', () => {
    const h = tarHeader('root/toc.dat', 10, MTIME, '0');
    expect(h.subarray(157, 257).every((b) => b === 0)).toBe(true); // linkname
    expect(h.subarray(265, 345).every((b) => b === 0)).toBe(true); // uname, gname, devmajor, devminor
    expect(h.subarray(500).every((b) => b === 0)).toBe(true);
  });

  it.each([8 * 1024 ** 3, 8 ** 11, 123 * 1024 ** 3 + 7, Number.MAX_SAFE_INTEGER])(
    'writes the size %i (>= 8 GiB) in GNU base-256',
    (size) => {
      const h = tarHeader('root/huge.dat', size, MTIME, '0');
      expect(h[124]).toBe(0x80);
      expect(sizeOf(h)).toBe(BigInt(size));
      const be = Buffer.alloc(8);
      be.writeBigUInt64BE(BigInt(size));
      expect(h.subarray(128, 136)).toEqual(be);
      expect(octal(h, 148, 8)).toBe(expectedChecksum(h));
    },
  );

  it('splits a name longer than 100 bytes into prefix and name', () => {
    const dir = `root/${'d'.repeat(70)}`;
    const full = `${dir}/${'f'.repeat(60)}`;
    const h = tarHeader(full, 1, MTIME, '0');
    expect(field(h, 345, 155)).toBe(dir);
    expect(field(h, 0, 100)).toBe('f'.repeat(60));
    expect(nameOf(h)).toBe(full);
    expect(octal(h, 148, 8)).toBe(expectedChecksum(h));
  });

  it('keeps a name of exactly 100 bytes whole', () => {
    const name = `root/${'n'.repeat(95)}`;
    const h = tarHeader(name, 1, MTIME, '0');
    expect(h.subarray(0, 100).toString('utf8')).toBe(name);
    expect(field(h, 345, 155)).toBe('');
  });
});

interface Entry {
  name: string;
  type: string;
  size: number;
  mtime: number;
  data: Buffer;
}

/** Reads a ustar stream back, checking every header checksum, padding and the end blocks. */
function parseTar(tar: Buffer): Entry[] {
  expect(tar.length % BLOCK).toBe(0);
  const entries: Entry[] = [];
  let at = 0;
  for (;;) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    expect(octal(h, 148, 8)).toBe(expectedChecksum(h));
    const size = Number(sizeOf(h));
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    expect(tar.subarray(at + BLOCK + size, at + BLOCK + padded).every((b) => b === 0)).toBe(true);
    entries.push({
      name: nameOf(h),
      type: String.fromCharCode(h[156] ?? 0),
      size,
      mtime: octal(h, 136, 12),
      data: Buffer.from(data),
    });
    at += BLOCK + padded;
  }
  expect(tar.length - at).toBe(2 * BLOCK);
  expect(tar.subarray(at).every((b) => b === 0)).toBe(true);
  return entries;
}

describe('packDirectory', () => {
  let dir = '';
  const files: Record<string, Buffer> = {
    '3002.dat.zst': bytes(700, 2),
    'toc.dat': bytes(3000, 1),
    '3001.dat.zst': bytes(BLOCK, 3),
    '3000.dat.zst': Buffer.alloc(0),
    'blob_16400.dat': bytes(1, 4),
    'zz-large.dat': bytes(3 * 1024 * 1024 + 5, 5),
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tar-pack-unit-'));
    for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('packs every file under root/, toc.dat first, with sizes, padding and two zero blocks', async () => {
    const before = Math.floor(Date.now() / 1000);
    const entries = parseTar(await collect(packDirectory(dir, 'app-20261122T020000Z')));
    const after = Math.floor(Date.now() / 1000);
    expect(entries.map((e) => [e.name, e.type, e.size])).toEqual([
      ['app-20261122T020000Z/', '5', 0],
      ['app-20261122T020000Z/toc.dat', '0', 3000],
      ['app-20261122T020000Z/3000.dat.zst', '0', 0],
      ['app-20261122T020000Z/3001.dat.zst', '0', BLOCK],
      ['app-20261122T020000Z/3002.dat.zst', '0', 700],
      ['app-20261122T020000Z/blob_16400.dat', '0', 1],
      ['app-20261122T020000Z/zz-large.dat', '0', 3 * 1024 * 1024 + 5],
    ]);
    for (const entry of entries.slice(1)) {
      const name = entry.name.split('/')[1] ?? '';
      expect(entry.data.equals(files[name] ?? Buffer.alloc(1))).toBe(true);
    }
    for (const entry of entries) {
      expect(entry.mtime).toBeGreaterThanOrEqual(before);
      expect(entry.mtime).toBeLessThanOrEqual(after);
    }
  });

  it('packs an empty directory as the root entry and the end blocks', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tar-pack-empty-'));
    try {
      const tar = await collect(packDirectory(empty, 'x'));
      expect(tar.length).toBe(3 * BLOCK);
      expect(parseTar(tar).map((e) => e.name)).toEqual(['x/']);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  // The longest backup id: a 100-character label and the timestamp.
  // The longest id: a 63-character label (the maximum), a timestamp and a -NN suffix.
  const LONG_ROOT = `${'x'.repeat(63)}-20261122T020000Z-99`;

  it('keeps the file names under the longest backup id as root', async () => {
    const entries = parseTar(await collect(packDirectory(dir, LONG_ROOT)));
    expect(entries.slice(1).map((e) => e.name)).toEqual(
      [
        'toc.dat',
        '3000.dat.zst',
        '3001.dat.zst',
        '3002.dat.zst',
        'blob_16400.dat',
        'zz-large.dat',
      ].map((n) => `${LONG_ROOT}/${n}`),
    );
  });

  it('keeps the root directory entry of the longest backup id', async () => {
    const entries = parseTar(await collect(packDirectory(dir, LONG_ROOT)));
    expect(entries[0]?.name).toBe(`${LONG_ROOT}/`);
  });

  it('fails the stream when the directory does not exist', async () => {
    await expect(collect(packDirectory(join(dir, 'missing'), 'x'))).rejects.toThrow(/ENOENT/);
  });

  it('packFiles packs in the order given and tells the reader of every file and the end', async () => {
    const told: [string, number][] = [];
    let ended = false;
    const reader = {
      packed: (name: string, size: number) => void told.push([name, size]),
      end: () => void (ended = true),
    };
    const order = ['toc.dat', 'zz-large.dat', '3001.dat.zst', 'blob_16400.dat'];
    const entries = parseTar(await collect(packFiles(dir, 'r', order, reader)));
    expect(entries.map((e) => e.name)).toEqual(['r/', ...order.map((n) => `r/${n}`)]);
    for (const entry of entries.slice(1))
      expect(entry.data.equals(files[entry.name.slice(2)] ?? Buffer.alloc(1))).toBe(true);
    expect(told).toEqual(order.map((name) => [name, files[name]?.length]));
    expect(ended).toBe(true);
  });

  it('packFiles fails the stream when the names fail (pg_dump failed), before the end blocks', async () => {
    const names = (async function* () {
      yield 'toc.dat';
      await Promise.resolve();
      throw new Error('pg_dump failed (exit code 1)');
    })();
    await expect(collect(packFiles(dir, 'r', names))).rejects.toThrow(/pg_dump failed/);
  });
});
