import { InputError } from '../errors.js';
import { checkLabel, labelFromDatabase } from '../catalog/naming.js';
import type {
  AnomalyPolicy,
  BackupSettings,
  Compression,
  DatabaseSelection,
  DumpFormat,
} from '../settings.js';
import { readClientRequest, readDatabaseUrl, readJobCount, readStorage } from './common.js';
import { readEncryptionKeys } from './encryption.js';
import { checkExtraArgs, splitArgs } from './extra-args.js';
import { INPUTS, oneOf, parseBool, parseList, type Mask, type Read } from './read.js';
import { readRetentionPolicy } from './retention.js';
import { readObjectLock } from './object-lock.js';
import { readStoreOptions } from './storage.js';
import { parseDuration } from '../duration.js';

const FORMATS: readonly DumpFormat[] = ['custom', 'plain', 'directory', 'tar'];
const LEVELS = { gzip: [1, 9], lz4: [1, 12], zstd: [1, 22] } as const;

/** All backup settings, validated; secrets are masked as they are read. */
export function readBackupSettings(read: Read, mask: Mask, cwd: string): BackupSettings {
  const connection = readDatabaseUrl(read, mask, INPUTS.databaseUrl);
  if (!connection) {
    throw new InputError(
      INPUTS.databaseUrl,
      'is required for backup: set it to a secret such as ${{ secrets.DATABASE_URL }}.',
    );
  }
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
    filters: readFilters(read),
    schemaOnly: parseBool(INPUTS.schemaOnly, read(INPUTS.schemaOnly)),
    dataOnly: parseBool(INPUTS.dataOnly, read(INPUTS.dataOnly)),
    extraArgs: [],
    lockWaitTimeout: parseLockWaitTimeout(read(INPUTS.lockWaitTimeout)),
    verify: oneOf(INPUTS.verify, read(INPUTS.verify), ['archive', 'none'] as const),
    labels: parseLabels(read(INPUTS.labels)),
    encryption: readEncryptionKeys(read, mask),
    ...readSafeguards(read),
    ...readScope(read),
  };
  if (settings.schemaOnly && settings.dataOnly)
    throw new InputError(INPUTS.dataOnly, 'schema-only and data-only cannot both be true.');
  Object.assign(settings, readBackupStoreOptions(read, mask, settings.storage));
  settings.extraArgs = checkExtraArgs(
    INPUTS.extraArgs,
    splitArgs(INPUTS.extraArgs, read(INPUTS.extraArgs)),
    settings.verify,
  );
  return settings;
}

function readFilters(read: Read): BackupSettings['filters'] {
  return {
    schemas: parseList(read(INPUTS.schemas)),
    excludeSchemas: parseList(read(INPUTS.excludeSchemas)),
    tables: parseList(read(INPUTS.tables)),
    excludeTables: parseList(read(INPUTS.excludeTables)),
    excludeTableData: parseList(read(INPUTS.excludeTableData)),
  };
}

/** The storage options of a backup: the common ones plus S3 Object Lock. */
function readBackupStoreOptions(
  read: Read,
  mask: Mask,
  storage: BackupSettings['storage'],
): Pick<BackupSettings, 's3' | 'artifact'> {
  const options = readStoreOptions(read, mask, storage);
  const objectLock = readObjectLock(read, storage);
  return objectLock && options.s3 ? { ...options, s3: { ...options.s3, objectLock } } : options;
}

/** What guards the label's backups after this one: retention and the anomaly policy. */
function readSafeguards(read: Read): Pick<BackupSettings, 'retention' | 'anomaly'> {
  return { retention: readRetentionPolicy(read), anomaly: readAnomalyPolicy(read) };
}

/** `anomaly` (warn, fail, accept, off) and `anomaly-row-drop` (a percentage above 0). */
export function readAnomalyPolicy(read: Read): AnomalyPolicy {
  const modes = ['warn', 'fail', 'accept', 'off'] as const;
  const mode = oneOf(INPUTS.anomaly, read(INPUTS.anomaly), modes);
  const raw = read(INPUTS.anomalyRowDrop);
  const rowDrop = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || rowDrop <= 0 || rowDrop > 100)
    throw new InputError(
      INPUTS.anomalyRowDrop,
      `'${raw}' is not a percentage above 0 and at most 100: e.g. 50 flags a backup with less than half the rows of the previous one.`,
    );
  return { mode, rowDrop };
}

/** What besides one database is backed up: `globals`, `databases`, `exclude-databases`. */
function readScope(read: Read): Pick<BackupSettings, 'globals' | 'databases'> {
  return {
    globals: parseBool(INPUTS.globals, read(INPUTS.globals)),
    databases: readDatabases(read),
  };
}

/**
 * `databases` (empty = the database of database-url; `all`; or a newline/comma list) and
 * `exclude-databases`. Each database is labelled with its name, so `label` cannot be combined.
 */
export function readDatabases(read: Read): DatabaseSelection | undefined {
  const raw = read(INPUTS.databases).trim();
  const exclude = parseList(read(INPUTS.excludeDatabases));
  if (!raw) {
    if (exclude.length)
      throw new InputError(
        INPUTS.excludeDatabases,
        `is set but databases is empty: set databases: all (or a list) to back up several databases.`,
      );
    return undefined;
  }
  if (read(INPUTS.label))
    throw new InputError(
      INPUTS.label,
      `'${read(INPUTS.label)}' cannot be combined with databases: each database's backups are labelled with its name; leave label empty.`,
    );
  if (raw.toLowerCase() === 'all') return { kind: 'all', exclude };
  const names = [...new Set(parseList(raw))];
  for (const name of names) {
    if (name.toLowerCase() === 'all')
      throw new InputError(
        INPUTS.databases,
        `'${raw}' mixes all with names: use all alone (with exclude-databases), or a list of names.`,
      );
  }
  const kept = names.filter((n) => !exclude.includes(n));
  if (!kept.length)
    throw new InputError(
      INPUTS.excludeDatabases,
      `leaves none of the databases listed (${names.join(', ')}): nothing would be backed up.`,
    );
  return { kind: 'list', names: kept, exclude };
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

/** PostgreSQL's largest lock_timeout: INT_MAX milliseconds, about 24.8 days. */
const LOCK_TIMEOUT_MAX_MS = 2_147_483_647;
/** PostgreSQL's time units, largest first, for writing a lock timeout back. */
const PG_UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
];

/**
 * A lock timeout in the action's duration grammar (`30s`, `5m`, `5min`, `1h`), or in PostgreSQL's
 * own milliseconds (`250`, `100ms`), written as PostgreSQL takes it (`5m` becomes `5min`);
 * undefined when empty.
 */
export function parseLockWaitTimeout(raw: string): string | undefined {
  if (!raw) return undefined;
  const value = raw.replace(/\s+/g, '');
  if (/^\d+(ms)?$/.test(value)) return value;
  const { months, ms } = parseDuration(INPUTS.lockWaitTimeout, value);
  if (months || ms > LOCK_TIMEOUT_MAX_MS) {
    throw new InputError(
      INPUTS.lockWaitTimeout,
      `'${raw}' is longer than PostgreSQL's lock timeout allows (24d): use e.g. 30s, 5min or 1h.`,
    );
  }
  const [unit, size] = PG_UNITS.find(([, size]) => ms % size === 0) ?? ['ms', 1];
  return `${ms / size}${unit}`;
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
