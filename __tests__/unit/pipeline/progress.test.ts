import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from '@jest/globals';
import { formatSize, meterStage, ProgressMeter } from '../../../src/pipeline/progress.js';

const MiB = 1024 * 1024;

/** A meter on a fake clock that the test moves by hand. */
function fakeMeter(options: { total?: number; totalName?: string; everyMs?: number } = {}) {
  const clock = { t: 1_000_000 };
  const lines: string[] = [];
  const meter = new ProgressMeter({
    label: 'Dumping',
    log: (line) => lines.push(line),
    now: () => clock.t,
    ...options,
  });
  return { clock, lines, meter };
}

describe('ProgressMeter', () => {
  it('logs nothing before the interval, then one line with bytes, rate and the estimate', () => {
    const { clock, lines, meter } = fakeMeter({
      total: 3 * 1024 * MiB,
      totalName: 'pg_database_size',
    });
    meter.add(100 * MiB);
    clock.t += 19_999;
    meter.add(100 * MiB);
    expect(lines).toEqual([]);
    clock.t += 1;
    meter.add(1028 * MiB); // 1.2 GiB in 20 s
    expect(lines).toEqual([
      'Dumping: 1.2 GiB read so far, 61.4 MiB/s, about 40 % of 3.0 GiB (pg_database_size)',
    ]);
  });

  it('logs once per interval while chunks keep arriving, and again when the next is due', () => {
    const { clock, lines, meter } = fakeMeter({ everyMs: 30_000 });
    for (let second = 1; second <= 95; second += 1) {
      clock.t += 1000;
      meter.add(10 * MiB);
    }
    expect(lines).toHaveLength(3); // at 30 s, 60 s and 90 s
    expect(lines[0]).toBe('Dumping: 300 MiB read so far, 10.0 MiB/s');
    expect(lines[2]).toBe('Dumping: 900 MiB read so far, 10.0 MiB/s');
  });

  it('never claims 100 % before the end when the bytes outgrow the estimate', () => {
    const { clock, meter } = fakeMeter({ total: 10 * MiB });
    meter.add(50 * MiB);
    clock.t += 5000;
    expect(meter.line()).toBe('Dumping: 50.0 MiB read so far, 10.0 MiB/s, about 99 % of 10.0 MiB');
  });

  it('as a stream stage, passes every byte through unchanged and counts them', async () => {
    const { clock, lines, meter } = fakeMeter({ everyMs: 1 });
    const chunks = [Buffer.from('abc'), Buffer.alloc(70_000, 1), Buffer.from('z')];
    const seen: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        seen.push(chunk);
        clock.t += 10;
        done();
      },
    });
    await pipeline(Readable.from(chunks), meterStage(meter), sink);
    expect(Buffer.concat(seen)).toEqual(Buffer.concat(chunks));
    expect(meter.bytes).toBe(70_004);
    expect(lines.length).toBeGreaterThan(0);
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [512 * 1024, '512 KiB'],
    [1.25 * MiB, '1.3 MiB'],
    [150 * MiB, '150 MiB'],
    [1.2 * 1024 * MiB, '1.2 GiB'],
  ])('%d bytes → %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});
