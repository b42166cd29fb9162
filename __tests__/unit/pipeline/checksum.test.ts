import { createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { Measure } from '../../../src/pipeline/checksum.js';
import { fanOut } from '../../../src/pipeline/fan-out.js';
import { Tap } from '../../../src/pipeline/tap.js';
import { bytes, chunksOf, collect, readableOf } from '../../helpers/unit-support.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A writable that keeps what it receives, optionally slowly, and records its peak backlog. */
class Recorder extends Writable {
  readonly chunks: Buffer[] = [];
  peakBacklog = 0;
  finalized = false;

  constructor(
    private readonly delayMs = 0,
    highWaterMark = 16 * 1024,
    private readonly finalDelayMs = 0,
  ) {
    super({ highWaterMark });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.peakBacklog = Math.max(this.peakBacklog, this.writableLength);
    this.chunks.push(Buffer.from(chunk));
    if (this.delayMs) setTimeout(done, this.delayMs);
    else done();
  }

  override _final(done: (error?: Error | null) => void): void {
    setTimeout(() => {
      this.finalized = true;
      done();
    }, this.finalDelayMs);
  }

  get data(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A readable that yields its chunks over time, as pg_dump does. */
function slowSource(chunks: Buffer[], everyMs: number): Readable {
  return Readable.from(
    (async function* () {
      for (const chunk of chunks) {
        await sleep(everyMs);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
}

function epipe(): Error {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
}

describe('Measure', () => {
  it.each([
    ['empty', Buffer.alloc(0), 1],
    ['one byte', Buffer.from('x'), 1],
    ['text in 1-byte chunks', Buffer.from('PGDMP header and some data'), 1],
    ['64 KiB in 7-byte chunks', bytes(64 * 1024, 7), 7],
    ['1 MiB in 64 KiB chunks', bytes(1024 * 1024, 9), 64 * 1024],
    ['1 MiB + 3 in odd chunks', bytes(1024 * 1024 + 3, 11), 9973],
  ])('hashes and counts %s like crypto does, passing the bytes on', async (_what, data, size) => {
    const measure = new Measure();
    const out = new Recorder();
    await pipeline(readableOf(chunksOf(data, size)), measure, out);
    expect(measure.result()).toEqual({ sha256: sha256(data), size: data.length });
    expect(out.data.equals(data)).toBe(true);
  });

  it('gives the same result when asked twice', async () => {
    const measure = new Measure();
    await pipeline(readableOf([Buffer.from('abc')]), measure, new Recorder());
    expect(measure.result()).toEqual(measure.result());
    expect(measure.result().sha256).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('Tap', () => {
  it.each([
    ['small chunks', bytes(10_000, 1), 100],
    ['large chunks', bytes(2 * 1024 * 1024, 2), 256 * 1024],
  ])('gives the side the same bytes as the main stream (%s)', async (_what, data, size) => {
    const side = new Recorder();
    const main = new Recorder();
    await pipeline(readableOf(chunksOf(data, size)), new Tap(side), main);
    expect(main.data.equals(data)).toBe(true);
    expect(side.data.equals(data)).toBe(true);
    expect(side.writableFinished).toBe(true);
  });

  it('waits for a slow side: its backlog never exceeds one chunk', async () => {
    const data = bytes(100 * 64, 3);
    const side = new Recorder(1, 16);
    const main = new Recorder();
    await pipeline(readableOf(chunksOf(data, 100)), new Tap(side), main);
    expect(side.data.equals(data)).toBe(true);
    expect(main.data.equals(data)).toBe(true);
    expect(side.peakBacklog).toBeLessThanOrEqual(100);
  });

  it.each([
    ['synchronously', false],
    ['asynchronously', true],
  ])('keeps the main stream going when the side fails with EPIPE %s', async (_how, async) => {
    let writes = 0;
    const sideErrors: Error[] = [];
    const side = new Writable({
      highWaterMark: 16,
      write(_chunk: Buffer, _enc, done) {
        writes += 1;
        const error = writes === 3 ? epipe() : null;
        if (async) setTimeout(() => done(error), 1);
        else done(error);
      },
    });
    side.on('error', (error) => sideErrors.push(error));
    const data = bytes(50 * 100, 4);
    const main = new Recorder();
    await pipeline(readableOf(chunksOf(data, 100)), new Tap(side), main);
    expect(main.data.equals(data)).toBe(true);
    expect(writes).toBe(3);
    expect(sideErrors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['EPIPE']);
  });

  it('keeps the main stream going when the side is destroyed without an error', async () => {
    const side = new PassThrough({ highWaterMark: 16 });
    let seen = 0;
    side.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen >= 300) side.destroy();
    });
    const data = bytes(40 * 100, 5);
    const main = new Recorder();
    await pipeline(slowSource(chunksOf(data, 100), 0), new Tap(side), main);
    expect(main.data.equals(data)).toBe(true);
    expect(seen).toBeLessThan(data.length);
  });

  it('releases a write waiting on a side that then fails', async () => {
    const side = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, done) {
        setTimeout(() => done(epipe()), 5); // never drains: fails instead
      },
    });
    side.on('error', () => undefined);
    const data = bytes(10 * 100, 6);
    const main = new Recorder();
    await pipeline(readableOf(chunksOf(data, 100)), new Tap(side), main);
    expect(main.data.equals(data)).toBe(true);
  });
});

describe('fanOut', () => {
  it('returns a single target as it is', () => {
    const only = new Recorder();
    expect(fanOut([only])).toBe(only);
  });

  it.each([2, 3, 5])('gives %i targets identical bytes and ends them all', async (n) => {
    const data = bytes(300_000, n);
    const targets = Array.from({ length: n }, () => new Recorder());
    await pipeline(readableOf(chunksOf(data, 4096)), fanOut(targets));
    for (const t of targets) {
      expect(t.data.equals(data)).toBe(true);
      expect(t.writableFinished).toBe(true);
    }
  });

  it('paces the stream to the slowest target (backpressure)', async () => {
    const chunk = 256;
    const data = bytes(chunk * 60, 7);
    const fast = new Recorder(0, 64);
    const slow = new Recorder(2, 64);
    let maxLead = 0;
    const original = fast._write.bind(fast);
    fast._write = (c, e, d) => {
      maxLead = Math.max(maxLead, fast.chunks.length + 1 - slow.chunks.length);
      original(c, e, d);
    };
    await pipeline(readableOf(chunksOf(data, chunk)), fanOut([fast, slow]));
    expect(fast.data.equals(data)).toBe(true);
    expect(slow.data.equals(data)).toBe(true);
    expect(slow.peakBacklog).toBeLessThanOrEqual(chunk);
    expect(maxLead).toBeLessThanOrEqual(2);
  });

  it('finishes only after the slowest target has finished', async () => {
    const quick = new Recorder();
    const lagging = new Recorder(0, 16 * 1024, 30);
    await pipeline(readableOf([Buffer.from('a'), Buffer.from('b')]), fanOut([quick, lagging]));
    expect(quick.finalized).toBe(true);
    expect(lagging.finalized).toBe(true);
  });

  it('fails with the error of a target that fails while it is being waited on', async () => {
    const ok = swallowUnhandled(new Recorder());
    let writes = 0;
    const failing = new Writable({
      highWaterMark: 1,
      write(_c, _e, done) {
        writes += 1;
        setTimeout(() => done(writes === 3 ? new Error('disk full') : null), 1);
      },
    });
    const sink = fanOut([ok.target, failing]);
    await expect(pipeline(readableOf(chunksOf(bytes(5000, 8), 100)), sink)).rejects.toThrow(
      'disk full',
    );
    expect(writes).toBe(3);
    expect(ok.target.destroyed).toBe(true);
    expect(failing.destroyed).toBe(true);
  });

  it('destroys every target when it is destroyed', () => {
    const targets = [new Recorder(), new Recorder()];
    targets.forEach((t) => t.on('error', () => undefined));
    const sink = fanOut(targets);
    sink.on('error', () => undefined);
    sink.destroy(new Error('aborted'));
    expect(targets.every((t) => t.destroyed)).toBe(true);
  });

  // Regression: fanOut destroys every target *with the pipeline's error* and never listens for 'error'
  // on them, so when pg_dump fails or the run is aborted, each healthy storage stream emits an
  // 'error' nobody handles: an uncaught exception that crashes the action (2+ storage lines).
  it('leaves no unhandled error on the targets when the source fails', async () => {
    const watched = [swallowUnhandled(new Recorder()), swallowUnhandled(new Recorder())];
    const source = Readable.from(
      (async function* () {
        yield Buffer.from('PGDMP');
        await sleep(5);
        throw new Error('pg_dump failed');
      })(),
      { objectMode: false },
    );
    await expect(pipeline(source, fanOut(watched.map((w) => w.target)))).rejects.toThrow(
      'pg_dump failed',
    );
    expect(watched.flatMap((w) => w.unhandled)).toEqual([]);
  });

  // Regression: a target that fails between two waits emits an unhandled 'error', and the
  // next write to it waits for a 'drain' that never comes: the backup hangs.
  it('fails (no unhandled error, no hang) when a target fails between two writes', async () => {
    let writes = 0;
    const failing = swallowUnhandled(
      new Writable({
        write(_c, _e, done) {
          writes += 1;
          setImmediate(() => done(writes === 2 ? new Error('disk full') : null));
        },
      }),
    );
    const sink = fanOut([new Recorder(), failing.target]);
    const source = slowSource(chunksOf(bytes(5000, 9), 100), 3);
    const outcome = await Promise.race([
      pipeline(source, sink).then(
        () => 'finished',
        (e: Error) => `failed: ${e.message}`,
      ),
      sleep(1500).then(() => 'hung'),
    ]);
    source.destroy();
    sink.destroy();
    expect({ outcome, unhandled: failing.unhandled }).toEqual({
      outcome: 'failed: disk full',
      unhandled: [],
    });
  });
});

/**
 * Records (and swallows, so the test process survives) every 'error' a stream emits while
 * nobody listens for it — what would be an uncaught exception in the action.
 */
function swallowUnhandled<T extends Writable>(target: T): { target: T; unhandled: string[] } {
  const unhandled: string[] = [];
  const emit = target.emit.bind(target) as (event: string | symbol, ...args: unknown[]) => boolean;
  target.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'error' && target.listenerCount('error') === 0) {
      unhandled.push(String((args[0] as Error | undefined)?.message));
      return false;
    }
    return emit(event, ...args);
  }) as T['emit'];
  return { target, unhandled };
}

describe('collect helper', () => {
  it('reads what was written', async () => {
    expect((await collect(readableOf([Buffer.from('ab'), Buffer.from('c')]))).toString()).toBe(
      'abc',
    );
  });
});
