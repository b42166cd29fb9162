import { pipeline } from 'node:stream/promises';
import type { Duplex, Readable, Transform, Writable } from 'node:stream';
import { ActionError } from '../errors.js';
import type { PgClient } from '../postgres/client.js';
import { startPgDump } from '../postgres/pg-dump.js';
import { startArchiveRead } from '../postgres/pg-restore.js';
import type { DumpFormat } from '../settings.js';
import { Measure, type Measured } from './checksum.js';
import { createCompressor, type StagePlan } from './compression.js';
import { fanOut } from './fan-out.js';
import { RowCounter, type TableRows } from './row-count.js';
import { runTogether } from './run-together.js';
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
}

/** What came out of the stream. */
export interface BackupStreamResult extends Measured {
  /** Rows per table, when the archive was verified. */
  tables?: TableRows[];
}

/** A verifier reads the raw archive (or, for directory format, the spool) and counts rows. */
interface Verifier {
  input?: Writable;
  counter: RowCounter;
  done: Promise<unknown>;
}

const PRIORITY = { dump: 0, store: 1, verify: 2 } as const;
const STALL_MS = 120_000;

/** pg_dump → [verify tap] → [compression] → [age] → sha256/size → every location, as one stream. */
export async function runBackupStream(s: BackupStream): Promise<BackupStreamResult> {
  const controller = new AbortController();
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

function startVerifier(s: BackupStream, signal: AbortSignal): Verifier {
  const counter = new RowCounter();
  if (s.format === 'plain') {
    return {
      input: counter,
      counter,
      done: verification(new Promise((ok, ko) => counter.once('finish', ok).once('error', ko))),
    };
  }
  const archive = s.format === 'directory' ? s.spoolDir : undefined;
  const reader = startArchiveRead(s.client, archive, s.env, signal);
  const parts = [reader.exited, pipeline(reader.stdout, counter, { signal })];
  if (!archive) parts.push(stallGuard(reader.stdin, reader.stdout, STALL_MS));
  const done = Promise.all(parts);
  return { input: archive ? undefined : reader.stdin, counter, done: verification(done) };
}

/** Fails when pg_restore goes silent for `ms` after the whole archive was handed to it. */
function stallGuard(input: Writable, output: Readable, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const stalled = () =>
      reject(new Error(`pg_restore made no progress for ${ms / 1000} s after the archive ended`));
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(stalled, ms);
    };
    input.once('finish', () => {
      arm();
      output.on('data', arm);
    });
    output.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function verification(done: Promise<unknown>): Promise<unknown> {
  return done.catch((error: unknown) => {
    const why = error instanceof Error ? error.message : String(error);
    throw new ActionError(`The archive did not verify: ${why}. The backup was not stored.`, {
      cause: error,
    });
  });
}

function finish(measure: Measure, verifier: Verifier | undefined): BackupStreamResult {
  const measured = measure.result();
  if (measured.size === 0)
    throw new ActionError('pg_dump produced an empty archive; the backup was not stored.');
  if (verifier && !verifier.counter.complete) {
    throw new ActionError(
      'The archive did not verify: it ends before "PostgreSQL database dump complete" (truncated). The backup was not stored.',
    );
  }
  return { ...measured, tables: verifier?.counter.tables };
}
