// `databases: all | list`: each database of the server its own backup (own id, manifest, checksum,
// verification, changes and retention, labelled with its name), one client for all. One database
// that fails fails the step, but only after the others were backed up; their backups stay.
import * as core from '@actions/core';
import { INPUTS } from '../input-names.js';
import { labelFromDatabase } from '../catalog/naming.js';
import { ActionError } from '../errors.js';
import type { BackupReport, FailedDatabase } from '../outputs/backup.js';
import { listConnectableDatabases } from '../postgres/databases.js';
import { withConnection } from '../postgres/server.js';
import type { BackupSettings, DatabaseSelection } from '../settings.js';

/** The databases a selection names: every connectable one but the excluded, or the list as given. */
export async function selectDatabases(
  settings: BackupSettings,
  selection: DatabaseSelection,
): Promise<string[]> {
  const names =
    selection.kind === 'list'
      ? selection.names
      : (
          await withConnection(settings.connection, INPUTS.databaseUrl, listConnectableDatabases)
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

/** The error of a run where some databases failed: names them and the backups that are stored. */
export function databasesFailure(
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
