import type { Readable } from 'node:stream';
import type { Journal } from '../state.js';
import { removeAll } from './remove-all.js';
import type {
  Committed,
  ObjectWriter,
  RemoveFailure,
  Store,
  StoredFile,
  WriteHints,
} from './store.js';

/** Which objects are leftovers until others are written: the catalog's rules, given to the store. */
export interface LeftoverRules {
  /** Whether a small object is a leftover until something settles it (a recovery document). */
  pendingUntilSettled(fileName: string): boolean;
  /** The earlier objects that writing `fileName` makes whole (a manifest settles its backup's). */
  settles(fileName: string, earlier: string): boolean;
}

/**
 * A store whose writes are recorded in the run's journal until they are finished or undone: a
 * conditional create (a claim) until it is removed, an unfinished write (spool file, multipart
 * upload) until it is committed or aborted, a committed data object until an object that settles
 * it is written. A main step killed at any point thus leaves the post step a list of exactly what
 * this run made.
 */
export class JournaledStore implements Store {
  readonly description: string;
  readonly runScoped: boolean;
  private readonly objects = new Map<string, () => void>();

  constructor(
    private readonly store: Store,
    private readonly storage: number,
    private readonly journal: Journal,
    private readonly rules: LeftoverRules,
  ) {
    this.description = store.description;
    this.runScoped = store.runScoped;
  }

  async createIfAbsent(fileName: string, body: string): Promise<boolean> {
    const done = this.record('object', fileName);
    const created = await this.store.createIfAbsent(fileName, body).catch(undoing(done));
    if (created) this.objects.set(fileName, done);
    else done();
    return created;
  }

  async openWriter(fileName: string, hints?: WriteHints): Promise<ObjectWriter> {
    const done = this.record('upload', fileName);
    const writer = await this.store.openWriter(fileName, hints).catch(undoing(done));
    const committed = () => {
      done();
      this.objects.set(fileName, this.record('object', fileName));
    };
    return recordedWriter(writer, committed, done);
  }

  async writeSmall(fileName: string, body: string): Promise<Committed> {
    const done = this.rules.pendingUntilSettled(fileName)
      ? this.record('object', fileName)
      : undefined;
    const committed = await this.store
      .writeSmall(fileName, body)
      .catch(undoing(done ?? (() => {})));
    if (done) this.objects.set(fileName, done);
    for (const [name, done] of this.objects) if (this.rules.settles(fileName, name)) done();
    return committed;
  }

  async remove(fileName: string): Promise<void> {
    await this.store.remove(fileName);
    this.objects.get(fileName)?.();
    this.objects.delete(fileName);
  }

  async removeMany(fileNames: string[]): Promise<RemoveFailure[]> {
    const failures = await removeAll(this.store, fileNames);
    const failed = new Set(failures.map((f) => f.fileName));
    for (const name of fileNames.filter((n) => !failed.has(n))) {
      this.objects.get(name)?.();
      this.objects.delete(name);
    }
    return failures;
  }

  list(prefix: string): Promise<StoredFile[]> {
    return this.store.list(prefix);
  }

  locationOf(fileName: string): string {
    return this.store.locationOf(fileName);
  }

  readSmall(fileName: string): Promise<string> {
    return this.store.readSmall(fileName);
  }

  openReader(fileName: string): Promise<Readable> {
    return this.store.openReader(fileName);
  }

  abortUploads(fileName: string): Promise<void> {
    return this.store.abortUploads(fileName);
  }

  localPath(fileName: string): string | undefined {
    return this.store.localPath(fileName);
  }

  private record(kind: 'object' | 'upload', key: string): () => void {
    return this.journal.add({ kind, storage: this.storage, key });
  }
}

function undoing(done: () => void): (error: unknown) => never {
  return (error: unknown) => {
    done();
    throw error;
  };
}

function recordedWriter(
  writer: ObjectWriter,
  onCommitted: () => void,
  onAborted: () => void,
): ObjectWriter {
  return {
    stream: writer.stream,
    commit: async () => {
      const committed = await writer.commit();
      onCommitted();
      return committed;
    },
    abort: async () => {
      await writer.abort();
      onAborted();
    },
  };
}
