import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DumpWatch,
  tocFirst,
  type DumpProcess,
  type FileState,
} from '../../../src/pipeline/dump-watch.js';
import { FileFollower } from '../../../src/pipeline/file-follow.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dump-watch-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A program standing in for pg_dump: `argv` runs with $D the dump directory. */
function fakeDump(argv: string[]): DumpProcess & { started: number; ended: Promise<number> } {
  const started = Date.now();
  const [bin = 'sh', ...args] = argv;
  const child = spawn(bin, args, { env: { D: dir, PATH: process.env.PATH }, stdio: 'inherit' });
  const exited = new Promise<void>((resolve, reject) =>
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`pg_dump failed (exit code ${code})`)),
    ),
  );
  exited.catch(() => undefined);
  const ended = exited.then(() => Date.now() - started);
  ended.catch(() => undefined);
  return { pid: child.pid, exited, started, ended };
}

/** Every name given, with the milliseconds since the dump started. */
async function given(dump: DumpProcess & { started: number }, proc?: string) {
  const seen: [string, number][] = [];
  for await (const name of new DumpWatch(dir, dump, { intervalMs: 25, proc }).closed())
    seen.push([name, Date.now() - dump.started]);
  return seen;
}

// A worker started first that holds 3.dat for 1.2 s and lives until the end; toc.dat held 0.5 s
// while 1.dat is already open; 1.dat closed 0.3 s later, 2.dat written at once after it; the
// dump then runs 0.8 s more. Each step logs its time, so the test does not depend on start-up.
const WORKER = `const fs = require('node:fs');
const fd = fs.openSync(process.env.D + '/3.dat', 'w');
fs.writeSync(fd, 'three');
setTimeout(() => { fs.writeFileSync(process.env.D + '/3.closing', ''); fs.closeSync(fd); }, 1200);
setTimeout(() => {}, 2200);`;
const LEADER = `const fs = require('node:fs');
const { spawn } = require('node:child_process');
const D = process.env.D;
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
spawn(process.execPath, ['-e', ${JSON.stringify(WORKER)}], { stdio: 'inherit' });
(async () => {
  await wait(200);
  const toc = fs.openSync(D + '/toc.dat', 'w');
  fs.writeSync(toc, 'toc');
  const one = fs.openSync(D + '/1.dat', 'w');
  fs.writeSync(one, 'one');
  await wait(500);
  fs.closeSync(toc);
  await wait(300);
  fs.closeSync(one);
  fs.writeFileSync(D + '/2.dat', 'two');
  await wait(800);
})();`;

describe('DumpWatch', () => {
  it('gives toc.dat first, then each file once no process of the tree holds it, before the exit', async () => {
    const dump = fakeDump([process.execPath, '-e', LEADER]);
    const seen = await given(dump);
    const exitedAt = await dump.ended;
    const names = seen.map(([name]) => name);
    expect(names[0]).toBe('toc.dat');
    expect([...names].sort(tocFirst)).toEqual(['toc.dat', '1.dat', '2.dat', '3.closing', '3.dat']);
    const at = Object.fromEntries(seen);
    // toc.dat only after its 0.5 s, 1.dat 0.3 s later, both while the dump still ran.
    expect((at['1.dat'] ?? 0) - (at['toc.dat'] ?? 0)).toBeGreaterThanOrEqual(250);
    for (const name of names) expect(at[name]).toBeLessThan(exitedAt - 300);
    expect(at['3.dat']).toBeGreaterThanOrEqual(at['3.closing'] ?? Infinity);
  }, 10_000);

  it('without /proc gives every file once pg_dump has exited, toc.dat first', async () => {
    const dump = fakeDump([process.execPath, '-e', LEADER]);
    const seen = await given(dump, join(dir, 'no-proc'));
    expect(seen.map(([name]) => name)).toEqual(['toc.dat', '1.dat', '2.dat', '3.closing', '3.dat']);
    expect(Math.min(...seen.map(([, t]) => t))).toBeGreaterThanOrEqual(await dump.ended);
  }, 10_000);

  it("throws pg_dump's failure and gives no file a dead worker left", async () => {
    const dump = fakeDump([
      'sh',
      '-c',
      `sh -c 'exec 5>"$D/3.dat"; echo partial >&5; sleep 0.3; kill -9 $$' &
       echo toc > "$D/toc.dat"
       sleep 0.8; exit 1`,
    ]);
    const seen: string[] = [];
    const all = (async () => {
      for await (const name of new DumpWatch(dir, dump, { intervalMs: 25 }).closed())
        seen.push(name);
    })();
    await expect(all).rejects.toThrow('pg_dump failed (exit code 1)');
    expect(seen).toEqual(['toc.dat']);
  }, 10_000);

  it('gives nothing before toc.dat, even files already closed', async () => {
    const script = 'echo one > "$D/1.dat"; sleep 0.4; echo toc > "$D/toc.dat"; sleep 0.4';
    const seen = await given(fakeDump(['sh', '-c', script]));
    expect(seen.map(([name]) => name)).toEqual(['toc.dat', '1.dat']);
    expect(seen[0]?.[1]).toBeGreaterThanOrEqual(400);
  }, 10_000);

  it('tells of each file as it appears and as it closes; a FileFollower reads it whole', async () => {
    const dump = fakeDump([process.execPath, '-e', LEADER]);
    const watch = new DumpWatch(dir, dump, { intervalMs: 25 });
    const follower = new FileFollower(watch);
    const events: [string, FileState][] = [];
    const read: Record<string, Promise<string>> = {};
    watch.on((name, state) => {
      events.push([name, state]);
      if (name in read) return;
      const parts: Buffer[] = [];
      const reader = {
        write: (chunk: Buffer) => Promise.resolve(void parts.push(chunk)),
        end: () => Promise.resolve(),
      };
      read[name] = follower.read(name, reader).then(() => Buffer.concat(parts).toString());
    });
    await watch.ended;
    // Nothing is told before toc.dat closed; 1.dat and 3.dat were still open then.
    expect(events).toEqual(
      expect.arrayContaining([
        ['1.dat', 'open'],
        ['1.dat', 'closed'],
        ['3.dat', 'open'],
        ['3.dat', 'closed'],
        ['2.dat', 'closed'],
      ]),
    );
    expect(events.filter(([name]) => name === '2.dat')).toEqual([['2.dat', 'closed']]);
    expect(await read['toc.dat']).toBe('toc');
    expect(await read['1.dat']).toBe('one');
    expect(await read['2.dat']).toBe('two');
    expect(await read['3.dat']).toBe('three');
  }, 10_000);
});
