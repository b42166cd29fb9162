/** An error whose message is written for the user: what failed and what to do about it. */
export class ActionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActionError';
  }
}

/** A bad input value: names the input, the value (unless secret) and the accepted forms. */
export class InputError extends ActionError {
  constructor(input: string, problem: string) {
    super(`Input '${input}': ${problem}`);
    this.name = 'InputError';
  }
}

/**
 * A failure that follows from another one when both happen in one run: an archive that ends
 * early because its producer stopped. Reported only when nothing more direct failed.
 */
export class ConsequenceError extends ActionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsequenceError';
  }
}

/** The message of any thrown value, on one line. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim() || 'unknown error';
}

/**
 * Whether an error (or one it wraps) says the object does not exist: a file's ENOENT, S3's
 * NoSuchKey or a 404. What vanished between a listing and a read is gone, not unreadable.
 */
export function isNotFound(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const fields = e as Error & { code?: unknown; $metadata?: { httpStatusCode?: number } };
    if (fields.code === 'ENOENT' || e.name === 'NoSuchKey' || e.name === 'NotFound') return true;
    if (fields.$metadata?.httpStatusCode === 404) return true;
  }
  return false;
}

/**
 * A disk-full error of the runner's own temporary directory, told with where and what to do; the
 * message of any other error as it is. (Storage directories say so themselves.)
 */
export function describeRunError(error: unknown, workspace: string | undefined): string {
  // A storage location that is full says so itself, naming the location.
  if (/Free space there or choose another storage location/.test(describeError(error)))
    return describeError(error);
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOSPC' && code !== 'EDQUOT') continue;
    const path = (e as NodeJS.ErrnoException).path ?? workspace ?? 'the temporary directory';
    const what = code === 'ENOSPC' ? 'no space left on device' : 'disk quota exceeded';
    return `The runner's disk is full (${what}, ${code}) while writing ${path}: the run keeps its spool files and the verified local copy of a backup it restores or verifies in RUNNER_TEMP (about the backup's size, twice when it is encrypted or in directory format). Free space on the runner, or point RUNNER_TEMP at a larger disk.`;
  }
  return describeError(error);
}
