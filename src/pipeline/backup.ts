import { pipeline } from 'node:stream/promises';
import * as core from '@actions/core';
import type { Duplex, Readable, Transform, Writable } from 'node:stream';
import { ActionError } from '../errors.js';
import type { PgClient } from '../postgres/install/installer.js';
import { startPgDump } from '../postgres/pg-dump.js';
import type { DumpFormat } from '../settings.js';
import {
  checkedNeeds,
  checkedSchema,
  checkedTables,
  startArchiveCheck,
  startDirectoryCheck,
  type ArchiveCheck,
} from './archive-check.js';
import { Measure, type Measured } from './checksum.js';
import { createCompressor, type StagePlan } from './compression.js';
import { fanOut } from './fan-out.js';
import { ProgressMeter } from './progress.js';
import type { TableRows } from './row-count.js';
import type { ArchiveNeeds } from './archive-needs.js';
import type { SchemaFingerprint } from './schema-hash.js';
import { childController, runTogether } from './run-together.js';
import { Tap } from './tap.js';
import { TarCheck } from './tar-check.js';
import { DumpWatch } from './dump-watch.js';
import { packFiles } from './tar-pack.js';

/** Everything one dump stream needs. */
export interface BackupStream {
  client: PgClient;
  format: DumpFormat;
  /** pg_dump's argv (for directory format, with --file pointing into the spool). */
  dumpArgs: string[];
  /** The directory pg_dump writes for directory format. */
  spoolDir?: string;
  /** Top-level folder name inside the tar of a directory-format dump. */
  tarRoot: string;
  plan: StagePlan;
  verify: boolean;
  env: NodeJS.ProcessEnv;
  /** One writable per storage location. */
  sinks: Writable[];
  /** The age encryption stage, when the backup is encrypted. */
  encryptor?: Duplex;
  /** The run's cancel signal (SIGINT/SIGTERM): aborts the stream like a failure. */
  signal?: AbortSignal;
  /** pg_database_size of the source: what the progress lines estimate against. */
  databaseSize?: number;
  /** Where progress lines go (core.info by default). */
  log?: (line: string) => void;
  /** A millisecond clock (Date.now by default). */
  now?: () => number;
}

/** What came out of the stream. */
export interface BackupStreamResult extends Measured {
  /** Rows per table, when the archive was verified. */
  tables?: TableRows[];
  /** The schema fingerprint, when the archive was verified. */
  schema?: SchemaFingerprint;
  /** The extensions and roles a restore needs, when the archive was verified. */
  needs?: ArchiveNeeds;
  /** Seconds from pg_dump's start to the last byte stored: the summary's throughput divides by it. */
  dumpSeconds: number;
}

const PRIORITY = { dump: 0, store: 1, verify: 2 } as const;

/** pg_dump → [verify tap] → [compression] → [age] → sha256/size → every location, as one stream. */
export async function runBackupStream(s: BackupStream): Promise<BackupStreamResult> {
  const controller = childController(s.signal);
  const started = (s.now ?? Date.now)();
  const sink = fanOut(s.sinks);
  if (s.format === 'directory') return runDirectory(s, controller, sink, started);
  const dump = startPgDump(s.client, s.dumpArgs, s.env, controller.signal);
  // Verified, the meter counts the SQL text read back (comparable to the database size);
  // unverified, the bytes stored (compressed: no estimate).
  const text = s.verify ? meterOf(s, 'Dumping', 'read', s.databaseSize) : undefined;
  const measure = new Measure(text ? undefined : meterOf(s, 'Storing', 'stored'));
  const verifier = s.verify ? startVerifier(s, controller.signal, text) : undefined;
  const stages: (Readable | Transform | Duplex | Writable)[] = [dump.stdout];
  if (verifier?.input) stages.push(new Tap(verifier.input));
  if (verifier && s.format === 'tar') stages.push(new TarCheck());
  if (s.plan.streamCompression) stages.push(createCompressor(s.plan.streamCompression));
  if (s.encryptor) stages.push(s.encryptor);
  stages.push(measure, sink);
  await runTogether(
    [
      { priority: PRIORITY.dump, promise: dump.exited },
      { priority: PRIORITY.store, promise: pipeline(stages, { signal: controller.signal }) },
      ...(verifier ? [{ priority: PRIORITY.verify, promise: verifier.done }] : []),
    ],
    controller,
  );
  return finish(s, started, measure, verifier);
}

/**
 * Directory format: each file is packed into the tar stream as soon as pg_dump has closed it
 * (dump-watch.ts) and, verified, read as pg_dump writes it (startDirectoryCheck); the stream ends
 * only after pg_dump exited cleanly, so a failed dump stores nothing.
 */
async function runDirectory(
  s: BackupStream,
  controller: AbortController,
  sink: Writable,
  started: number,
): Promise<BackupStreamResult> {
  const dir = s.spoolDir ?? '';
  const dump = startPgDump(s.client, s.dumpArgs, s.env, controller.signal);
  // Verified, the meter counts the data read back (comparable to the database size).
  const text = s.verify ? meterOf(s, 'Dumping', 'read', s.databaseSize) : undefined;
  const measure = new Measure(text ? undefined : meterOf(s, 'Storing', 'stored'));
  const watch = new DumpWatch(dir, dump);
  const verifier = s.verify
    ? startDirectoryCheck({
        client: s.client,
        format: s.format,
        archive: dir,
        watch,
        env: s.env,
        signal: controller.signal,
        onBytes: text && ((n: number) => text.add(n)),
      })
    : undefined;
  const packed = packFiles(dir, s.tarRoot, watch.closed(), verifier?.files);
  const stages = [packed, ...(s.encryptor ? [s.encryptor] : []), measure, sink];
  await runTogether(
    [
      { priority: PRIORITY.dump, promise: dump.exited },
      { priority: PRIORITY.store, promise: pipeline(stages, { signal: controller.signal }) },
      ...(verifier ? [{ priority: PRIORITY.verify, promise: verifier.done }] : []),
    ],
    controller,
  );
  return finish(s, started, measure, verifier);
}

function startVerifier(s: BackupStream, signal: AbortSignal, meter?: ProgressMeter): ArchiveCheck {
  const onBytes = meter && ((n: number) => meter.add(n));
  return startArchiveCheck({ client: s.client, format: s.format, env: s.env, signal, onBytes });
}

function meterOf(
  s: BackupStream,
  label: string,
  verb: string,
  total?: number,
  totalName = 'pg_database_size',
): ProgressMeter {
  return new ProgressMeter({ label, verb, total, totalName, log: s.log ?? core.info, now: s.now });
}

function finish(
  s: BackupStream,
  started: number,
  measure: Measure,
  verifier: ArchiveCheck | undefined,
): BackupStreamResult {
  const measured = { ...measure.result(), dumpSeconds: ((s.now ?? Date.now)() - started) / 1000 };
  if (measured.size === 0)
    throw new ActionError('pg_dump produced an empty archive; the backup was not stored.');
  if (!verifier) return measured;
  const tables = checkedTables(verifier);
  return { ...measured, tables, schema: checkedSchema(verifier), needs: checkedNeeds(verifier) };
}
