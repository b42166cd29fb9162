import { isAbsolute, resolve } from 'node:path';
import { InputError, NotAvailableError } from './errors.js';
import { checkLabel, labelFromDatabase } from './naming.js';
import { parseDatabaseUrl, type Connection } from './postgres/connection.js';
import type {
  BackupSettings,
  Command,
  Compression,
  DumpFormat,
  StorageLocation,
} from './settings.js';
import { splitArgs, checkExtraArgs } from './extra-args.js';
import { readStoreOptions } from './storage-inputs.js';
import { readEncryptionKeys } from './encryption-inputs.js';

/** Every input name of action.yml, once. */
export const INPUTS = {
  command: 'command',
  storage: 'storage',
  label: 'label',
  pgVersion: 'pg-version',
  pgBinDir: 'pg-bin-dir',
  githubToken: 'github-token',
  s3Endpoint: 's3-endpoint',
  s3Region: 's3-region',
  s3ForcePathStyle: 's3-force-path-style',
  s3StorageClass: 's3-storage-class',
  s3Sse: 's3-sse',
  s3KmsKeyId: 's3-kms-key-id',
  s3Checksum: 's3-checksum',
  artifactRetentionDays: 'artifact-retention-days',
  webhookUrl: 'webhook-url',
  databaseUrl: 'database-url',
  format: 'format',
  compression: 'compression',
  jobs: 'jobs',
  schemas: 'schemas',
  excludeSchemas: 'exclude-schemas',
  tables: 'tables',
  excludeTables: 'exclude-tables',
  excludeTableData: 'exclude-table-data',
  schemaOnly: 'schema-only',
  dataOnly: 'data-only',
  extraArgs: 'extra-args',
  lockWaitTimeout: 'lock-wait-timeout',
  ageRecipients: 'age-recipients',
  agePassphrase: 'age-passphrase',
  verify: 'verify',
  labels: 'labels',
  keepLast: 'keep-last',
  keepDaily: 'keep-daily',
  keepWeekly: 'keep-weekly',
  keepMonthly: 'keep-monthly',
  keepYearly: 'keep-yearly',
  keepWithin: 'keep-within',
  targetDatabaseUrl: 'target-database-url',
  backup: 'backup',
  artifactRunId: 'artifact-run-id',
  artifactRepository: 'artifact-repository',
  ageIdentity: 'age-identity',
  noOwner: 'no-owner',
  noPrivileges: 'no-privileges',
  createDatabase: 'create-database',
  overwrite: 'overwrite',
  confirm: 'confirm',
  dryRun: 'dry-run',
  maxAge: 'max-age',
  sizeTolerance: 'size-tolerance',
} as const;

/** Reads one input's trimmed value, falling back to action.yml's default ('' when neither). */
export type Read = (name: string) => string;
/** Marks a value as secret so the runner masks it in every log line. */
export type Mask = (secret: string) => void;

const COMMANDS: readonly Command[] = ['backup', 'restore', 'verify', 'prune', 'check'];
const FORMATS: readonly DumpFormat[] = ['custom', 'plain', 'directory', 'tar'];
const LEVELS = { gzip: [1, 9], lz4: [1, 12], zstd: [1, 22] } as const;

/** The `command` input. */
export function readCommand(read: Read): Command {
  return oneOf(INPUTS.command, read(INPUTS.command), COMMANDS);
}

