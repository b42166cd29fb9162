import { describe, expect, it } from '@jest/globals';
import {
  MAX_SLOTS,
  mostSlots,
  PART_BUFFER_BUDGET,
  slotsFor,
  throughputOf,
  UploadMeter,
} from '../../../src/storage/part-slots.js';
import { fill, isFull, PartPool } from '../../../src/storage/part-pool.js';

const MiB = 1024 * 1024;
const P = 8 * MiB;
const base = { slots: 1, partSize: P, budget: PART_BUFFER_BUDGET };

describe('mostSlots', () => {
  it.each([
    [8 * MiB, MAX_SLOTS], // 5 buffers of 8 MiB fit in 40 MiB
    [10 * MiB, 3],
    [16 * MiB, 1],
    [64 * MiB, 1], // one part in flight at least, whatever the budget
  ])('parts of %i bytes: %i', (partSize, slots) => {
    expect(mostSlots(partSize)).toBe(slots);
  });
});

describe('slotsFor', () => {
  it('keeps the slots while parts upload faster than they arrive', () => {
    // 100 MB/s arriving, a part in 50 ms: 0.6 parts arrive per upload.
    expect(slotsFor({ ...base, arrivalRate: 100e6, partSeconds: 0.05 })).toBe(1);
    // Just slower (within the 10% tolerance): noise, not a trend.
    expect(slotsFor({ ...base, arrivalRate: P / 0.1, partSeconds: 0.105 })).toBe(1);
  });

  it('adds one slot at a time while the upload is the bottleneck, up to the limit', () => {
    const m = { ...base, arrivalRate: 200e6, partSeconds: 0.4 }; // ~9.5 parts arrive per upload
    expect(slotsFor(m)).toBe(2);
    expect(slotsFor({ ...m, slots: 3 })).toBe(4);
    expect(slotsFor({ ...m, slots: 4 })).toBe(4);
    expect(slotsFor({ ...m, partSize: 16 * MiB })).toBe(1); // the budget allows no second
    expect(slotsFor({ ...m, partSize: 10 * MiB, slots: 3 })).toBe(3);
  });

  it('changes nothing before anything is measured', () => {
    expect(slotsFor({ ...base, slots: 2, arrivalRate: 0, partSeconds: 0.4 })).toBe(2);
    expect(slotsFor({ ...base, slots: 2, arrivalRate: 100e6, partSeconds: 0 })).toBe(2);
  });

  it('gives back a slot that did not raise the throughput (the service is the limit)', () => {
    const one = throughputOf(1, P, 0.1);
    // Two in flight, each now twice as slow: the same bytes per second, so back to one.
    const m = { ...base, slots: 2, arrivalRate: 500e6, partSeconds: 0.2 };
    expect(slotsFor({ ...m, before: { slots: 1, throughput: one } })).toBe(1);
    // Two in flight, each barely slower: the throughput rose, and the upload is still behind.
    expect(slotsFor({ ...m, partSeconds: 0.11, before: { slots: 1, throughput: one } })).toBe(3);
  });
});

describe('UploadMeter', () => {
  it('measures the arrival rate without the time the producer was held', () => {
    let now = 1000;
    const meter = new UploadMeter(() => now);
    expect(meter.arrivalRate()).toBe(0);
    meter.received(50e6);
    now += 1500;
    meter.held(1000);
    meter.received(50e6);
    expect(meter.arrivalRate()).toBe(200e6); // 100 MB in 0.5 s not held
  });

  it('averages recent part times and forgets them when the slots change', () => {
    const meter = new UploadMeter(() => 0);
    expect(meter.partSeconds()).toBe(0);
    meter.partUploaded(100);
    expect(meter.partSeconds()).toBeCloseTo(0.1);
    meter.partUploaded(200);
    expect(meter.partSeconds()).toBeCloseTo(0.13);
    meter.resetParts();
    expect(meter.partSeconds()).toBe(0);
  });
});

describe('PartPool', () => {
  it('reuses buffers given back and allocates only when none is free', () => {
    const pool = new PartPool(16);
    const a = pool.take();
    const b = pool.take();
    expect(pool.allocated).toBe(2);
    pool.give(a);
    expect(pool.take()).toBe(a);
    pool.give(a);
    pool.give(b);
    pool.shrinkTo(1);
    expect(pool.allocated).toBe(1);
    pool.take();
    expect(pool.allocated).toBe(1);
    expect(pool.take()).not.toBe(a);
    expect(pool.allocated).toBe(2);
  });

  it('fills a part from chunks of any size, never past its end', () => {
    const part = { number: 1, buffer: Buffer.alloc(5), filled: 0 };
    expect(fill(part, Buffer.from('abc'), 0)).toBe(3);
    expect(isFull(part)).toBe(false);
    expect(fill(part, Buffer.from('xdefg'), 1)).toBe(2);
    expect(isFull(part)).toBe(true);
    expect(part.buffer.toString()).toBe('abcde');
  });
});
