import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { link, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ActionError } from '../errors.js';
import { errnoCode, storageWriteError } from './local-errors.js';
import { makeDirectory, openSpoolFile } from './local-files.js';
import { readSmallFile } from './small-object.js';
import type { Committed, ObjectWriter, Store, StoredFile } from './store.js';

/** A directory on the runner. Objects are written to a hidden spool file and linked into place. */
export class LocalStore implements Store {
  readonly description: string;

  constructor(private readonly directory: string) {
    this.description = directory;
  }

  /** Names here are free for any writer to take: holding one needs a conditional create. */
  readonly runScoped = false;

  async createIfAbsent(fileName: string, body: string): Promise<boolean> {
    await this.ensureDirectory();
    try {
      await writeFile(join(this.directory, fileName), body, { flag: 'wx', mode: 0o644 });
      return true;
    } catch (error) {
      if (errnoCode(error) === 'EEXIST') return false;
      throw storageWriteError(this.directory, error);
    }
  }

  async openWriter(fileName: string): Promise<ObjectWriter> {
    await this.ensureDirectory();
    const spool = this.spoolPath(fileName);
    const stream = await openSpoolFile(spool, this.directory);
    const target = join(this.directory, fileName);
    return {
      stream,
      commit: async () => {
        await finished(stream);
        await publish(spool, target, this.directory);
        return { location: target };
      },
      abort: async () => {
        await destroyed(stream);
        await rm(spool, { force: true });
      },
    };
  }

  async writeSmall(fileName: string, body: string): Promise<Committed> {
    await this.ensureDirectory();
    const spool = this.spoolPath(fileName);
    const target = join(this.directory, fileName);
    try {
      await writeFile(spool, body, { flag: 'wx', mode: 0o644, flush: true });
    } catch (error) {
      await rm(spool, { force: true });
      throw storageWriteError(this.directory, error);
    }
    await publish(spool, target, this.directory);
    return { location: target };
  }

  async readSmall(fileName: string): Promise<string> {
    const path = join(this.directory, fileName);
    return readSmallFile(path, path);
  }

  openReader(fileName: string): Promise<Readable> {
    const stream = createReadStream(join(this.directory, fileName));
    return new Promise((resolve, reject) => {
      stream.once('open', () => resolve(stream)).once('error', reject);
    });
  }

  async remove(fileName: string): Promise<void> {
    await rm(join(this.directory, fileName), { force: true });
  }

  async list(prefix: string): Promise<StoredFile[]> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    const files = await Promise.all(
      names.filter((n) => n.startsWith(prefix)).map((n) => this.statFile(n)),
    );
    return files.filter((f): f is StoredFile => f !== undefined);
  }

  /** A file's time; undefined when it vanished meanwhile or is no regular file. */
  private async statFile(fileName: string): Promise<StoredFile | undefined> {
    const found = await stat(join(this.directory, fileName)).catch(() => undefined);
    return found?.isFile() ? { fileName, modified: found.mtime } : undefined;
  }

  async abortUploads(fileName: string): Promise<void> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    const spools = names.filter((n) => n.startsWith(`.${fileName}.partial-`));
    await Promise.all(spools.map((n) => rm(join(this.directory, n), { force: true })));
  }

  locationOf(fileName: string): string {
    return join(this.directory, fileName);
  }

  localPath(fileName: string): string {
    return join(this.directory, fileName);
  }

  private spoolPath(fileName: string): string {
    return join(this.directory, `.${fileName}.partial-${randomBytes(4).toString('hex')}`);
  }

  private ensureDirectory(): Promise<void> {
    return makeDirectory(this.directory);
  }
}

/** Destroys a spool stream and waits until its file is closed (Windows cannot delete an open file). */
async function destroyed(stream: Writable): Promise<void> {
  const closed = stream.closed ? Promise.resolve() : once(stream, 'close');
  stream.destroy();
  await closed.catch(() => undefined);
}

/** Moves a finished spool file to its final name without ever replacing an existing object. */
async function publish(spool: string, target: string, dir: string): Promise<void> {
  try {
    await link(spool, target);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') {
      await rm(spool, { force: true });
      throw new ActionError(
        `'${target}' already exists; a backup is never overwritten. Run again to get a new id.`,
      );
    }
    await renameIfFree(spool, target).catch(async (renameError: unknown) => {
      await rm(spool, { force: true });
      throw storageWriteError(dir, renameError);
    });
    return;
  }
  await rm(spool, { force: true });
}

async function renameIfFree(spool: string, target: string): Promise<void> {
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  if (exists) throw new ActionError(`'${target}' already exists; a backup is never overwritten.`);
  await rename(spool, target);
}
