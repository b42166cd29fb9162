import { ABORTED, ProcessError } from '../postgres/process.js';

/** One concurrent part of a pipeline run. */
export interface Part {
  /** Lower wins when several parts fail on their own. */
  priority: number;
  /** Settles when the part is done. */
  promise: Promise<unknown>;
}

/**
 * Awaits every part. The first failure aborts the others (killing processes, aborting uploads).
 * The error thrown is the highest-priority one that is a cause, not an echo of the abort.
 */
export async function runTogether(parts: Part[], controller: AbortController): Promise<void> {
  const failures: { priority: number; error: unknown; echo: boolean }[] = [];
  await Promise.all(
    parts.map((part) =>
      part.promise.catch((error: unknown) => {
        failures.push({
          priority: part.priority,
          error,
          echo: isAbortEcho(error, controller.signal.aborted),
        });
        controller.abort();
      }),
    ),
  );
  if (failures.length === 0) return;
  const causes = failures.filter((f) => !f.echo);
  const pool = causes.length ? causes : failures;
  pool.sort((a, b) => a.priority - b.priority);
  throw pool[0]?.error;
}

function isAbortEcho(error: unknown, aborted: boolean): boolean {
  const e = (error ?? {}) as { name?: string; code?: string };
  // EPIPE: a consumer went away; its own exit status says why.
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR' || e.code === 'EPIPE') return true;
  if (!(error instanceof ProcessError)) return false;
  return error.reason === ABORTED || (aborted && error.reason === 'killed by SIGTERM');
}
