import type { Readable, Writable } from 'node:stream';

/** What committing an object produced. */
export interface Committed {
  /** The object's location in the form of the `location` output. */
  location: string;
  /** The workflow artifact's number, for artifact storage. */
  artifactId?: number;
}

/** A data object being written: nothing is visible under its name until `commit`. */
export interface ObjectWriter {
  /** Where the bytes go; its 'finish' means every byte was handed over, not that it is stored. */
  stream: Writable;
  /** Makes the object visible under its final name; fails if that name is taken. */
  commit(): Promise<Committed>;
  /** Removes everything written so far (spool file, multipart upload); never throws. */
  abort(): Promise<void>;
}

/** Hints for a writer. */
export interface WriteHints {
  /** An upper estimate of the object size in bytes (e.g. the database size), for part sizing. */
  sizeHint?: number;
}

/** An object that could not be deleted, and why. */
export interface RemoveFailure {
  fileName: string;
  reason: string;
}

/** A stored object as a listing shows it. */
export interface StoredFile {
  fileName: string;
  /** When the object was last written, by the storage's clock; absent where the storage does not say. */
  modified?: Date;
}

/**
 * One storage location: a directory, a bucket prefix or workflow artifacts. It knows objects only
 * (write, read, list, delete, conditional create); what the names mean is the catalog's.
 */
export interface Store {
  /** What the user wrote, safe to log. */
  readonly description: string;
  /**
   * Whether every name written here is this run's alone (workflow artifacts of this run): no other
   * writer can take a name, so none needs a conditional create to hold it.
   */
  readonly runScoped: boolean;
  /**
   * Creates an object of `fileName` holding `body` unless one exists (a conditional create); false
   * when the name was taken.
   */
  createIfAbsent(fileName: string, body: string): Promise<boolean>;
  /**
   * Removes what unfinished writes of `fileName` left here (spool files, pending multipart
   * uploads): the post step's undo for a main step that was killed while writing.
   */
  abortUploads(fileName: string): Promise<void>;
  /** Opens a writer for a data object. */
  openWriter(fileName: string, hints?: WriteHints): Promise<ObjectWriter>;
  /** Writes a small object in one go, never overwriting. */
  writeSmall(fileName: string, body: string): Promise<Committed>;
  /** The object's location in the form of the `location` output. */
  locationOf(fileName: string): string;
  /** Every object whose name starts with `prefix`, with its time where the storage gives one. */
  list(prefix: string): Promise<StoredFile[]>;
  /** Reads a small object whole; refuses one over MAX_SMALL_BYTES (small-object.ts). */
  readSmall(fileName: string): Promise<string>;
  /** Streams an object's bytes as stored. */
  openReader(fileName: string): Promise<Readable>;
  /** Deletes an object; a missing object is not an error. */
  remove(fileName: string): Promise<void>;
  /**
   * Deletes objects, many per request (S3 DeleteObjects); missing objects are not an error.
   * Resolves with the ones that could not be deleted. Absent: see removeAll, one by one.
   */
  removeMany?(fileNames: string[]): Promise<RemoveFailure[]>;
  /** The object's path on this machine when the location is a directory here (read in place). */
  localPath(fileName: string): string | undefined;
}
