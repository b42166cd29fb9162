import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DumpWatch, type FileState } from '../../../src/pipeline/dump-watch.js';
import { FileFollower, wholeFile } from '../../../src/pipeline/file-follow.js';
import { bytes } from '../../helpers/unit-support.js';

let dir = '';
const files: Record<string, Buffer> = { 'toc.dat': bytes(10, 1) };
for (let i = 0; i < 20; i++) files[`${3000 + i}.dat`] = bytes(1000 + i * 70_000, i + 2);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-follow-'));
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileFollower', () => {
  it('reads every file whole, four at a time when many are finished together', async () => {
    // No process id: every file is finished once pg_dump has exited (here: at once).
    const watch = new DumpWatch(dir, { exited: Promise.resolve() });
    const follower = new FileFollower(watch);
    let now = 0;
    let most = 0;
    const read: Promise<[string, Buffer, number]>[] = [];
    watch.on((name) => {
      const parts: Buffer[] = [];
      const reader = {
        write: async (chunk: Buffer) => {
          now += parts.length === 0 ? 1 : 0;
          most = Math.max(most, now);
          parts.push(chunk);
          await delay(5);
        },
        end: () => Promise.resolve(void (now -= 1)),
      };
      read.push(follower.read(name, reader).then((n) => [name, Buffer.concat(parts), n]));
    });
    await watch.ended;
    const all = await Promise.all(read);
    expect(all.map(([name]) => name).sort()).toEqual(Object.keys(files).sort());
    for (const [name, data, n] of all) {
      expect(data.equals(files[name] ?? Buffer.alloc(1))).toBe(true);
      expect(n).toBe(files[name]?.length);
    }
    expect(most).toBe(4);
  });

  it('wholeFile hands the whole file to its callback at the end', async () => {
    let got = '';
    const reader = wholeFile((data) => (got = data.toString()));
    await reader.write(Buffer.from('ab'));
    await reader.write(Buffer.from('c'));
    expect(got).toBe('');
    await reader.end();
    expect(got).toBe('abc');
  });
  it('reads a file to its end when pg_dump closes it and exits cleanly during a read', async () => {
    // The file pg_dump finishes last: the follower has read its bytes while it was open, sees it
    // open once more and reads again; during that read (which finds no more bytes) pg_dump closed
    // the file and exited, and the watch's last look marked it closed and ended the watch cleanly.
    const name = '3000.dat';
    let looks = 0;
    let state: FileState = 'open';
    let over = false;
    const watch = {
      dir,
      state: () => {
        const now = state;
        if ((looks += 1) === 2) [state, over] = ['closed', true]; // during the read that follows
        return now;
      },
      get over() {
        return over;
      },
      next: () => Promise.resolve(),
    } as unknown as DumpWatch;
    let got: Buffer = Buffer.alloc(0);
    const n = await new FileFollower(watch).read(
      name,
      wholeFile((data) => (got = data)),
    );
    expect(n).toBe(files[name]?.length);
    expect(got.equals(files[name] ?? Buffer.alloc(1))).toBe(true);
  });
});