/** All backup settings, validated; secrets are masked as they are read. */
export function readBackupSettings(read: Read, mask: Mask, cwd: string): BackupSettings {
  const connection = readDatabaseUrl(read, mask, INPUTS.databaseUrl);
  if (!connection) {
    throw new InputError(
      INPUTS.databaseUrl,
      'is required for backup: set it to a secret such as ${{ secrets.DATABASE_URL }}.',
    );
  }
  rejectNotYetAvailable(read);
  const format = oneOf(INPUTS.format, read(INPUTS.format), FORMATS);
  const settings: BackupSettings = {
    connection,
    storage: readStorage(read, cwd),
    label: read(INPUTS.label)
      ? checkLabel(INPUTS.label, read(INPUTS.label))
      : labelFromDatabase(connection.database),
    client: readClientRequest(read),
    format,
    compression: parseCompression(read(INPUTS.compression), format),
    jobs: readJobs(read, format),
    filters: {
      schemas: parseList(read(INPUTS.schemas)),
      excludeSchemas: parseList(read(INPUTS.excludeSchemas)),
      tables: parseList(read(INPUTS.tables)),
      excludeTables: parseList(read(INPUTS.excludeTables)),
      excludeTableData: parseList(read(INPUTS.excludeTableData)),
    },
    schemaOnly: parseBool(INPUTS.schemaOnly, read(INPUTS.schemaOnly)),
    dataOnly: parseBool(INPUTS.dataOnly, read(INPUTS.dataOnly)),
    extraArgs: [],
    lockWaitTimeout: parseLockWaitTimeout(read(INPUTS.lockWaitTimeout)),
    verify: oneOf(INPUTS.verify, read(INPUTS.verify), ['archive', 'none'] as const),
    labels: parseLabels(read(INPUTS.labels)),
    encryption: readEncryptionKeys(read, mask),
  };
  if (settings.schemaOnly && settings.dataOnly) {
    throw new InputError(INPUTS.dataOnly, 'schema-only and data-only cannot both be true.');
  }
  Object.assign(settings, readStoreOptions(read, mask, settings.storage));
  settings.extraArgs = checkExtraArgs(
    INPUTS.extraArgs,
    splitArgs(INPUTS.extraArgs, read(INPUTS.extraArgs)),
    settings.verify,
  );
  return settings;
}

function rejectNotYetAvailable(read: Read): void {
  const later = [
    INPUTS.webhookUrl,
    INPUTS.keepLast,
    INPUTS.keepDaily,
    INPUTS.keepWeekly,
    INPUTS.keepMonthly,
    INPUTS.keepYearly,
    INPUTS.keepWithin,
  ];
  const given = later.find((name) => read(name) !== '');
  if (given) throw new NotAvailableError(`Input '${given}'`);
}

/** A connection URL input, masked (whole and its password) before it is parsed; undefined when unset. */
export function readDatabaseUrl(read: Read, mask: Mask, input: string): Connection | undefined {
  const raw = read(input);
  if (!raw) return undefined;
  mask(raw);
  const connection = parseDatabaseUrl(input, raw);
  if (connection.password) mask(connection.password);
  return connection;
}

/** The `storage` input: one location per line. */
export function readStorage(read: Read, cwd: string): StorageLocation[] {
  const lines = read(INPUTS.storage)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0)
    throw new InputError(
      INPUTS.storage,
      'is empty: give a directory, s3://bucket/prefix/ or artifact://.',
    );
  return lines.map((line) => parseStorageLine(line, cwd));
}

/** One storage URI: `s3://bucket/prefix/`, `artifact://NAME`, `file:///abs/path` or a path. */
export function parseStorageLine(line: string, cwd: string): StorageLocation {
  if (line.startsWith('s3://')) {
    const [bucket = '', ...rest] = line.slice(5).split('/');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new InputError(
        INPUTS.storage,
        `'${line}' has no valid bucket name: use s3://BUCKET/optional/prefix/.`,
      );
    }
    const prefix = rest.join('/');
    return { kind: 's3', bucket, prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix };
  }
  if (line.startsWith('artifact://'))
    return { kind: 'artifact', name: line.slice(11).replace(/\/+$/, '') };
  if (line.startsWith('file://')) {
    const path = decodeFileUrl(line);
    if (!isAbsolute(path))
      throw new InputError(INPUTS.storage, `'${line}' must be file:///absolute/path.`);
    return { kind: 'local', directory: resolve(path) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(line)) {
    throw new InputError(
      INPUTS.storage,
      `'${line}' is not a supported location: use a directory, s3://bucket/prefix/ or artifact://.`,
    );
  }
  return { kind: 'local', directory: resolve(cwd, line) };
}

function decodeFileUrl(line: string): string {
  try {
    return decodeURIComponent(line.slice(7));
  } catch {
    throw new InputError(
      INPUTS.storage,
      `'${line}' has a bad percent-escape: write % as %25, or give a plain path.`,
    );
  }
}

