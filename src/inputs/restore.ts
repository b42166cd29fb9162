import { InputError } from '../errors.js';
import { ID_PATTERN } from '../catalog/naming.js';
import type { BackupChoice, RestoreSettings, StorageLocation } from '../settings.js';
import {
  readClientRequest,
  readDatabaseUrl,
  readJobCount,
  readLabel,
  readStorage,
} from './common.js';
import { parseLockWaitTimeout } from './backup.js';
import { readDecryptionKeys } from './encryption.js';
import { INPUTS, parseAutoBool, parseBool, parseList, type Mask, type Read } from './read.js';
import { readPostRestoreSql } from './post-restore.js';
import { readStoreOptions } from './storage.js';

/** All restore settings, validated; secrets are masked as they are read. */
export function readRestoreSettings(read: Read, mask: Mask, cwd: string): RestoreSettings {
  const target = readDatabaseUrl(read, mask, INPUTS.targetDatabaseUrl);
  if (!target) {
    throw new InputError(
      INPUTS.targetDatabaseUrl,
      'is required for restore: the database to restore into (a secret).',
    );
  }
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
    noOwner: parseAutoBool(INPUTS.noOwner, read(INPUTS.noOwner)),
    noPrivileges: parseAutoBool(INPUTS.noPrivileges, read(INPUTS.noPrivileges)),
    createDatabase: parseBool(INPUTS.createDatabase, read(INPUTS.createDatabase)),
    overwrite: parseBool(INPUTS.overwrite, read(INPUTS.overwrite)),
    confirm: read(INPUTS.confirm),
    keys: readDecryptionKeys(read, mask),
    restoreGlobals: parseBool(INPUTS.restoreGlobals, read(INPUTS.restoreGlobals)),
    lockWaitTimeout: parseLockWaitTimeout(read(INPUTS.lockWaitTimeout)),
    postRestoreSql: readPostRestoreSql(read, cwd),
  };
  Object.assign(settings, readStoreOptions(read, mask, [settings.storage]));
  checkCombinations(settings);
  return settings;
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
  if (ID_PATTERN.test(value)) return { kind: 'id', id: value };
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
