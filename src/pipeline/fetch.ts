import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Manifest } from '../catalog/manifest.js';
import { plainName } from '../catalog/naming.js';
import { ActionError } from '../errors.js';
import type { Store } from '../storage/store.js';
import { Measure } from './checksum.js';
import { decryptFile, type DecryptionKeys } from './encryption.js';

/** The stored object as the manifest describes it. */
export interface ExpectedObject {
  key: string;
  size: number;
  sha256: string;
}

/**
 * Brings the stored object to a local file (in place for a directory store) while hashing it,
 * and fails unless size and SHA-256 equal the manifest's: nothing touches the target before.
 */
export async function fetchVerifiedArchive(
  store: Store,
  object: ExpectedObject,
  workspace: string,
): Promise<string> {
  const inPlace = store.localPath(object.key);
  const path = inPlace ?? join(workspace, object.key);
  const measure = new Measure();
  const source = inPlace ? createReadStream(inPlace) : await store.openReader(object.key);
  const sink: Writable = inPlace ? devNull() : createWriteStream(path, { mode: 0o600 });
  await pipeline(source, measure, sink);
  const got = measure.result();
  if (got.sha256 !== object.sha256 || got.size !== object.size) {
    throw new ActionError(
      `Checksum mismatch for ${store.locationOf(object.key)}: the manifest says ${object.size} bytes with sha256 ${object.sha256}, ` +
        `the stored object has ${got.size} bytes with sha256 ${got.sha256}. It is corrupt or altered; nothing was restored.`,
    );
  }
  return path;
}

function devNull(): Writable {
  return createWriteStream(process.platform === 'win32' ? 'NUL' : '/dev/null');
}

/** Decrypts an encrypted backup in full to a 0600 spool, so a wrong key fails before the target is touched. */
export async function decryptIfNeeded(
  manifest: Manifest,
  stored: string,
  keys: DecryptionKeys,
  workspace: string,
): Promise<{ path: string; decrypted: boolean }> {
  if (manifest.encryption.scheme === 'none') return { path: stored, decrypted: false };
  const plain = join(workspace, plainName(manifest.object.key));
  await decryptFile(stored, plain, keys, manifest.encryption);
  return { path: plain, decrypted: true };
}