/** The `pg-version` and `pg-bin-dir` inputs. */
export function readClientRequest(read: Read): BackupSettings['client'] {
  const raw = read(INPUTS.pgVersion);
  const pgBinDir = read(INPUTS.pgBinDir) || undefined;
  if (raw === 'auto') return { pgVersion: 'auto', pgBinDir };
  const major = Number(raw);
  if (!/^\d+$/.test(raw) || major < 10 || major > 99) {
    throw new InputError(
      INPUTS.pgVersion,
      `'${raw}' is not a PostgreSQL major version: use auto or a major such as 17.`,
    );
  }
  return { pgVersion: major, pgBinDir };
}

/** `auto`, `none`, `gzip[:N]`, `lz4[:N]` or `zstd[:N]`, checked against the format. */
export function parseCompression(raw: string, format: DumpFormat): Compression {
  const m = /^(auto|none|gzip|lz4|zstd)(?::(\d+))?$/.exec(raw.toLowerCase());
  const method = m?.[1] as Compression['method'] | undefined;
  if (!m || !method || (m[2] && (method === 'auto' || method === 'none'))) {
    throw new InputError(
      INPUTS.compression,
      `'${raw}' is not valid: use auto, none, gzip[:1-9], lz4[:1-12] or zstd[:1-22].`,
    );
  }
  const level = m[2] === undefined ? undefined : Number(m[2]);
  if (level !== undefined && method !== 'auto' && method !== 'none') {
    const [lo, hi] = LEVELS[method];
    if (level < lo || level > hi)
      throw new InputError(
        INPUTS.compression,
        `level ${level} is out of range for ${method} (${lo}-${hi}).`,
      );
  }
  if (format === 'tar' && method !== 'auto' && method !== 'none') {
    throw new InputError(
      INPUTS.compression,
      `format tar cannot be compressed: use none, or format custom or directory.`,
    );
  }
  if (format === 'plain' && method === 'lz4') {
    throw new InputError(
      INPUTS.compression,
      `lz4 is not available for format plain: use zstd or gzip.`,
    );
  }
  return level === undefined ? { method } : { method, level };
}

/** The `jobs` input: a whole number from 1 to 64, or undefined when unset. */
export function readJobCount(read: Read): number | undefined {
  const raw = read(INPUTS.jobs);
  if (!raw) return undefined;
  const jobs = Number(raw);
  if (!/^\d+$/.test(raw) || jobs < 1 || jobs > 64)
    throw new InputError(INPUTS.jobs, `'${raw}' is not a whole number from 1 to 64.`);
  return jobs;
}

function readJobs(read: Read, format: DumpFormat): number | undefined {
  const jobs = readJobCount(read);
  if (jobs === undefined) return undefined;
  if (format !== 'directory' && jobs > 1) {
    throw new InputError(
      INPUTS.jobs,
      `parallel dump needs format: directory (format is ${format}).`,
    );
  }
  return format === 'directory' ? jobs : undefined;
}

/** A newline- or comma-separated list. */
export function parseList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `true` or `false` in the YAML 1.2 core schema spellings, as core.getBooleanInput accepts. */
export function parseBool(input: string, raw: string): boolean {
  if (['true', 'True', 'TRUE'].includes(raw)) return true;
  if (['false', 'False', 'FALSE'].includes(raw)) return false;
  throw new InputError(input, `'${raw}' is not a boolean: use true or false.`);
}

function parseLockWaitTimeout(raw: string): string | undefined {
  if (!raw) return undefined;
  if (!/^\d+\s*(ms|s|min|h|d)?$/.test(raw)) {
    throw new InputError(
      INPUTS.lockWaitTimeout,
      `'${raw}' is not a duration: use e.g. 30s, 5min, 1h or milliseconds.`,
    );
  }
  return raw.replace(/\s+/g, '');
}

/** `key=value` lines. */
export function parseLabels(raw: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of raw
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new InputError(INPUTS.labels, `'${item}' is not key=value.`);
    labels[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return labels;
}

/** The value if it is one of `allowed` (case-insensitive), else an InputError. */
export function oneOf<T extends string>(input: string, raw: string, allowed: readonly T[]): T {
  const value = raw.toLowerCase() as T;
  if (allowed.includes(value)) return value;
  throw new InputError(input, `'${raw}' is not one of ${allowed.join(', ')}.`);
}
