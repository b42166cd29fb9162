// The prune tests' storage places, seen independently of the store under test: a directory read
// with fs, or an S3 prefix read with the AWS CLI; and the prune command run in-process there.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { parseManifest } from '../../src/catalog/manifest.js';
import type { RunContext } from '../../src/commands/context.js';
import { readPruneSettings } from '../../src/inputs/prune.js';
import type { PruneReport } from '../../src/outputs/prune.js';
import { createStore } from '../../src/storage/create-store.js';
import type { Store } from '../../src/storage/store.js';
import { readerOf } from '../../scripts/lib/repo.js';
import { awsCli, listedKeys } from '../../scripts/lib/s3-server.js';
import { runStory } from './command-run.js';

/** A location as the test sees it, independently of the store under test. */
export interface Location {
  inputs: Record<string, string>;
  /** File names at the location (directory entries, or keys without the prefix via the AWS CLI). */
  files(): Promise<string[]>;
  /** Every file's bytes, read back. */
  download(): Promise<Map<string, Buffer>>;
}

/** A fresh directory. */
export async function localLocation(): Promise<Location> {
  const dir = await mkdtemp(join(tmpdir(), 'prune-store-'));
  const files = async () => (await readdir(dir)).sort();
  return { inputs: { storage: dir }, files, download: async () => readAll(dir, await files()) };
}

let prefixes = 0;

/** A fresh prefix in `bucket` of the S3 server at `server`, reached by the action at `endpoint`. */
export function s3Location(bucket: string, server: string, endpoint = server): Location {
  const prefix = `p${(prefixes += 1)}/nightly/`;
  const files = async () =>
    (await listedKeys(bucket, prefix, server)).map((k) => k.slice(prefix.length)).sort();
  return {
    inputs: {
      storage: `s3://${bucket}/${prefix}`,
      's3-endpoint': endpoint,
      's3-force-path-style': 'true',
    },
    files,
    download: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'prune-s3-copy-'));
      const run = await awsCli(
        ['s3', 'cp', '--recursive', '--quiet', `s3://${bucket}/${prefix}`, dir],
        server,
      );
      if (run.code !== 0) throw new Error(run.stderr);
      return readAll(dir, (await readdir(dir)).sort());
    },
  };
}

async function readAll(dir: string, names: string[]): Promise<Map<string, Buffer>> {
  return new Map(
    await Promise.all(names.map(async (f) => [f, await readFile(join(dir, f))] as const)),
  );
}

/** The prune settings of label `app` at the location. */
export function settingsFor(location: Location, inputs: Record<string, string>) {
  return readPruneSettings(
    readerOf({ ...location.inputs, label: 'app', ...inputs }),
    () => undefined,
    '/',
  );
}

/** The store of the location, as the action opens it. */
export function storeAt(location: Location): Store {
  const settings = settingsFor(location, { 'keep-last': '1' });
  return createStore(settings.storage, { s3: settings.s3, env: process.env });
}

/** Runs the prune command of label `app` at the location (command-run.ts), with `ctx`. */
export async function pruneAt(
  location: Location,
  inputs: Record<string, string>,
  ctx: Partial<RunContext> = {},
): Promise<PruneReport> {
  return (await runStory('prune', { ...location.inputs, label: 'app', ...inputs }, { ctx })).report;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every manifest left has its data object, whose bytes match the manifest. */
export function expectEveryManifestWhole(files: Map<string, Buffer>): void {
  for (const [name, body] of files) {
    if (!name.endsWith('.manifest.json')) continue;
    const m = parseManifest(body.toString('utf8'), name);
    const data = files.get(m.object.key);
    expect(data && sha256(data)).toBe(m.object.sha256);
  }
}
