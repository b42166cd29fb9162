// The check command's test kit: manufactured manifests (as the backup story writes them) and an
// in-process run (command-run.ts) at a fixed clock.
import { serializeManifest, type Manifest } from '../../src/catalog/manifest.js';
import { backupId, manifestName } from '../../src/catalog/naming.js';
import type { CheckReport } from '../../src/outputs/check.js';
import { attemptStory, type StoryRun } from './command-run.js';

/** The fixed clock of the check tests. */
export const NOW = new Date('2026-11-22T12:00:00Z');

/** A manifest of `label` that finished `hoursAgo` before NOW and stored `size` bytes. */
export function manifestOf(label: string, hoursAgo: number, size: number): Manifest {
  const finished = new Date(NOW.getTime() - hoursAgo * 3_600_000);
  const created = new Date(finished.getTime() - 90_000);
  const id = backupId(label, created);
  return {
    manifestVersion: 1,
    id,
    label,
    createdAt: created.toISOString(),
    finishedAt: finished.toISOString(),
    tool: { name: 'postgres-backup-action', version: '0.1.0' },
    server: { version: '17.2', versionNum: 170002, database: label },
    client: { pgDumpVersion: '17.2' },
    dump: { format: 'custom', compression: 'zstd:3', jobs: 1, args: [] },
    encryption: { scheme: 'none' },
    object: { key: `${id}.dump`, size, sha256: 'a'.repeat(64) },
    tables: [{ schema: 'public', name: 'items', rows: 3 }],
    totalRows: 3,
    verification: { archive: 'passed' },
    labels: {},
  };
}

/** The manifest's file name and its stored text. */
export function storedManifest(m: Manifest): [string, string] {
  return [manifestName(m.id), serializeManifest(m)];
}

/** Runs the check command in-process at NOW; never throws: a failure is `error`. */
export function checkWith(inputs: Record<string, string>): Promise<StoryRun<CheckReport>> {
  return attemptStory('check', inputs, { now: () => NOW });
}
