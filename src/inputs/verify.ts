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
import { scanSql } from '../postgres/sql-text.js';
import { readPostRestoreSql } from './post-restore.js';
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
    postRestoreSql: readPostRestoreSql(read, cwd),
    assertSql: readAssertSql(read),
    ...readStoreOptions(read, mask, [storage]),
  };
  if (!drill) refuseDrillInputs(settings);
  return settings;
}

/** The drill's inputs make no sense without a drill: say which needs target-database-url. */
function refuseDrillInputs(s: VerifySettings): void {
  const given = [
    [INPUTS.tables, s.tables.length],
    [INPUTS.schemas, s.schemas.length],
    [INPUTS.assertSql, s.assertSql.length],
    [INPUTS.postRestoreSql, s.postRestoreSql],
  ].find(([, set]) => set);
  if (given)
    throw new InputError(
      String(given[0]),
      'belongs to the restore drill, and needs target-database-url: verify reads the whole archive otherwise.',
    );
}

/** `assert-sql`: one query a line (blank lines and `--` comment lines skipped). */
export function readAssertSql(read: Read): string[] {
  const queries = read(INPUTS.assertSql)
    .split('\n')
    .map((line) => line.trim().replace(/;\s*$/, ''))
    .filter((line) => line && !line.startsWith('--'));
  for (const sql of queries) {
    const scan = scanSql(sql);
    const problem =
      scan.problem ?? (scan.statements.length > 1 ? 'it holds several statements' : '');
    if (problem)
      throw new InputError(
        INPUTS.assertSql,
        `'${sql}' is not one plain SQL query: ${problem}. Give one query a line, e.g. select count(*) > 1000 from orders.`,
      );
  }
  return queries;
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
