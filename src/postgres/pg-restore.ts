import { clientProgram, type PgClient } from './install/installer.js';
import { toConninfo, type Connection } from './connection.js';
import { startProcess, type ProcessOptions, type RunningProcess } from './process.js';

/** Args that make pg_restore read a whole archive and print it as SQL: the full-read check. */
export function buildArchiveReadArgs(archive: string | undefined): string[] {
  return ['--file=-', ...(archive ? [archive] : [])];
}

/** Starts pg_restore reading an archive (stdin when `archive` is undefined), SQL on stdout. */
export function startArchiveRead(
  client: PgClient,
  archive: string | undefined,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): RunningProcess {
  const args = buildArchiveReadArgs(archive);
  return startProcess(clientProgram(client, 'pg_restore'), args, {
    env,
    signal,
    name: 'pg_restore',
    stdin: archive === undefined,
  });
}

/** What to restore from an archive. */
export interface RestoreSelection {
  schemas: string[];
  tables: string[];
  schemaOnly: boolean;
  dataOnly: boolean;
  noOwner: boolean;
  noPrivileges: boolean;
  /** Drop the archive's objects first (--clean --if-exists). */
  clean: boolean;
  /** The restore plan's entries (--use-list): when set, it is the whole selection of objects. */
  listFile?: string;
  /** SQL run last in the restore's transaction: privileges of the restored relations reset. */
  privilegeReset?: string;
  /** SQL run first in the restore's transaction (after the overwrite guard's record). */
  preludeSql?: string;
  /** SQL that checks the row counts inside the transaction (run before post-restore-sql). */
  rowCheck?: string;
  /** The user's post-restore-sql, checked plain SQL: the last thing before COMMIT. */
  postRestoreSql?: string;
}

/** pg_restore's selection and safety options; pure. Qualified tables add their schema. */
export function buildSelectionArgs(s: RestoreSelection): string[] {
  const args: string[] = [];
  if (s.noOwner) args.push('--no-owner');
  if (s.noPrivileges) args.push('--no-privileges');
  if (s.clean) args.push('--clean', '--if-exists');
  if (s.schemaOnly) args.push('--schema-only');
  if (s.dataOnly) args.push('--data-only');
  if (s.listFile) return [...args, `--use-list=${s.listFile}`];
  const schemas = new Set(s.schemas);
  for (const table of s.tables) {
    const dot = table.lastIndexOf('.');
    if (dot > 0) schemas.add(table.slice(0, dot));
    args.push(`--table=${dot > 0 ? table.slice(dot + 1) : table}`);
  }
  for (const schema of schemas) args.push(`--schema=${schema}`);
  return args;
}

/** Args for pg_restore writing the selected archive contents as SQL on stdout. */
export function buildToSqlArgs(archive: string, selection: RestoreSelection): string[] {
  return ['--file=-', ...buildSelectionArgs(selection), archive];
}

/** Args for a parallel pg_restore straight into the target database. */
export function buildParallelArgs(
  archive: string,
  selection: RestoreSelection,
  jobs: number,
  target: Connection,
): string[] {
  return [
    `--jobs=${jobs}`,
    '--no-password',
    ...buildSelectionArgs(selection),
    `--dbname=${toConninfo(target)}`,
    archive,
  ];
}

/**
 * Args for pg_restore straight into the target in one transaction (which implies
 * --exit-on-error), reading the archive from stdin.
 */
export function buildDirectArgs(selection: RestoreSelection, target: Connection): string[] {
  return [
    '--single-transaction',
    '--no-password',
    ...buildSelectionArgs(selection),
    `--dbname=${toConninfo(target)}`,
  ];
}

/** Starts pg_restore with the given args. */
export function startPgRestore(
  client: PgClient,
  args: string[],
  options: ProcessOptions,
): RunningProcess {
  return startProcess(clientProgram(client, 'pg_restore'), args, options);
}

/**
 * Args for psql applying SQL from stdin, stopping at the first error. No --single-transaction:
 * psql would COMMIT when its input ends, also when the action died; the caller sends BEGIN and
 * COMMIT itself, so an input that ends early rolls back.
 */
export function buildPsqlArgs(target: Connection): string[] {
  return [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '--no-password',
    '-f',
    '-',
    '-o',
    nullDevice(),
    `--dbname=${toConninfo(target)}`,
  ];
}

/** Starts psql reading SQL from stdin. */
export function startPsql(
  client: PgClient,
  target: Connection,
  options: Omit<ProcessOptions, 'name'>,
): RunningProcess {
  return startProcess(clientProgram(client, 'psql'), buildPsqlArgs(target), {
    ...options,
    name: 'psql',
    stdin: true,
  });
}

function nullDevice(): string {
  return process.platform === 'win32' ? 'NUL' : '/dev/null';
}
