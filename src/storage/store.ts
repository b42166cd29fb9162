import type { Writable } from 'node:stream';
import { NotAvailableError } from '../errors.js';
import type { StorageLocation } from '../settings.js';
import { LocalStore } from './local.js';

/** A data object being written: nothing is visible under its name until `commit`. */
export interface ObjectWriter {
  /** Where the bytes go. */
  stream: Writable;
  /** Makes the object visible under its final name; fails if that name is taken. */
  commit(): Promise<void>;
  /** Removes everything written so far (spool file, multipart upload). */
  abort(): Promise<void>;
}

/** One storage location: a directory, a bucket prefix or workflow artifacts. */
export interface Store {
  /** What the user wrote, safe to log. */
  readonly description: string;
  /** Whether any object (data or manifest) of this backup id exists here. */
  isTaken(id: string): Promise<boolean>;
  /** Opens a writer for a data object. */
  openWriter(fileName: string): Promise<ObjectWriter>;
  /** Writes a small object (the manifest) in one go, never overwriting. */
  writeSmall(fileName: string, body: string): Promise<void>;
  /** The object's location in the form of the `location` output. */
  locationOf(fileName: string): string;
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
