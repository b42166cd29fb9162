import type { Readable } from 'node:stream';
import { removeAll } from './remove-all.js';
import type {
  Committed,
  ObjectWriter,
  RemoveFailure,
  Store,
  StoredFile,
  WriteHints,
} from './store.js';

/**
 * A store whose implementation (and its SDK) is loaded on first use: a run that backs up to a
 * directory never loads the S3 client, which keeps the action's memory down. The names it answers
 * without loading are computed the way the real store computes them.
 */
export class LazyStore implements Store {
  private loaded?: Promise<Store>;

  constructor(
    readonly description: string,
    private readonly locate: (fileName: string) => string,
    private readonly load: () => Promise<Store>,
  ) {}

  private store(): Promise<Store> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  /** The stores loaded this way (S3) hold a name by a conditional create. */
  readonly runScoped = false;

  async createIfAbsent(fileName: string, body: string): Promise<boolean> {
    return (await this.store()).createIfAbsent(fileName, body);
  }

  async abortUploads(fileName: string): Promise<void> {
    return (await this.store()).abortUploads(fileName);
  }

  async openWriter(fileName: string, hints?: WriteHints): Promise<ObjectWriter> {
    return (await this.store()).openWriter(fileName, hints);
  }

  async writeSmall(fileName: string, body: string): Promise<Committed> {
    return (await this.store()).writeSmall(fileName, body);
  }

  locationOf(fileName: string): string {
    return this.locate(fileName);
  }

  async readSmall(fileName: string): Promise<string> {
    return (await this.store()).readSmall(fileName);
  }

  async openReader(fileName: string): Promise<Readable> {
    return (await this.store()).openReader(fileName);
  }

  async remove(fileName: string): Promise<void> {
    return (await this.store()).remove(fileName);
  }

  async removeMany(fileNames: string[]): Promise<RemoveFailure[]> {
    return removeAll(await this.store(), fileNames);
  }

  async list(prefix: string): Promise<StoredFile[]> {
    return (await this.store()).list(prefix);
  }

  localPath(): undefined {
    return undefined;
  }
}
