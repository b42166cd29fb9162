import type { Readable } from 'node:stream';
import {
  belongsTo,
  claimName,
  idOfBackupFile,
  idOfManifest,
  recoveryName,
} from '../catalog/naming.js';
import type { Journal } from '../state.js';
import { removeAll } from '../storage/remove-all.js';
import type {
  Committed,
  ObjectWriter,
  RemoveFailure,
  Store,
  StoredFile,
  WriteHints,
} from '../storage/store.js';

/**
 * A store whose writes are recorded in the run's journal until they are finished or undone: a
 * claim until it is released, an unfinished write (spool file, multipart upload) until it is
 * committed or aborted, a committed data object until its backup's manifest is written. A main
 * step killed at any point thus leaves the post step a list of exactly what this run made.
 */
export class JournaledStore implements Store {
  readonly description: string;
  private readonly claims = new Map<string, () => void>();
  private readonly objects = new Map<string, () => void>();

  constructor(
    private readonly store: Store,
    private readonly storage: number,
    private readonly journal: Journal,
  ) {
    this.description = store.description;
  }

  async claim(id: string): Promise<boolean> {
    const done = this.record('object', claimName(id));
    const claimed = await this.store.claim(id).catch(undoing(done));
    if (claimed) this.claims.set(id, done);
    else done();
    return claimed;
  }

  async release(id: string): Promise<void> {
    await this.store.release(id);
    this.claims.get(id)?.();
    this.claims.delete(id);
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
    // A recovery document is a leftover until its manifest is written, like the data object.
    const backupFile = recoveryName(idOfBackupFile(fileName) ?? '') === fileName;
    const done = backupFile ? this.record('object', fileName) : undefined;
    const committed = await this.store
      .writeSmall(fileName, body)
      .catch(undoing(done ?? (() => {})));
    if (done) this.objects.set(fileName, done);
    const id = idOfManifest(fileName);
    // The manifest makes the backup whole: its data object is no longer a leftover.
    for (const [name, done] of this.objects) if (id && belongsTo(name, id)) done();
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

  async listFiles(prefix: string): Promise<StoredFile[]> {
    return this.store.listFiles ? this.store.listFiles(prefix) : [];
  }

  isTaken(id: string): Promise<boolean> {
    return this.store.isTaken(id);
  }

  locationOf(fileName: string): string {
    return this.store.locationOf(fileName);
  }

  listManifests(label?: string): Promise<string[]> {
    return this.store.listManifests(label);
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
