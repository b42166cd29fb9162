import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBackup } from '../../src/commands/backup.js';
import { runRestoreCommand } from '../../src/commands/restore.js';
import { readRestoreSettings } from '../../src/inputs/restore.js';
import type { RestoreReport } from '../../src/outputs/restore.js';
import { readBackupSettings } from '../../src/inputs/backup.js';
import { parseManifest, type Manifest } from '../../src/catalog/manifest.js';
import type { BackupReport } from '../../src/outputs/backup.js';
import { readerOf } from './repo.js';

/** Runs the backup command in-process with inputs over action.yml's defaults, at `now`'s clock. */
export async function backupWith(
  inputs: Record<string, string>,
  now: () => Date = () => new Date(),
): Promise<BackupReport> {
  const read = readerOf(inputs);
  const settings = readBackupSettings(read, () => undefined, process.cwd());
  const workspace = await mkdtemp(join(tmpdir(), 'ws-'));
  process.env.GITHUB_OUTPUT ??= join(workspace, 'output');
  await writeFile(process.env.GITHUB_OUTPUT, '', { flag: 'a' });
  return runBackup(settings, { env: process.env, workspace, now });
}

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Reads a manifest file. */
export async function readManifest(path: string): Promise<Manifest> {
  return parseManifest(await readFile(path, 'utf8'), path);
}

/** `schema.table` → rows, from a manifest. */
export function manifestCounts(m: Manifest): Record<string, number> {
  return Object.fromEntries(m.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
}

/** Runs the restore command in-process with inputs over action.yml's defaults. */
export async function restoreWith(inputs: Record<string, string>): Promise<RestoreReport> {
  const read = readerOf(inputs);
  const settings = readRestoreSettings(read, () => undefined, process.cwd());
  const workspace = await mkdtemp(join(tmpdir(), 'ws-'));
  process.env.GITHUB_OUTPUT ??= join(workspace, 'output');
  await writeFile(process.env.GITHUB_OUTPUT, '', { flag: 'a' });
  return runRestoreCommand(settings, { env: process.env, workspace, now: () => new Date() });
}
