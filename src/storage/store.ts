import { readFile, stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';

/** What committing an object produced. */
export interface Committed {
  /** The object's location in the form of the `location` output. */
  location: string;
  /** The workflow artifact id, for artifact storage. */
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
  /** When the object was last written, by the storage's clock. */
  modified: Date;
}

/** One storage location: a directory, a bucket prefix or workflow artifacts. */
export interface Store {
  /** What the user wrote, safe to log. */
  readonly description: string;
  /** Whether any object (data or manifest) of this backup id exists here. */
  isTaken(id: string): Promise<boolean>;
  /**
   * Claims backup id `id` for this run with a conditional create of its hidden claim object;
   * false when another run holds it. Claims are never seen by `isTaken`.
   */
  claim(id: string): Promise<boolean>;
  /** Releases this run's claim of `id`; a missing claim is not an error. */
  release(id: string): Promise<void>;
  /**
   * Removes what unfinished writes of `fileName` left here (spool files, pending multipart
   * uploads): the post step's undo for a main step that was killed while writing.
   */
  abortUploads(fileName: string): Promise<void>;
  /** Opens a writer for a data object. */
  openWriter(fileName: string, hints?: WriteHints): Promise<ObjectWriter>;
  /** Writes a small object (the manifest) in one go, never overwriting. */
  writeSmall(fileName: string, body: string): Promise<Committed>;
  /** The object's location in the form of the `location` output. */
  locationOf(fileName: string): string;
  /** File names of the manifests here (`*.manifest.json`), optionally only those of `<label>-…`. */
  listManifests(label?: string): Promise<string[]>;
  /** Reads a small object (a manifest) whole; refuses one over {@link MAX_SMALL_BYTES}. */
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
  /** Every object whose name starts with `prefix`, with its time. Absent where not listable. */
  listFiles?(prefix: string): Promise<StoredFile[]>;
  /** The object's path on this machine when the location is a directory here (read in place). */
  localPath(fileName: string): string | undefined;
}

/**
 * The most a small object (a manifest) may hold: a manifest of 100,000 tables is about 8 MB, and
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
