// An in-memory Store for the command stories: conditional creates like LocalStore, every write and
// removal recorded in order, and switches that make the next write or commit fail.
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type {
  Committed,
  ObjectWriter,
  Store,
  StoredFile,
  WriteHints,
} from '../../src/storage/store.js';

/** One recorded change to a MemoryStore, in the order it happened. */
export interface StoreEvent {
  op: 'commit' | 'writeSmall' | 'remove' | 'abort' | 'claim' | 'release' | 'create';
  name: string;
}

/** A failure to inject: which file names it hits (all when undefined) and the error thrown. */
interface Injected {
  match?: RegExp;
  error: Error;
}

/** A Store that keeps its objects in a Map (name → bytes); nothing is visible before `commit()`. */
export class MemoryStore implements Store {
  /** The committed objects, by file name. */
  readonly objects = new Map<string, Buffer>();
  /** Every commit, writeSmall, remove and abort, in order (failed attempts are not recorded). */
  readonly events: StoreEvent[] = [];
  /** Size hints the writers were opened with, by file name. */
  readonly hints = new Map<string, WriteHints | undefined>();
  private readonly open = new Set<string>();
  private nextWriteSmall?: Injected;
  private nextCommit?: Injected;

  constructor(readonly description = 'memory://store') {}

  /** Makes the next writeSmall whose name matches fail (before anything becomes visible). */
  failNextWriteSmall(match?: RegExp, error = new Error('injected writeSmall failure')): void {
    this.nextWriteSmall = { match, error };
  }

  /** Makes the next commit whose name matches fail (before anything becomes visible). */
  failNextCommit(match?: RegExp, error = new Error('injected commit failure')): void {
    this.nextCommit = { match, error };
  }

  /** The names of every object held (claims included), sorted. */
  names(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** Writers opened but neither committed nor aborted (a leaked spool or multipart upload). */
  openWriters(): string[] {
    return [...this.open].sort();
  }

  /** The names written (committed or writeSmall), in order. */
  writeOrder(): string[] {
    return this.events.filter((e) => e.op === 'commit' || e.op === 'writeSmall').map((e) => e.name);
  }

  /** Puts an object in place directly (for seeding and tampering). */
  put(name: string, body: Buffer | string): void {
    this.objects.set(name, Buffer.from(body));
  }

  /** The bytes of an object; fails when it is absent. */
  get(name: string): Buffer {
    const body = this.objects.get(name);
    if (!body) throw new Error(`${this.description} holds no '${name}'`);
    return body;
  }

  readonly runScoped = false;

  /** The conditional create (a claim is recorded as 'claim'); false when the name is taken. */
  createIfAbsent(fileName: string, body: string): Promise<boolean> {
    if (this.objects.has(fileName)) return Promise.resolve(false);
    this.objects.set(fileName, Buffer.from(body));
    this.events.push({ op: isClaim(fileName) ? 'claim' : 'create', name: fileName });
    return Promise.resolve(true);
  }

  /** Every object whose name starts with `prefix`; like artifacts, without a time of writing. */
  list(prefix: string): Promise<StoredFile[]> {
    const names = this.names().filter((n) => n.startsWith(prefix));
    return Promise.resolve(names.map((fileName) => ({ fileName })));
  }

  openWriter(fileName: string, hints?: WriteHints): Promise<ObjectWriter> {
    const chunks: Buffer[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(Buffer.from(chunk));
        done();
      },
    });
    this.hints.set(fileName, hints);
    this.open.add(fileName);
    return Promise.resolve({
      stream,
      commit: async () => {
        await finished(stream);
        this.take(this.nextCommit, fileName, (i) => (this.nextCommit = i));
        this.create(fileName, Buffer.concat(chunks));
        this.open.delete(fileName);
        this.events.push({ op: 'commit', name: fileName });
        return { location: this.locationOf(fileName) };
      },
      abort: () => {
        stream.destroy();
        chunks.length = 0;
        this.open.delete(fileName);
        this.events.push({ op: 'abort', name: fileName });
        return Promise.resolve();
      },
    });
  }

  writeSmall(fileName: string, body: string): Promise<Committed> {
    // A throw in the executor rejects: a failed write records nothing.
    return new Promise((resolve) => {
      this.take(this.nextWriteSmall, fileName, (i) => (this.nextWriteSmall = i));
      this.create(fileName, Buffer.from(body));
      this.events.push({ op: 'writeSmall', name: fileName });
      resolve({ location: this.locationOf(fileName) });
    });
  }

  locationOf(fileName: string): string {
    return `${this.description}/${fileName}`;
  }

  readSmall(fileName: string): Promise<string> {
    return new Promise((resolve) => resolve(this.get(fileName).toString('utf8')));
  }

  openReader(fileName: string): Promise<Readable> {
    return new Promise((resolve) => resolve(Readable.from([this.get(fileName)])));
  }

  remove(fileName: string): Promise<void> {
    this.objects.delete(fileName);
    this.events.push({ op: isClaim(fileName) ? 'release' : 'remove', name: fileName });
    return Promise.resolve();
  }

  localPath(): string | undefined {
    return undefined;
  }

  /** Nothing half-written outlives a writer here (abort already dropped it). */
  abortUploads(): Promise<void> {
    return Promise.resolve();
  }

  /** The conditional create: fails when the name is taken, as LocalStore's link does. */
  private create(fileName: string, body: Buffer): void {
    if (this.objects.has(fileName))
      throw new Error(
        `'${this.locationOf(fileName)}' already exists; a backup is never overwritten.`,
      );
    this.objects.set(fileName, body);
  }

  /** Throws an injected failure that matches `fileName`, clearing it. */
  private take(
    injected: Injected | undefined,
    fileName: string,
    clear: (i: undefined) => void,
  ): void {
    if (!injected || (injected.match && !injected.match.test(fileName))) return;
    clear(undefined);
    throw injected.error;
  }
}

/** A hidden claim object's name (`.<id>.claim`). */
function isClaim(fileName: string): boolean {
  return fileName.startsWith('.') && fileName.endsWith('.claim');
}
