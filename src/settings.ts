import type { Connection } from './postgres/connection.js';
import type { DecryptionKeys, EncryptionKeys } from './pipeline/encryption.js';

/** `auto`, or a forced true/false. */
export type AutoBool = boolean | 'auto';

/** The command the action runs. */
export type Command = 'backup' | 'restore' | 'verify' | 'prune' | 'check';

/** pg_dump's output format. */
export type DumpFormat = 'custom' | 'plain' | 'directory' | 'tar';

/** A compression method; `auto` is resolved once the client version is known. */
export type CompressionMethod = 'auto' | 'gzip' | 'lz4' | 'zstd' | 'none';

/** A compression choice as the user wrote it, e.g. `zstd:3`. */
export interface Compression {
  /** The method, or `auto`. */
  method: CompressionMethod;
  /** The level, when one was given. */
  level?: number;
}

/** A storage location parsed from one line of the `storage` input. */
export type StorageLocation =
  | { kind: 'local'; /** Absolute directory path. */ directory: string }
  | {
      kind: 's3';
      /** Bucket name. */ bucket: string;
      /** Key prefix, '' or ending in '/'. */ prefix: string;
    }
  | { kind: 'artifact'; /** Artifact name prefix, may be ''. */ name: string };

/** How `artifact://` storage reads and writes (the artifact-* inputs and github-token). */
export interface ArtifactSettings {
  /** Days until uploaded artifacts expire; undefined = the repository's setting. */
  retentionDays?: number;
  /** The workflow run whose artifacts are read; undefined = this run. */
  runId?: number;
  /** `owner/name` of the repository of `runId`; undefined = this repository. */
  repository?: string;
  /** Token for the REST API when reading another run's artifacts (needs `actions: read`). */
  token?: string;
}

/** S3 Object Lock of every object a backup writes (`s3-object-lock-mode`, `s3-object-lock-days`). */
export interface ObjectLock {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  /** The retain-until date is the backup's createdAt plus this many days. */
  days: number;
}

/** How `s3://` storage connects and writes (the s3-* inputs). */
export interface S3Settings {
  /** Custom endpoint URL (R2, B2, MinIO, ...); undefined = AWS S3. */
  endpoint?: string;
  /** Region; undefined = AWS_REGION, AWS_DEFAULT_REGION, the AWS profile, or us-east-1 with an endpoint. */
  region?: string;
  /** Path-style requests (bucket in the path, not in the host name). */
  forcePathStyle: boolean;
  /** Storage class of the data object, e.g. STANDARD_IA; undefined = the bucket's default. */
  storageClass?: string;
  /** Server-side encryption; undefined = the bucket's default. */
  sse?: 'AES256' | 'aws:kms';
  /** KMS key id or ARN for `sse: aws:kms`; undefined = the AWS managed key. */
  kmsKeyId?: string;
  /** Object Lock of the objects a backup writes (backup only); undefined = none. */
  objectLock?: ObjectLock;
  /** When requests carry checksums; `auto` = when-required with a custom endpoint, else when-supported. */
  checksum: 'auto' | 'when-required' | 'when-supported';
}

/** Which PostgreSQL client to use. */
export interface ClientRequest {
  /** A client major to use, or `auto` to match the server. */
  pgVersion: number | 'auto';
  /** Use the client binaries in this directory and nothing else. */
  pgBinDir?: string;
}

/** Object selection passed to pg_dump. */
export interface DumpFilters {
  /** Schemas to include (-n). */
  schemas: string[];
  /** Schemas to exclude (-N). */
  excludeSchemas: string[];
  /** Tables to include (-t). */
  tables: string[];
  /** Tables to exclude (-T). */
  excludeTables: string[];
  /** Tables whose data is left out (--exclude-table-data). */
  excludeTableData: string[];
}

/** The options of the kinds of storage a location may be (the s3-* and artifact-* inputs). */
export interface StorageOptions {
  /** s3-* settings, when a location is s3://. */
  s3?: S3Settings;
  /** artifact-* settings (another run, repository, token), when a location is artifact://. */
  artifact?: ArtifactSettings;
}

/** The one location a command reads (the first `storage` line), its options, and the label there. */
export interface Location extends StorageOptions {
  storage: StorageLocation;
  /** `label`, else the database name of `database-url`, else undefined (the only label present). */
  label?: string;
}

/** Everything the backup command needs, read and validated from the inputs. */
export interface BackupSettings extends StorageOptions {
  /** The database to dump. */
  connection: Connection;
  /** Where to write; every location gets the same backup. */
  storage: StorageLocation[];
  /** The label that starts the backup id. */
  label: string;
  /** Which client to use. */
  client: ClientRequest;
  /** pg_dump's format. */
  format: DumpFormat;
  /** Compression as requested. */
  compression: Compression;
  /** Parallel dump jobs (directory format only). */
  jobs?: number;
  /** Object selection. */
  filters: DumpFilters;
  /** Dump only the schema. */
  schemaOnly: boolean;
  /** Dump only the data. */
  dataOnly: boolean;
  /** Extra pg_dump arguments, already split and validated. */
  extraArgs: string[];
  /** pg_dump --lock-wait-timeout value, e.g. `5min`. */
  lockWaitTimeout?: string;
  /** Read the archive back while streaming and count rows. */
  verify: 'archive' | 'none';
  /** Free-form labels recorded in the manifest. */
  labels: Record<string, string>;
  /** age encryption, when age-recipients or age-passphrase is set. */
  encryption?: EncryptionKeys;
  /** Retention applied after a successful backup at every location; undefined = none. */
  retention?: RetentionPolicy;
  /** Also dump roles and tablespaces (pg_dumpall --globals-only), once per run. */
  globals: boolean;
  /** Several databases of the server, each its own backup; undefined = the database of the URL. */
  databases?: DatabaseSelection;
  /** What a comparison with the previous backup flags, and what a flag does (`anomaly` inputs). */
  anomaly: AnomalyPolicy;
}

