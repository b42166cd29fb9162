// Manufactured backups for retention tests: real manifests (serializeManifest) and small data
// objects whose SHA-256 and size match them, written through a Store.
import { createHash } from 'node:crypto';
import { serializeManifest, type Manifest } from '../../src/catalog/manifest.js';
import { backupId, dataObjectName, manifestName } from '../../src/catalog/naming.js';
import type { Store } from '../../src/storage/store.js';

/** One manufactured backup: its manifest and the bytes of its data object. */
export interface Manufactured {
  manifest: Manifest;
  manifestFile: string;
  dataFile: string;
  data: Buffer;
  /** The globals object, when manufactured with one. */
  globals?: { file: string; data: Buffer };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A backup of `label` created at `createdAt` (its id is the whole second), format custom. */
export function manufacture(
  label: string,
  createdAt: Date,
  options: { serial?: number; globals?: boolean } = {},
): Manufactured {
  const base = backupId(label, createdAt);
  const id = options.serial && options.serial > 1 ? `${base}-${options.serial}` : base;
  const dataFile = dataObjectName(id, '.dump');
  const data = Buffer.from(`PGDMP manufactured data of ${id}\n`);
  const globals = options.globals
    ? { file: `${id}.globals.sql`, data: Buffer.from(`-- roles of ${id}\n`) }
    : undefined;
  const manifest: Manifest & { globals?: object } = {
    manifestVersion: 1,
    id,
    label,
    createdAt: createdAt.toISOString(),
    finishedAt: new Date(createdAt.getTime() + 4000).toISOString(),
    tool: { name: 'postgres-backup-action', version: 'test' },
    server: { version: '15.8', versionNum: 150008, database: label },
    client: { pgDumpVersion: '15.8' },
    dump: { format: 'custom', compression: 'gzip:6', jobs: 1, args: [] },
    encryption: { scheme: 'none' },
    object: { key: dataFile, size: data.length, sha256: sha256(data) },
    tables: [{ schema: 'public', name: 't', rows: 1 }],
    totalRows: 1,
    verification: { archive: 'passed' },
    labels: {},
    ...(globals
      ? {
          globals: {
            key: globals.file,
            size: globals.data.length,
            sha256: sha256(globals.data),
            rolePasswords: false,
          },
        }
      : {}),
  };
  return { manifest, manifestFile: manifestName(id), dataFile, data, globals };
}

/** Writes the data objects (and globals), then the manifests, as a backup run would. */
export async function seed(store: Store, backups: Manufactured[]): Promise<void> {
  for (let at = 0; at < backups.length; at += 16) {
    await Promise.all(
      backups.slice(at, at + 16).map(async (b) => {
        await store.writeSmall(b.dataFile, b.data.toString());
        if (b.globals) await store.writeSmall(b.globals.file, b.globals.data.toString());
        await store.writeSmall(b.manifestFile, serializeManifest(b.manifest));
      }),
    );
  }
}

/** Every file name of these backups (manifest, data, globals). */
export function filesOf(backups: Manufactured[]): string[] {
  return backups.flatMap((b) => [
    b.manifestFile,
    b.dataFile,
    ...(b.globals ? [b.globals.file] : []),
  ]);
}

/** A deterministic pseudo-random source (a 32-bit LCG), for spreading backups over time. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
