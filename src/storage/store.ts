import type { Readable, Writable } from 'node:stream';
import type { ArtifactSettings, S3Settings, StorageLocation } from '../settings.js';
import { ArtifactStore } from './artifact.js';
import { LocalStore } from './local.js';
import { DEFAULT_S3_SETTINGS } from './s3-client.js';
import { S3Store } from './s3.js';

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

/** What stores other than a directory need: their settings and the process environment. */
export interface StoreOptions {
  /** The s3-* inputs; default: AWS S3 with the AWS environment's region. */
  s3?: S3Settings;
  /** The artifact-* inputs and github-token. */
  artifact?: ArtifactSettings;
  /** The process environment (AWS_REGION, AWS_DEFAULT_REGION). */
  env?: NodeJS.ProcessEnv;
  /** The run's private temp directory, for spool files (removed by the post step too). */
  tempDir?: string;
}

/** Creates the store for a location. */
export function createStore(location: StorageLocation, options: StoreOptions = {}): Store {
  switch (location.kind) {
    case 'local':
      return new LocalStore(location.directory);
    case 's3':
      return new S3Store(location, options.s3 ?? DEFAULT_S3_SETTINGS, options.env ?? {});
    case 'artifact':
      // The artifact client reads the runner's variables from process.env itself.
      return new ArtifactStore(location.name, {
        settings: options.artifact,
        env: options.env ?? process.env,
        tempDir: options.tempDir,
      });
  }
}

/** Whether a file name is the manifest of a backup of `label` (ids are `<label>-<timestamp>[-N]`). */
export function isManifestOf(fileName: string, label?: string): boolean {
  if (!fileName.endsWith('.manifest.json')) return false;
  if (label === undefined) return true;
  const id = fileName.slice(0, -'.manifest.json'.length);
  return new RegExp(`^${label.replace(/[.]/g, '\\.')}-\\d{8}T\\d{6}Z(-\\d+)?$`).test(id);
}
