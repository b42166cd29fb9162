// The globals object (roles and tablespaces): pg_dumpall --globals-only through the stages of a
// plain dump, and read back for a restore with the same checks as the data object.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import type { Manifest } from '../catalog/manifest.js';
import { plainName, streamCompressionOf } from '../catalog/naming.js';
import { ActionError } from '../errors.js';
import type { PgClient } from '../postgres/install/installer.js';
import { startPgDumpall } from '../postgres/pg-dumpall.js';
import type { Store } from '../storage/store.js';
import { Measure, type Measured } from './checksum.js';
import { createCompressor, type StagePlan } from './compression.js';
import { decryptFile, type DecryptionKeys } from './encryption.js';
import { fetchVerifiedArchive } from './fetch.js';
import { fanOut } from './fan-out.js';
import { childController, runTogether } from './run-together.js';

/** Everything the globals stream needs. */
export interface GlobalsStream {
  client: PgClient;
  /** pg_dumpall's argv (see pgDumpallArgs). */
  args: string[];
  /** The stages of a plain dump of the backup's compression choice. */
  plan: StagePlan;
  env: NodeJS.ProcessEnv;
  /** One writable per storage location. */
  sinks: Writable[];
  /** The age encryption stage, when the backup is encrypted. */
  encryptor?: Duplex;
  signal?: AbortSignal;
}

/** pg_dumpall → [compression] → [age] → sha256/size → every location. */
export async function runGlobalsStream(s: GlobalsStream): Promise<Measured> {
  const controller = childController(s.signal);
  const measure = new Measure();
  const dump = startPgDumpall(s.client, s.args, s.env, controller.signal);
  const stages: (Readable | Transform | Duplex | Writable)[] = [dump.stdout];
  if (s.plan.streamCompression) stages.push(createCompressor(s.plan.streamCompression));
  if (s.encryptor) stages.push(s.encryptor);
  stages.push(measure, fanOut(s.sinks));
  await runTogether(
    [
      { priority: 0, promise: dump.exited },
      { priority: 1, promise: pipeline(stages, { signal: controller.signal }) },
    ],
    controller,
  );
  const measured = measure.result();
  if (measured.size === 0)
    throw new ActionError('pg_dumpall produced no output; the roles were not stored.');
  return measured;
}

/**
 * The SQL text of a backup's globals object: size and SHA-256 checked against the manifest,
 * decrypted in full (a wrong key fails here) and decompressed by its extension.
 */
export async function readGlobalsSql(
  store: Store,
  manifest: Manifest,
  keys: DecryptionKeys,
  workspace: string,
): Promise<string> {
  const globals = manifest.globals;
  if (!globals)
    throw new ActionError(
      `The backup ${manifest.id} has no roles and tablespaces (it was made without globals: true): set restore-globals: false, or restore a backup made with globals: true.`,
    );
  const stored = await fetchVerifiedArchive(store, globals, workspace);
  let path = stored;
  if (manifest.encryption.scheme !== 'none') {
    path = join(workspace, plainName(globals.key));
    await decryptFile(stored, path, keys, manifest.encryption);
  }
  return decompress(await readFile(path), plainName(globals.key)).toString('utf8');
}

function decompress(data: Buffer, key: string): Buffer {
  try {
    const method = streamCompressionOf(key);
    if (method === 'gzip') return gunzipSync(data);
    if (method === 'zstd') return zstdDecompressSync(data);
    return data;
  } catch (error) {
    throw new ActionError(`The globals object ${key} cannot be decompressed: it is damaged.`, {
      cause: error,
    });
  }
}
