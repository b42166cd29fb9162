import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { DumpWatch } from './dump-watch.js';

/** One file's bytes as they are read; each promise is awaited before the next call. */
export interface FileReader {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<void>;
}

const READ_BYTES = 1 << 20;
// Files read at once: pg_dump's workers' files as they grow, and the many small files a poll may
// find finished together (a database of hundreds of tables), without a buffer and a handle each.
const AT_ONCE = 4;

/**
 * Reads files of a watched dump directory as pg_dump writes them ({@link DumpWatch}), each from its
 * first byte to its end, {@link AT_ONCE} files at a time, in the order they were asked for.
 */
export class FileFollower {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly watch: DumpWatch) {}

  /**
   * Hands `reader` every byte of `name` once: what is there, then what was added at each look, to
   * its end once the file is finished (closed before a read that finds no more bytes). Returns how
   * many bytes it read.
   */
  async read(name: string, reader: FileReader): Promise<number> {
    if (this.running >= AT_ONCE) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running += 1;
    try {
      return await this.readAll(name, reader);
    } finally {
      this.running -= 1;
      this.queue.shift()?.();
    }
  }

  private async readAll(name: string, reader: FileReader): Promise<number> {
    const file = await open(join(this.watch.dir, name), 'r');
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    let at = 0;
    try {
      for (;;) {
        // Both taken before the read: the watch may end (and mark the file closed) during it.
        const over = this.watch.over;
        const finished = this.watch.state(name) === 'closed';
        const { bytesRead } = await file.read(buffer, 0, READ_BYTES, at);
        at += bytesRead;
        if (bytesRead > 0) await reader.write(Buffer.from(buffer.subarray(0, bytesRead)));
        else if (finished) break;
        else if (over) throw new Error(`pg_dump stopped before it finished ${name}`);
        else await this.watch.next();
      }
    } finally {
      await file.close();
    }
    await reader.end();
    return at;
  }
}

/** A reader that keeps a small file's bytes and hands them to `onEnd`. */
export function wholeFile(onEnd: (bytes: Buffer) => void): FileReader {
  const parts: Buffer[] = [];
  return {
    write: (chunk) => {
      parts.push(chunk);
      return Promise.resolve();
    },
    end: () => {
      onEnd(Buffer.concat(parts));
      return Promise.resolve();
    },
  };
}
