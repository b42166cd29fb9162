// The verify command's checks of a fetched archive: which client reads it, the rows read back
// against the manifest, and the end of the run (outputs, summary, and the failure when it did not verify).
import * as core from '@actions/core';
import { compareCounts, type Comparison, type Manifest } from '../catalog/manifest.js';
import { plainName } from '../catalog/naming.js';
import { ActionError } from '../errors.js';
import {
  setVerifyOutputs,
  verifyProblems,
  verifySummaryRows,
  writeVerifySummary,
  type VerifyReport,
} from '../outputs/verify.js';
import { readWholeArchive } from '../pipeline/archive-read.js';
import type { TableRows } from '../pipeline/row-count.js';
import type { ChosenClient } from '../postgres/client.js';
import type { TargetState } from '../postgres/target.js';
import type { DumpFormat, VerifySettings } from '../settings.js';
import { pickClient } from './restore-into.js';

/** Times a phase into `timings` (seconds, one decimal). */
export async function timed<T>(
  timings: Record<string, number>,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const result = await work();
  timings[name] = Number(((Date.now() - started) / 1000).toFixed(1));
  return result;
}

/** pg_restore for the archive read (not needed for plain SQL) and the drill. */
export async function clientFor(
  settings: VerifySettings,
  manifest: Manifest,
  state: TargetState | undefined,
  env: NodeJS.ProcessEnv,
): Promise<ChosenClient | undefined> {
  if (!state && manifest.dump.format === 'plain') {
    core.info('A plain-format backup is read without a client.');
    return undefined;
  }
  return pickClient(settings.client, manifest, state?.server.major ?? 0, env);
}

/** Reads the whole archive back and compares its rows with the manifest's. */
export async function readAndCompare(
  manifest: Manifest,
  archive: {
    path: string;
    client?: ChosenClient;
    clientEnv: NodeJS.ProcessEnv;
    workspace: string;
    signal?: AbortSignal;
  },
): Promise<{ archive: Comparison; unlisted: string[] }> {
  const read = await readWholeArchive({
    ...archive,
    env: archive.clientEnv,
    format: manifest.dump.format as DumpFormat,
    objectKey: plainName(manifest.object.key),
  });
  return compareArchive(manifest, read);
}

/** The rows counted in the archive against the manifest's, and tables the manifest misses. */
function compareArchive(
  manifest: Manifest,
  counted: TableRows[],
): { archive: Comparison; unlisted: string[] } {
  const key = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
  const found = new Map(counted.map((t) => [key(t), t.rows]));
  const archive = compareCounts(
    manifest.tables,
    manifest.tables.map((t) => found.get(key(t)) ?? -1),
  );
  const listed = new Set(manifest.tables.map(key));
  const unlisted = counted.map(key).filter((name) => !listed.has(name));
  const { rows, mismatches } = archive;
  core.info(
    `${rows.length - mismatches.length} of ${rows.length} tables in the archive have the manifest's row counts.`,
  );
  return { archive, unlisted };
}

/** Sets the outputs and writes the summary; fails when the backup did not verify. */
export async function reportVerify(report: VerifyReport): Promise<void> {
  setVerifyOutputs(report);
  for (const [field, value] of verifySummaryRows(report)) core.info(`${field}: ${value}`);
  await writeVerifySummary(report);
  const problems = verifyProblems(report);
  if (problems.length)
    throw new ActionError(`Backup ${report.manifest.id} did not verify: ${problems.join('; ')}.`);
  core.info('Outputs and job summary written.');
}
