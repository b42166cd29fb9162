import { ActionError, describeError } from '../errors.js';

/** The causes a user meets when writing to a directory, in words. */
const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  ENOENT: 'the directory no longer exists',
  ENOTDIR: 'a part of the path is not a directory',
};

/** Causes that more room fixes. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** The errno code of a file system error, '' when it has none. */
export function errnoCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * One line for a failed write to storage directory `dir` (spool file, manifest, publish), e.g.
 * "Cannot write the backup to '/b': no space left on device (ENOSPC). Free space there or choose
 * another storage location." An ActionError passes through unchanged.
 */
export function storageWriteError(dir: string, error: unknown): ActionError {
  if (error instanceof ActionError) return error;
  const code = errnoCode(error);
  const cause = CAUSES[code] ?? causeOf(describeError(error), code);
  const advice = FULL.has(code)
    ? 'Free space there or choose another storage location.'
    : 'Check the path and its permissions, or choose another storage location.';
  const coded = code ? ` (${code})` : '';
  return new ActionError(`Cannot write the backup to '${dir}': ${cause}${coded}. ${advice}`, {
    cause: error,
  });
}

/** The storage directory could not be made. */
export function directoryError(dir: string, error: unknown): ActionError {
  const code = errnoCode(error) || 'error';
  return new ActionError(
    `Cannot create the storage directory '${dir}' (${code}): check the path and permissions.`,
    { cause: error },
  );
}

/** The words of a Node errno message ("EIO: i/o error, write '…'" → "i/o error"), no path. */
function causeOf(message: string, code: string): string {
  const words = code ? new RegExp(`^${code}: ([^,]+)`).exec(message)?.[1] : undefined;
  return words ?? message.replace(/[,:]?\s*(open|write|close|link|rename) '.*$/, '');
}
