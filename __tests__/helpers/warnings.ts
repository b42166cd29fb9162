// The warnings a command prints (`::warning::` lines of @actions/core), collected in-process.
import { jest } from '@jest/globals';

/** What a run printed as warnings, and how it ended. */
export interface Warned<T> {
  result?: T;
  error?: Error;
  /** Each warning's text, without the `::warning::` command. */
  warnings: string[];
}

/** Runs `run` with stdout captured (and kept out of the test log); never throws. */
export async function warningsOf<T>(run: () => Promise<T>): Promise<Warned<T>> {
  const warned: Warned<T> = { warnings: [] };
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    for (const line of String(chunk).split('\n'))
      if (line.startsWith('::warning::')) warned.warnings.push(line.slice('::warning::'.length));
    return true;
  });
  try {
    warned.result = await run();
  } catch (error) {
    warned.error = error as Error;
  } finally {
    spy.mockRestore();
  }
  return warned;
}
