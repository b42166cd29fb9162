import { pipeline } from 'node:stream/promises';
import type { Duplex, Readable, Transform, Writable } from 'node:stream';
import { ActionError } from '../errors.js';
import type { PgClient } from '../postgres/install/installer.js';
import { startPgDump } from '../postgres/pg-dump.js';
import type { DumpFormat } from '../settings.js';
import {
  checkedSchema,
  checkedTables,
  startArchiveCheck,
  type ArchiveCheck,
} from './archive-check.js';
import { Measure, type Measured } from './checksum.js';
import { createCompressor, type StagePlan } from './compression.js';
import { fanOut } from './fan-out.js';
import type { TableRows } from './row-count.js';
import type { SchemaFingerprint } from './schema-hash.js';
import { childController, runTogether } from './run-together.js';
import { Tap } from './tap.js';
import { TarCheck } from './tar-check.js';
import { packDirectory } from './tar-pack.js';

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
}

/** What came out of the stream. */
export interface BackupStreamResult extends Measured {
  /** Rows per table, when the archive was verified. */
  tables?: TableRows[];
  /** The schema fingerprint, when the archive was verified. */
  schema?: SchemaFingerprint;
}

const PRIORITY = { dump: 0, store: 1, verify: 2 } as const;

/** pg_dump → [verify tap] → [compression] → [age] → sha256/size → every location, as one stream. */
export async function runBackupStream(s: BackupStream): Promise<BackupStreamResult> {
  const controller = childController(s.signal);
  const measure = new Measure();
  const sink = fanOut(s.sinks);
  if (s.format === 'directory') return runDirectory(s, controller, measure, sink);
  const dump = startPgDump(s.client, s.dumpArgs, s.env, controller.signal);
  const verifier = s.verify ? startVerifier(s, controller.signal) : undefined;
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
  return finish(measure, verifier);
}

async function runDirectory(
  s: BackupStream,
  controller: AbortController,
  measure: Measure,
  sink: Writable,
): Promise<BackupStreamResult> {
  const dump = startPgDump(s.client, s.dumpArgs, s.env, controller.signal);
  await runTogether([{ priority: PRIORITY.dump, promise: dump.exited }], controller);
  const verifier = s.verify ? startVerifier(s, controller.signal) : undefined;
  const packed = packDirectory(s.spoolDir ?? '', s.tarRoot);
  await runTogether(
    [
      {
        priority: PRIORITY.store,
        promise: pipeline([packed, ...(s.encryptor ? [s.encryptor] : []), measure, sink], {
          signal: controller.signal,
        }),
      },
      ...(verifier ? [{ priority: PRIORITY.verify, promise: verifier.done }] : []),
    ],
    controller,
  );
  return finish(measure, verifier);
}

function startVerifier(s: BackupStream, signal: AbortSignal): ArchiveCheck {
  const archive = s.format === 'directory' ? s.spoolDir : undefined;
  return startArchiveCheck({ client: s.client, format: s.format, archive, env: s.env, signal });
}

function finish(measure: Measure, verifier: ArchiveCheck | undefined): BackupStreamResult {
  const measured = measure.result();
  if (measured.size === 0)
    throw new ActionError('pg_dump produced an empty archive; the backup was not stored.');
  if (!verifier) return { ...measured };
  return { ...measured, tables: checkedTables(verifier), schema: checkedSchema(verifier) };
}