/**
 * `anomaly`: `warn` flags and holds retention, `fail` also fails the step after storing, `accept`
 * records the flags but ends any hold (the change was intended), `off` compares nothing.
 */
export interface AnomalyPolicy {
  mode: 'warn' | 'fail' | 'accept' | 'off';
  /** `anomaly-row-drop`: total rows falling by more than this percentage is flagged. */
  rowDrop: number;
}

/** The `databases` and `exclude-databases` inputs: every connectable database, or a list. */
export type DatabaseSelection =
  | { kind: 'all'; /** Names left out. */ exclude: string[] }
  | { kind: 'list'; /** In the order given. */ names: string[]; exclude: string[] };

/** Which backup to restore: the newest, one id, or the newest at or before a time. */
export type BackupChoice =
  { kind: 'latest' } | { kind: 'id'; id: string } | { kind: 'time'; at: Date };

/** Everything the restore command needs, read and validated from the inputs. */
export interface RestoreSettings extends Location {
  /** The database restored into (never `database-url`). */
  target: Connection;
  /** Which backup. */
  choice: BackupChoice;
  /** Which client to use. */
  client: ClientRequest;
  /** Parallel restore jobs (custom and directory formats). */
  jobs?: number;
  /** Schemas to restore (-n). */
  schemas: string[];
  /** Tables to restore (-t), plain or schema-qualified. */
  tables: string[];
  /** Restore only the schema. */
  schemaOnly: boolean;
  /** Restore only the data. */
  dataOnly: boolean;
  /** Leave ownership out (--no-owner); `auto`: keep it when the target has every owner role. */
  noOwner: AutoBool;
  /** Leave GRANT/REVOKE out (--no-privileges); `auto`: keep them when every grantee exists. */
  noPrivileges: AutoBool;
  /** Create the target database when it does not exist. */
  createDatabase: boolean;
  /** Allow restoring into a database with user tables (objects in the archive are dropped first). */
  overwrite: boolean;
  /** Must equal the target database name when `overwrite` is true. */
  confirm: string;
  /** age identities and/or passphrase, for encrypted backups. */
  keys: DecryptionKeys;
  /** First create the backup's roles and tablespaces (existing ones are kept as they are). */
  restoreGlobals: boolean;
  /** How long a statement of the restore waits for a lock on the target; `5min` when undefined. */
  lockWaitTimeout?: string;
  /** Plain SQL run last in the restore's transaction, after the row counts are taken. */
  postRestoreSql?: string;
}

/** Which backups a retention policy keeps (restic `forget` semantics, UTC, on createdAt). */
export interface RetentionPolicy {
  /** Keep the N newest backups. */
  last?: number;
  /** Keep the newest backup of each of the last N days that have backups. */
  daily?: number;
  /** The same per ISO week (Monday first). */
  weekly?: number;
  /** The same per calendar month. */
  monthly?: number;
  /** The same per calendar year. */
  yearly?: number;
  /** Keep backups created within this many milliseconds of the newest backup (inclusive). */
  withinMs?: number;
}

/** Everything the prune command needs. */
export interface PruneSettings extends Location {
  /** The policy; at least one rule is set (no rule = nothing to prune, refused as an input error). */
  policy: RetentionPolicy;
  /** Compute and report, delete nothing. */
  dryRun: boolean;
}

/** Everything the check command needs. */
export interface CheckSettings extends Location {
  /** The newest backup must have finished less than this many milliseconds ago. */
  maxAgeMs?: number;
  /** Allowed size change against the previous backup, in percent; undefined = not checked. */
  sizeTolerance?: number;
  /** Some backup of the label must have a verification record newer than this many milliseconds. */
  maxUnverifiedAgeMs?: number;
}

/** Everything the verify command needs: the restore selection and keys, and an optional drill. */
export interface VerifySettings extends Location {
  choice: BackupChoice;
  client: ClientRequest;
  keys: DecryptionKeys;
  /** The restore drill's database (created when missing, dropped after when the drill made it). */
  drill?: Connection;
  /** Parallel restore jobs of the drill (used when the drill creates its database). */
  jobs?: number;
  /** Restore selection of the drill. */
  schemas: string[];
  tables: string[];
  noOwner: AutoBool;
  noPrivileges: AutoBool;
  /** Plain SQL run last in the drill's restore transaction (as in restore). */
  postRestoreSql?: string;
  /** The user's checks of the drill: each query must return one row whose first column is true. */
  assertSql: string[];
}
