/**
 * Running the commands for the providers tier: outcomes that keep a failure's message instead of
 * throwing, and the log lines a run printed (the commands run in-process through command-run.ts).
 */
import { jest } from '@jest/globals';

/** A run's report, or the error it failed with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/** Awaits `run` and keeps its failure as a value. */
export async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

/** The report of a run that must have succeeded; its error message otherwise (as the test's failure). */
export function succeeded<T>(outcome: Outcome<T>, what: string): T {
  if (!outcome.ok) throw new Error(`${what} failed: ${outcome.error.message}`);
  return outcome.value;
}

/**
 * Keeps what the commands print (outside GitHub Actions: `Warning: …` and `Error: …` lines, phase
 * headings) out of the test log, and lets a test read the lines printed since the last `take()`.
 */
export function captureLog(): { take(): string[] } {
  let text = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  return {
    take() {
      const lines = text.split('\n').filter((l) => l.length > 0);
      text = '';
      return lines;
    },
  };
}

/** The warning and error lines among `lines` (both log forms: `::warning::` and `Warning:`). */
export function problemLines(lines: string[]): string[] {
  return lines.filter((l) => /^(::warning|::error|Warning:|Error:)/.test(l));
}
