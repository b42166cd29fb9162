import * as core from '@actions/core';
import type { Manifest } from '../catalog/manifest.js';
import type { GlobalsResult } from '../postgres/globals.js';
import { flushSummary } from './summary.js';
import { formatBytes } from '../units.js';

/** The backup summary's "Roles and tablespaces" row, when the backup has a globals object. */
export function globalsBackupRows(m: Manifest): [string, string][] {
  if (!m.globals) return [];
  const passwords = m.globals.rolePasswords
    ? 'role passwords included'
    : 'role passwords NOT included (the user cannot read pg_authid, as on managed providers)';
  return [
    ['Roles and tablespaces', `${m.globals.key} (${formatBytes(m.globals.size)}), ${passwords}`],
  ];
}

/** The rows of the restore summary's roles section. */
export function globalsRestoreRows(r: GlobalsResult): [string, string][] {
  const list = (names: string[]) => (names.length ? names.join(', ') : 'none');
  return [
    ['Roles created', list(r.created)],
    ['Roles kept as they are', list(r.kept)],
    ['Roles skipped', list(r.skipped.map((s) => `${s.name} (${s.reason})`))],
    ['Memberships granted', list(r.memberships.granted)],
    ['Memberships left out', list(r.memberships.skipped)],
    ['Tablespaces created', list(r.tablespaces.created)],
    ['Tablespaces kept', list(r.tablespaces.kept)],
    ['Tablespaces not created', list(r.tablespaces.failed.map((f) => `${f.name} (${f.reason})`))],
  ];
}

/** Writes the restore's roles section to the job summary (nothing without restore-globals). */
export async function writeGlobalsSummary(r: GlobalsResult | undefined): Promise<void> {
  if (!r) return;
  core.summary.addHeading('Roles and tablespaces', 4);
  core.summary.addTable([
    [
      { data: 'Field', header: true },
      { data: 'Value', header: true },
    ],
    ...globalsRestoreRows(r),
  ]);
  await flushSummary();
}
