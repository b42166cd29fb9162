// The size limit of small objects and the local read that keeps it.
import { readFile, stat } from 'node:fs/promises';

/**
 * The most a small object may hold: a manifest of 100,000 tables is about 8 MB, and
 * a planted 200 MB "manifest" must not cost the run its memory.
 */
export const MAX_SMALL_BYTES = 32 * 1024 * 1024;

/** Reads a local file holding a small object, refusing one over {@link MAX_SMALL_BYTES}. */
export async function readSmallFile(path: string, location: string): Promise<string> {
  const { size } = await stat(path);
  if (size > MAX_SMALL_BYTES) throw tooLarge(location, size);
  return readFile(path, 'utf8');
}

/** The error for a small object over {@link MAX_SMALL_BYTES}. */
export function tooLarge(location: string, bytes: number): Error {
  return new Error(
    `${location} holds ${bytes} bytes, more than a manifest can (${MAX_SMALL_BYTES}): it is not a manifest`,
  );
}
