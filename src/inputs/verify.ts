import { InputError } from '../errors.js';
import type { StorageLocation, VerifySettings } from '../settings.js';
import {
  readClientRequest,
  readDatabaseUrl,
  readJobCount,
  readLabel,
  readStorage,
} from './common.js';
import { readDecryptionKeys } from './encryption.js';
import { INPUTS, parseAutoBool, parseList, type Mask, type Read } from './read.js';
import { parseBackupChoice } from './restore.js';
import { readStoreOptions } from './storage.js';

/** All verify settings, validated; `target-database-url` (optional) turns on the restore drill. */
export function readVerifySettings(read: Read, mask: Mask, cwd: string): VerifySettings {
  const drill = readDatabaseUrl(read, mask, INPUTS.targetDatabaseUrl);
  const storage = firstStorage(read, cwd);
  const settings: VerifySettings = {
    storage,
    label: readLabel(read, mask),
    choice: parseBackupChoice(read(INPUTS.backup)),
    client: readClientRequest(read),
    keys: readDecryptionKeys(read, mask),
    drill,
    jobs: drill ? readJobs(read) : undefined,
    schemas: parseList(read(INPUTS.schemas)),
    tables: parseList(read(INPUTS.tables)),
    noOwner: parseAutoBool(INPUTS.noOwner, read(INPUTS.noOwner)),
    noPrivileges: parseAutoBool(INPUTS.noPrivileges, read(INPUTS.noPrivileges)),
    ...readStoreOptions(read, mask, [storage]),
  };
  if (!drill && (settings.schemas.length || settings.tables.length)) {
    throw new InputError(
      settings.tables.length ? INPUTS.tables : INPUTS.schemas,
      'selects what the restore drill restores, and needs target-database-url: verify reads the whole archive otherwise.',
    );
  }
  return settings;
}

function readJobs(read: Read): number | undefined {
  const jobs = readJobCount(read);
  return jobs !== undefined && jobs > 1 ? jobs : undefined;
}

function firstStorage(read: Read, cwd: string): StorageLocation {
  const [first] = readStorage(read, cwd);
  if (!first) throw new InputError(INPUTS.storage, 'is empty: give the location to verify.');
  return first;
}
