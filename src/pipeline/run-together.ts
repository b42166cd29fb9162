import { ConsequenceError } from '../errors.js';
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
 * The error thrown is the most direct one (see {@link rank}), then the highest-priority part's.
 */
export async function runTogether(parts: Part[], controller: AbortController): Promise<void> {
  const failures: { priority: number; error: unknown; rank: number }[] = [];
  await Promise.all(
    parts.map((part) =>
      part.promise.catch((error: unknown) => {
        failures.push({
          priority: part.priority,
          error,
          rank: rank(error, controller.signal.aborted),
        });
        controller.abort();
      }),
    ),
  );
  if (failures.length === 0) return;
  failures.sort((a, b) => a.rank - b.rank || a.priority - b.priority);
  throw failures[0]?.error;
}

/**
 * How directly an error says what went wrong: 0 a cause (a program's own failure, a storage
 * error); 1 a program that exited after the abort, not by our signal (pg_dump's "terminated by
 * user", a kill from outside): it may be the cause or follow from it; 2 a consequence (an archive
 * that ended early, a stream closed early); 3 an echo of the abort itself (our SIGTERM, AbortError,
 * EPIPE: a consumer went away and its own exit says why).
 */
function rank(error: unknown, aborted: boolean): number {
  const e = (error ?? {}) as { name?: string; code?: string };
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR' || e.code === 'EPIPE') return 3;
  if (error instanceof ProcessError) {
    if (error.reason === ABORTED || (aborted && error.reason === 'killed by SIGTERM')) return 3;
    return error.afterAbort ? 1 : 0;
  }
  if (error instanceof ConsequenceError || e.code === 'ERR_STREAM_PREMATURE_CLOSE') return 2;
  return 0;
}

/** A controller of one pipeline run that also aborts when the whole run is cancelled. */
export function childController(parent: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', () => controller.abort(parent.reason), { once: true });
  return controller;
}
