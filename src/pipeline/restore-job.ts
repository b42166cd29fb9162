import type { Transform } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { streamCompressionOf } from '../catalog/naming.js';
import type { PgClient } from '../postgres/install/installer.js';
import type { Connection } from '../postgres/connection.js';
import type { RestoreSelection } from '../postgres/pg-restore.js';
import type { DumpFormat } from '../settings.js';
import type { SqlFilterCounts } from './sql-filter.js';

/** Everything one restore needs. */
export interface RestoreJob {
  client: PgClient;
  format: DumpFormat;
  /** The verified local copy of the data object. */
  archivePath: string;
  /** The object key (its extension tells plain compression). */
  objectKey: string;
  target: Connection;
  selection: RestoreSelection;
  jobs?: number;
  /** How long a statement waits for a lock (replaces the dump's `SET lock_timeout = 0`). */
  lockTimeout?: string;
  /** Settings the target server knows. */
  knownSettings: Set<string>;
  /** The target server, the pg_dump that wrote the backup and the server it dumped (e.g. `18.6`). */
  versions: { server: { version: string; major: number }; dump: string; source: string };
  env: NodeJS.ProcessEnv;
  workspace: string;
  /** The run's cancel signal (SIGINT/SIGTERM): aborts the restore like a failure (rolled back). */
  signal?: AbortSignal;
}

/** What a restore reports besides success. */
export interface RestoreOutcome {
  /** Settings of a newer pg_dump that the target does not know; their SET lines were left out. */
  settings: string[];
  /** Ownership and privilege statements left out by no-owner / no-privileges. */
  skipped?: SqlFilterCounts;
}

/** The decompression stages of a plain dump, told by its key's extension (.sql.gz, .sql.zst). */
export function decompressorFor(key: string): Transform[] {
  const method = streamCompressionOf(key);
  if (method === 'gzip') return [createGunzip()];
  if (method === 'zstd') return [createZstdDecompress()];
  return [];
}
