// `databases: all | list`: each database of the server its own backup (own id, manifest, checksum,
// verification, changes and retention, labelled with its name), one client for all. One database
// that fails fails the step, but only after the others were backed up; their backups stay.
import * as core from '@actions/core';
import { labelFromDatabase } from '../catalog/naming.js';
import { ActionError, describeError } from '../errors.js';
import { reportBackups, type BackupReport, type FailedDatabase } from '../outputs/backup.js';
import { listConnectableDatabases } from '../postgres/databases.js';
import { readServerInfo, withConnection } from '../postgres/server.js';
import type { BackupSettings, DatabaseSelection } from '../settings.js';
import { backupDatabase, type DatabaseRun } from './dump-database.js';
import type { RunContext } from '../commands/context.js';

/** The databases a selection names: every connectable one but the excluded, or the list as given. */
export async function selectDatabases(
  settings: BackupSettings,
  selection: DatabaseSelection,
): Promise<string[]> {
  const names =
    selection.kind === 'list'
      ? selection.names
      : (
          await withConnection(settings.connection, 'database-url', listConnectableDatabases)
        ).filter((name) => !selection.exclude.includes(name));
  if (!names.length)
    throw new ActionError(
      'databases: all found no database to back up (every connectable one is excluded): check exclude-databases.',
    );
  checkLabels(names);
  core.info(`Databases (${names.length}): ${names.join(', ')}.`);
  return names;
}

/** Two databases whose names give the same label would share ids and retention: refused. */
function checkLabels(names: string[]): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const label = labelFromDatabase(name);
    const other = seen.get(label);
    if (other !== undefined)
      throw new ActionError(
        `The databases '${other}' and '${name}' would both be labelled '${label}': back them up in separate steps with their own label.`,
      );
    seen.set(label, name);
  }
}

/** This database's settings: its connection, labelled with its name. */
export function forDatabase(settings: BackupSettings, database: string): BackupSettings {
  return {
    ...settings,
    connection: { ...settings.connection, database },
    label: labelFromDatabase(database),
  };
}

/**
 * Backs up every database in turn. The globals go with the first backup that succeeds (the next
 * database's when one fails). Reports every finished backup, then fails naming the failed ones.
 */
export async function backupEach(
  run: DatabaseRun,
  databases: string[],
  ctx: RunContext,
): Promise<BackupReport> {
  const reports: BackupReport[] = [];
  const failed: FailedDatabase[] = [];
  for (const [i, database] of databases.entries()) {
    core.info(`Database ${i + 1} of ${databases.length}: '${database}'.`);
    const globals = run.globals && reports.length === 0;
    try {
      reports.push(await backupOne(run, database, globals, ctx));
    } catch (error) {
      if (ctx.signal?.aborted) throw error;
      failed.push({ database, error: describeError(error) });
      core.info(`The backup of '${database}' failed: ${describeError(error)}`);
    }
  }
  const total = (ctx.now().getTime() - run.started.getTime()) / 1000;
  const report = await core.group('Report', () => reportBackups(reports, failed, total));
  if (failed.length) throw failure(failed, reports, report);
  return report as BackupReport;
}

async function backupOne(
  run: DatabaseRun,
  database: string,
  globals: boolean,
  ctx: RunContext,
): Promise<BackupReport> {
  const settings = forDatabase(run.settings, database);
  const server = await readServerInfo(settings.connection);
  const started = ctx.now();
  return backupDatabase({ ...run, settings, server, globals, started }, ctx);
}

function failure(
  failed: FailedDatabase[],
  reports: BackupReport[],
  report: BackupReport | undefined,
): ActionError {
  const names = failed.map((f) => `'${f.database}'`).join(', ');
  const done = reports.length
    ? ` The other ${reports.length} backup(s) finished and are stored (${reports.map((r) => r.manifest.id).join(', ')}).`
    : '';
  const first = failed[0];
  const error = new ActionError(
    `The backup of ${failed.length} database(s) failed: ${names} (${first?.database}: ${first?.error}).${done}`,
  );
  return Object.assign(error, { report });
}
