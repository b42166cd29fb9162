// The check command's test kit: manufactured manifests (as the backup story writes them), an
// in-process run over action.yml's defaults with a fixed clock, and the step outputs it wrote.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeManifest, type Manifest } from '../../src/catalog/manifest.js';
import { backupId, manifestName } from '../../src/catalog/naming.js';
import { runCheck } from '../../src/commands/check.js';
import { readCheckSettings } from '../../src/inputs/check.js';
import type { CheckReport } from '../../src/outputs/check.js';
import { readerOf } from './repo.js';

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

/** What one check run left: its report or error, and the step outputs it wrote. */
export interface CheckRun {
  report?: CheckReport;
  error?: Error;
  outputs: Record<string, string>;
}

/** Runs the check command in-process (real reader, real stores) at NOW; never throws. */
export async function checkWith(inputs: Record<string, string>): Promise<CheckRun> {
  const settings = readCheckSettings(readerOf(inputs), () => undefined, process.cwd());
  const workspace = await mkdtemp(join(tmpdir(), 'check-ws-'));
  process.env.GITHUB_OUTPUT = join(workspace, 'output');
  await writeFile(process.env.GITHUB_OUTPUT, '');
  const ctx = { env: process.env, workspace, now: () => NOW };
  const run: CheckRun = { outputs: {} };
  try {
    run.report = await runCheck(settings, ctx);
  } catch (error) {
    run.error = error as Error;
  }
  run.outputs = parseOutputFile(await readFile(process.env.GITHUB_OUTPUT, 'utf8'));
  return run;
}

/** Parses a GITHUB_OUTPUT file (`name<<DELIMITER`, value lines, `DELIMITER`). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m?.[1] || !m[2]) continue;
    const end = lines.indexOf(m[2], i + 1);
    outputs[m[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}
