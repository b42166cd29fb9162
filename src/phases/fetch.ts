// The fetch phase restore and verify share: find the backup, check the stored object against its
// manifest, and decrypt it into a local archive. Nothing on any database is touched here.
import * as core from '@actions/core';
import { findBackup, type BackupQuery } from '../catalog/backups.js';
import type { Manifest } from '../catalog/manifest.js';
import { decryptIfNeeded, fetchVerifiedArchive } from '../pipeline/fetch.js';
import type { DecryptionKeys } from '../pipeline/encryption.js';
import type { Store } from '../storage/store.js';
import { formatBytes } from '../units.js';

/** Finds the backup the settings choose (latest, by id or by time) and says what it is. */
export async function findAndDescribe(
  store: Store,
  query: BackupQuery,
  now: Date,
): Promise<Manifest> {
  const manifest = await findBackup(store, query, now);
  core.info(
    `Backup ${manifest.id}: ${manifest.dump.format}, ${formatBytes(manifest.object.size)}, created ${manifest.createdAt}, ${manifest.totalRows} rows in ${manifest.tables.length} tables.`,
  );
  return manifest;
}

/** Downloads the stored object and checks its SHA-256 and size against the manifest. */
export async function fetchChecked(
  store: Store,
  manifest: Manifest,
  workspace: string,
): Promise<string> {
  const path = await fetchVerifiedArchive(store, manifest.object, workspace);
  core.info(
    `sha256 ${manifest.object.sha256} and ${manifest.object.size} bytes match the manifest.`,
  );
  return path;
}

/** The local archive, decrypted with the keys when the backup is encrypted. */
export async function decrypt(
  manifest: Manifest,
  stored: string,
  keys: DecryptionKeys,
  workspace: string,
): Promise<string> {
  const { path, decrypted } = await decryptIfNeeded(manifest, stored, keys, workspace);
  core.info(decrypted ? 'Decrypted with age.' : 'The backup is not encrypted.');
  return path;
}
