import type { ArtifactSettings, S3Settings, StorageLocation } from '../settings.js';
import { ArtifactStore } from './artifact.js';
import { LazyStore } from './lazy-store.js';
import { LocalStore } from './local.js';
import { DEFAULT_S3_SETTINGS, s3Url } from './s3-names.js';
import type { RetentionOf } from './s3-lock.js';
import type { Store } from './store.js';

/** What stores other than a directory need: their settings and the process environment. */
export interface StoreOptions {
  /** The s3-* inputs; default: AWS S3 with the AWS environment's region. */
  s3?: S3Settings;
  /** The artifact-* inputs and github-token. */
  artifact?: ArtifactSettings;
  /** The process environment (AWS_REGION, AWS_DEFAULT_REGION). */
  env?: NodeJS.ProcessEnv;
  /** S3 Object Lock: the retention of each object written (from s3-object-lock-*). */
  retentionOf?: RetentionOf;
  /** The run's private temp directory, for spool files (removed by the post step too). */
  tempDir?: string;
}

/** Creates the store for a location. */
export function createStore(location: StorageLocation, options: StoreOptions = {}): Store {
  switch (location.kind) {
    case 'local':
      return new LocalStore(location.directory);
    case 's3': {
      // The S3 SDK is loaded only by a run that uses S3 (tens of MB of memory otherwise).
      const settings = options.s3 ?? DEFAULT_S3_SETTINGS;
      return new LazyStore(
        s3Url(location),
        (fileName) => s3Url(location, fileName),
        async () =>
          new (await import('./s3.js')).S3Store(
            location,
            settings,
            options.env ?? {},
            options.retentionOf,
          ),
      );
    }
    case 'artifact':
      // The artifact client reads the runner's variables from process.env itself.
      return new ArtifactStore(location.name, {
        settings: options.artifact,
        env: options.env ?? process.env,
        tempDir: options.tempDir,
      });
  }
}
