import * as core from '@actions/core';
import type { Manifest } from '../catalog/manifest.js';
import { readGlobalsSql } from '../pipeline/globals.js';
import { applyGlobals, type GlobalsResult } from '../postgres/globals.js';
import { parseGlobals } from '../postgres/globals-sql.js';
import { withMaintenance } from '../postgres/target.js';
import type { RestoreSettings } from '../settings.js';
import type { Store } from '../storage/store.js';

/**
 * `restore-globals: true`: checks the backup's globals object (SHA-256, key), then creates its
 * roles and tablespaces on the target server before the database is restored. Existing roles are
 * kept as they are; running it again changes nothing.
 */
export async function restoreGlobals(
  store: Store,
  manifest: Manifest,
  settings: RestoreSettings,
  workspace: string,
): Promise<GlobalsResult> {
  const sql = await readGlobalsSql(store, manifest, settings.keys, workspace);
  const statements = parseGlobals(sql);
  // The target database may not exist yet: roles are created over the maintenance database.
  const result = await withMaintenance(settings.target, (client) =>
    applyGlobals(client, statements),
  );
  logGlobals(result, manifest.globals?.rolePasswords !== false);
  return result;
}

function logGlobals(r: GlobalsResult, passwords: boolean): void {
  const list = (names: string[]) => (names.length ? names.join(', ') : 'none');
  core.info(`Roles created: ${list(r.created)}.`);
  core.info(`Roles kept as they are (they exist): ${list(r.kept)}.`);
  core.info(`Roles skipped: ${list(r.skipped.map((s) => `${s.name} (${s.reason})`))}.`);
  core.info(
    `Memberships granted: ${list(r.memberships.granted)}; left out: ${list(r.memberships.skipped)}.`,
  );
  core.info(
    `Tablespaces created: ${list(r.tablespaces.created)}; kept: ${list(r.tablespaces.kept)}; not created: ${list(r.tablespaces.failed.map((f) => f.name))}.`,
  );
  if (!passwords && r.created.length)
    core.warning(
      'The backup holds no role passwords (its source user could not read them): set the passwords of the created roles before they log in.',
    );
}
