import { describe, expect, it } from '@jest/globals';
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { collectYoungGarbage } from '../../src/memory.js';

/** Young-generation collections V8 reports while `work` runs. */
async function minorCollectionsDuring(work: () => Promise<void>): Promise<number> {
  let minor = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      const kind = detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) minor += 1;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    observer.disconnect();
  }
  return minor;
}

const idle = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('collectYoungGarbage', () => {
  it('collects the young generation every interval while it runs, and stops when told', async () => {
    const stop = collectYoungGarbage(10);
    const running = await minorCollectionsDuring(() => idle(200));
    stop();
    const stopped = await minorCollectionsDuring(() => idle(200));
    // About 20 in 200 ms; timers on a loaded machine may fire late, never early.
    expect(running).toBeGreaterThanOrEqual(5);
    expect(stopped).toBeLessThan(running);
    expect(stopped).toBeLessThanOrEqual(2);
  });

  it('frees dead buffers while they are young: external memory stays low as 256 MiB pass', async () => {
    const stop = collectYoungGarbage(5);
    let peak = 0;
    try {
      for (let i = 0; i < 1024; i += 1) {
        Buffer.allocUnsafe(256 * 1024).fill(i);
        if (i % 16 === 0) await idle(1);
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }
    } finally {
      stop();
    }
    // Without the collections V8 lets about 64 MB of dead buffers pile up first.
    expect(peak).toBeLessThan(48 * 2 ** 20);
  });
});
