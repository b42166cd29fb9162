import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ActionError } from '../errors.js';
import type { Readable } from 'node:stream';
import { isManifestOf } from '../catalog/naming.js';
import type { Committed, ObjectWriter, Store } from './store.js';

/** A directory on the runner. Objects are written to a hidden spool file and linked into place. */
export class LocalStore implements Store {
  readonly description: string;

  constructor(private readonly directory: string) {
    this.description = directory;
  }

  async isTaken(id: string): Promise<boolean> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    return names.some((n) => n.startsWith(`${id}.`));
  }

  async openWriter(fileName: string): Promise<ObjectWriter> {
    await this.ensureDirectory();
    const spool = this.spoolPath(fileName);
    const stream = createWriteStream(spool, { flags: 'wx', mode: 0o644, flush: true });
    const target = join(this.directory, fileName);
    return {
      stream,
      commit: async () => {
        await finished(stream);
        await publish(spool, target);
        return { location: target };
      },
      abort: async () => {
        stream.destroy();
        await rm(spool, { force: true });
      },
    };
  }

  async writeSmall(fileName: string, body: string): Promise<Committed> {
    await this.ensureDirectory();
    const spool = this.spoolPath(fileName);
    const target = join(this.directory, fileName);
    await writeFile(spool, body, { flag: 'wx', mode: 0o644, flush: true });
    await publish(spool, target);
    return { location: target };
  }

  async listManifests(label?: string): Promise<string[]> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    return names.filter((n) => isManifestOf(n, label)).sort();
  }

  async readSmall(fileName: string): Promise<string> {
    return readFile(join(this.directory, fileName), 'utf8');
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

  locationOf(fileName: string): string {
    return join(this.directory, fileName);
  }

  localPath(fileName: string): string {
    return join(this.directory, fileName);
  }

  private spoolPath(fileName: string): string {
    return join(this.directory, `.${fileName}.partial-${randomBytes(4).toString('hex')}`);
  }

  private async ensureDirectory(): Promise<void> {
    try {
      await mkdir(this.directory, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ActionError(
        `Cannot create the storage directory '${this.directory}' (${code}): check the path and permissions.`,
      );
    }
  }
}

/** Moves a finished spool file to its final name without ever replacing an existing object. */
async function publish(spool: string, target: string): Promise<void> {
  try {
    await link(spool, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      await rm(spool, { force: true });
      throw new ActionError(
        `'${target}' already exists; a backup is never overwritten. Run again to get a new id.`,
      );
    }
    await renameIfFree(spool, target);
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
