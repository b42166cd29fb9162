// What collectYoungGarbage does: young-generation collections while it runs, none once stopped.
// What that does to memory is measured by `npm run bench` (peak RSS per case), not asserted here.
import { describe, expect, it } from '@jest/globals';
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { collectYoungGarbage } from '../../src/memory.js';

const idle = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Counts the young-generation collections V8 reports from now on. */
function minorCollections(): { count: () => number; stop: () => void } {
  let minor = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor += 1;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return { count: () => minor, stop: () => observer.disconnect() };
}

describe('collectYoungGarbage', () => {
  it('collects the young generation again and again while it runs, and stops when told', async () => {
    const running = minorCollections();
    const stop = collectYoungGarbage(10);
    // Timers on a loaded machine fire late, never early: wait for five, for at most 10 s.
    for (let waited = 0; running.count() < 5 && waited < 10_000; waited += 20) await idle(20);
    stop();
    running.stop();
    expect(running.count()).toBeGreaterThanOrEqual(5);
    await idle(20);
    const stopped = minorCollections();
    await idle(200);
    stopped.stop();
    // Nothing in this idle test allocates enough to make V8 collect on its own.
    expect(stopped.count()).toBeLessThanOrEqual(1);
  });

  it('gives a stop that may be called more than once', () => {
    const stop = collectYoungGarbage();
    stop();
    expect(() => stop()).not.toThrow();
  });
});
