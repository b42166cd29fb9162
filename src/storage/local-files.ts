import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { directoryError, errnoCode, storageWriteError } from './local-errors.js';

/**
 * Creates `directory` and its missing parents one level at a time. Node's recursive mkdir never
 * returns under /proc (it loops on ENOENT/EEXIST); here any error fails at once, as one line.
 */
export async function makeDirectory(directory: string): Promise<void> {
  try {
    for (const level of await missingLevels(resolve(directory))) await makeLevel(level);
  } catch (error) {
    throw directoryError(directory, error);
  }
}

/** The directories from the nearest existing ancestor's child down to `dir`, outermost first. */
async function missingLevels(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let level = dir; !(await isDirectory(level)); level = dirname(level)) {
    missing.unshift(level);
    if (dirname(level) === level) break;
  }
  return missing;
}

/** Whether `path` is a directory; false when absent; throws ENOTDIR for a file, or stat's error. */
async function isDirectory(path: string): Promise<boolean> {
  try {
    if ((await stat(path)).isDirectory()) return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
  throw Object.assign(new Error(`'${path}' is not a directory`), { code: 'ENOTDIR' });
}

/** One mkdir, not recursive; another run creating it first is fine. */
async function makeLevel(level: string): Promise<void> {
  try {
    await mkdir(level);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST' || !(await isDirectory(level))) throw error;
  }
}

/**
 * Creates spool file `path` (never an existing one) and returns a Writable over it: chunks are
 * written as they come (queued ones in one writev), `end` syncs and closes, and every error is one
 * line naming the storage directory `dir`.
 */
export async function openSpoolFile(path: string, dir: string): Promise<Writable> {
  const handle = await open(path, 'wx', 0o600).catch((error: unknown) => {
    throw storageWriteError(dir, error);
  });
  return spoolStream(handle, dir);
}

function spoolStream(handle: FileHandle, dir: string): Writable {
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= handle.close());
  const settle = (work: Promise<unknown>, done: (error?: Error | null) => void) =>
    work.then(
      () => done(),
      (error: unknown) => done(storageWriteError(dir, error)),
    );
  return new Writable({
    write: (chunk: Buffer, _enc, done) => void settle(writeFully(handle, chunk), done),
    writev: (chunks, done) =>
      void settle(
        writeAllOf(
          handle,
          chunks.map((c) => c.chunk as Buffer),
        ),
        done,
      ),
    final: (done) => void settle(handle.sync().then(close), done),
    destroy: (error, done) =>
      void close().then(
        () => done(error),
        (closeError: unknown) => done(error ?? storageWriteError(dir, closeError)),
      ),
  });
}

/** Writes every byte of `buffer` at the file position (a short write continues, never repeats). */
async function writeFully(handle: FileHandle, buffer: Buffer): Promise<void> {
  for (let offset = 0; offset < buffer.length;) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
    if (bytesWritten === 0) throw Object.assign(new Error('no bytes written'), { code: 'EIO' });
    offset += bytesWritten;
  }
}

/** Writes queued chunks with one writev; the rest of a short writev follows in one write. */
async function writeAllOf(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  const total = buffers.reduce((sum, b) => sum + b.length, 0);
  const { bytesWritten } = await handle.writev(buffers);
  if (bytesWritten < total) await writeFully(handle, Buffer.concat(buffers).subarray(bytesWritten));
}
