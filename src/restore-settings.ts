import { InputError, NotAvailableError } from './errors.js';
import {
  INPUTS,
  parseBool,
  parseList,
  readClientRequest,
  readJobCount,
  readDatabaseUrl,
  readStorage,
  type Mask,
  type Read,
} from './inputs.js';
import { readStoreOptions } from './storage-inputs.js';
import { readDecryptionKeys } from './encryption-inputs.js';
import type { DecryptionKeys } from './pipeline/encryption.js';
import { checkLabel, labelFromDatabase } from './naming.js';
import type { Connection } from './postgres/connection.js';
import type { ArtifactSettings, ClientRequest, S3Settings, StorageLocation } from './settings.js';

/** Which backup to restore: the newest, one id, or the newest at or before a time. */
export type BackupChoice =
  { kind: 'latest' } | { kind: 'id'; id: string } | { kind: 'time'; at: Date };

/** Everything the restore command needs, read and validated from the inputs. */
export interface RestoreSettings {
  /** The database restored into (never `database-url`). */
  target: Connection;
  /** The location read from (the first `storage` line). */
  storage: StorageLocation;
  /** s3-* settings, when the location is s3://. */
  s3?: S3Settings;
  /** artifact-* settings (another run, repository, token), when the location is artifact://. */
  artifact?: ArtifactSettings;
  /** `label`, else the database name of `database-url`, else undefined (the only label present). */
  label?: string;
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
  /** Skip ownership (--no-owner). */
  noOwner: boolean;
  /** Skip GRANT/REVOKE (--no-privileges). */
  noPrivileges: boolean;
  /** Create the target database when it does not exist. */
  createDatabase: boolean;
  /** Allow restoring into a database with user tables (objects in the archive are dropped first). */
  overwrite: boolean;
  /** Must equal the target database name when `overwrite` is true. */
  confirm: string;
  /** age identities and/or passphrase, for encrypted backups. */
  keys: DecryptionKeys;
}

/** All restore settings, validated; secrets are masked as they are read. */
export function readRestoreSettings(read: Read, mask: Mask, cwd: string): RestoreSettings {
  const target = readDatabaseUrl(read, mask, INPUTS.targetDatabaseUrl);
  if (!target) {
    throw new InputError(
      INPUTS.targetDatabaseUrl,
      'is required for restore: the database to restore into (a secret).',
    );
  }
  rejectLater(read);
  const settings: RestoreSettings = {
    target,
    storage: firstStorage(read, cwd),
    label: readLabel(read, mask),
    choice: parseBackupChoice(read(INPUTS.backup)),
    client: readClientRequest(read),
    jobs: readJobs(read),
    schemas: parseList(read(INPUTS.schemas)),
    tables: parseList(read(INPUTS.tables)),
    schemaOnly: parseBool(INPUTS.schemaOnly, read(INPUTS.schemaOnly)),
    dataOnly: parseBool(INPUTS.dataOnly, read(INPUTS.dataOnly)),
    noOwner: parseBool(INPUTS.noOwner, read(INPUTS.noOwner)),
    noPrivileges: parseBool(INPUTS.noPrivileges, read(INPUTS.noPrivileges)),
    createDatabase: parseBool(INPUTS.createDatabase, read(INPUTS.createDatabase)),
    overwrite: parseBool(INPUTS.overwrite, read(INPUTS.overwrite)),
    confirm: read(INPUTS.confirm),
    keys: readDecryptionKeys(read, mask),
  };
  Object.assign(settings, readStoreOptions(read, mask, [settings.storage]));
  checkCombinations(settings);
  return settings;
}

function rejectLater(read: Read): void {
  if (read(INPUTS.webhookUrl)) throw new NotAvailableError(`Input '${INPUTS.webhookUrl}'`);
}

function readLabel(read: Read, mask: Mask): string | undefined {
  if (read(INPUTS.label)) return checkLabel(INPUTS.label, read(INPUTS.label));
  const source = readDatabaseUrl(read, mask, INPUTS.databaseUrl);
  return source ? labelFromDatabase(source.database) : undefined;
}

/** `latest`, a backup id, or an ISO-8601 time. */
export function parseBackupChoice(raw: string): BackupChoice {
  const value = raw.trim() || 'latest';
  if (value === 'latest') return { kind: 'latest' };
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(value)) {
    const at = new Date(
      /[T ]/.test(value) && !/(Z|[+-]\d{2}:?\d{2})$/.test(value) ? `${value}Z` : value,
    );
    if (Number.isNaN(at.getTime()) || !isRealDate(value)) {
      throw new InputError(INPUTS.backup, `'${value}' is not a valid time.`);
    }
    return { kind: 'time', at };
  }
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*-\d{8}T\d{6}Z(-\d+)?$/.test(value))
    return { kind: 'id', id: value };
  throw new InputError(
    INPUTS.backup,
    `'${value}' is not latest, a backup id (LABEL-YYYYMMDDTHHMMSSZ) or an ISO-8601 time (2026-11-22T02:00:00Z).`,
  );
}

/** Whether the calendar date and clock time written are real (Date rolls 2026-02-30 over). */
function isRealDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value);
  if (!m) return false;
  const [y, mo, d, h = 0, mi = 0, se = 0] = m.slice(1).map((x) => Number(x ?? 0));
  const day = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 0));
  return (
    day.getUTCMonth() === (mo ?? 1) - 1 && day.getUTCDate() === d && h < 24 && mi < 60 && se < 60
  );
}

function readJobs(read: Read): number | undefined {
  const jobs = readJobCount(read);
  return jobs !== undefined && jobs > 1 ? jobs : undefined;
}

function checkCombinations(s: RestoreSettings): void {
  if (s.schemaOnly && s.dataOnly)
    throw new InputError(INPUTS.dataOnly, 'schema-only and data-only cannot both be true.');
  if (s.overwrite && s.confirm !== s.target.database) {
    throw new InputError(
      INPUTS.confirm,
      `overwrite: true drops objects in '${s.target.database}': set confirm to exactly that database name.`,
    );
  }
  if (s.overwrite && s.dataOnly) {
    throw new InputError(
      INPUTS.dataOnly,
      'overwrite drops and recreates the archive objects, so it cannot be combined with data-only.',
    );
  }
  if (s.overwrite && s.jobs) {
    throw new InputError(
      INPUTS.jobs,
      'a parallel restore cannot be rolled back, so it is refused with overwrite: true.',
    );
  }
}

function firstStorage(read: Read, cwd: string): StorageLocation {
  const [first] = readStorage(read, cwd);
  if (!first) throw new InputError(INPUTS.storage, 'is empty: give the location to restore from.');
  return first;
}
