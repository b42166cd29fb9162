import type { Readable, Writable } from 'node:stream';
import { NotAvailableError } from '../errors.js';
import type { StorageLocation } from '../settings.js';
import { LocalStore } from './local.js';

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

/** One storage location: a directory, a bucket prefix or workflow artifacts. */
export interface Store {
  /** What the user wrote, safe to log. */
  readonly description: string;
  /** Whether any object (data or manifest) of this backup id exists here. */
  isTaken(id: string): Promise<boolean>;
  /** Opens a writer for a data object. */
  openWriter(fileName: string, hints?: WriteHints): Promise<ObjectWriter>;
  /** Writes a small object (the manifest) in one go, never overwriting. */
  writeSmall(fileName: string, body: string): Promise<Committed>;
  /** The object's location in the form of the `location` output. */
  locationOf(fileName: string): string;
  /** File names of the manifests here (`*.manifest.json`), optionally only those of `<label>-…`. */
  listManifests(label?: string): Promise<string[]>;
  /** Reads a small object (a manifest) whole. */
  readSmall(fileName: string): Promise<string>;
  /** Streams an object's bytes as stored. */
  openReader(fileName: string): Promise<Readable>;
  /** Deletes an object; a missing object is not an error. */
  remove(fileName: string): Promise<void>;
}

/** Creates the store for a location. */
export function createStore(location: StorageLocation): Store {
  switch (location.kind) {
    case 'local':
      return new LocalStore(location.directory);
    case 's3':
      throw new NotAvailableError(`S3 storage (s3://${location.bucket}/${location.prefix})`);
    case 'artifact':
      throw new NotAvailableError("Artifact storage ('artifact://', the default of 'storage')");
  }
}

/** Whether a file name is the manifest of a backup of `label` (ids are `<label>-<timestamp>[-N]`). */
export function isManifestOf(fileName: string, label?: string): boolean {
  if (!fileName.endsWith('.manifest.json')) return false;
  if (label === undefined) return true;
  const id = fileName.slice(0, -'.manifest.json'.length);
  return new RegExp(`^${label.replace(/[.]/g, '\\.')}-\\d{8}T\\d{6}Z(-\\d+)?$`).test(id);
}
