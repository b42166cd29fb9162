import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { ConsequenceError } from '../errors.js';
import type { PgClient } from '../postgres/install/installer.js';
import { startArchiveRead } from '../postgres/pg-restore.js';
import type { DumpFormat } from '../settings.js';
import { RowCounter, type TableRows } from './row-count.js';
import type { ArchiveNeeds } from './archive-needs.js';
import type { SchemaFingerprint } from './schema-hash.js';
import { CustomArchiveReader, readsInProcess } from './custom-archive.js';
import { DirectoryArchiveReader } from './directory-archive.js';
import type { DumpWatch } from './dump-watch.js';
import { COPY_TRAILER, schemaBlock, schemaPrefix, writeStandIn } from './schema-archive.js';

/** A running full read of an archive: feed `input` (unless it reads a path), await `done`. */
export interface ArchiveCheck {
  /** Where the archive's bytes go; undefined when pg_restore reads `archive` itself. */
  input?: Writable;
  counter: ArchiveFacts;
  /** Settles when the whole archive was read; rejects with "did not verify". */
  done: Promise<unknown>;
}

/** What a full read found: the rows per table, the schema fingerprint, the names a restore needs. */
export interface ArchiveFacts {
  /** Whether the archive was read to its end (pg_restore's closing line included). */
  readonly complete: boolean;
  readonly tables: TableRows[];
  readonly schema: { fingerprint(): SchemaFingerprint };
  readonly needs: { needs(): ArchiveNeeds };
  /** Whether the rows were counted in-process from the archive's data blocks (not pg_restore). */
  readonly inProcess?: boolean;
}

/** What to read. */
export interface ArchiveSource {
  client: PgClient;
  format: DumpFormat;
  /** A path pg_restore reads (a dump directory or file); undefined = the bytes written to `input`. */
  archive?: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Told the size of every chunk of SQL text read (the progress meter). */
  onBytes?: (n: number) => void;
}

const STALL_MS = 120_000;
const SLACK_BYTES = 2 << 20;

/**
 * Reads an archive in full and counts COPY rows per table: plain SQL is counted as it is, a
 * streamed custom archive in-process (custom-archive-check.ts), the other formats through
 * `pg_restore -f -` (which fails on a truncated archive).
 */
export function startArchiveCheck(s: ArchiveSource): ArchiveCheck {
  if (s.format === 'custom' && !s.archive) return startCustomCheck(s);
  return startSqlCheck(s);
}

/**
 * A streamed custom archive: its data blocks are read and their rows counted in-process
 * ({@link CustomArchiveReader}); pg_restore reads the header and TOC with every data block
 * emptied of its rows (schema-archive.ts), so the schema fingerprint, the names a restore needs and
 * pg_restore's own check of the header and TOC stay as they were. An archive the reader does not
 * cover (lz4, INSERT data) goes to pg_restore whole, as before.
 */
function startCustomCheck(s: ArchiveSource): ArchiveCheck {
  let whole = false;
  const sql = startSqlCheck({ ...s, onBytes: (n) => whole && s.onBytes?.(n) });
  const input = sql.input as Writable;
  const reader = new CustomArchiveReader({
    onHead: (head, bytes) => {
      whole = !readsInProcess(head);
      if (whole) return input;
      input.write(schemaPrefix(head, bytes));
      return undefined;
    },
    onBlock: (entry, trailer) => input.write(schemaBlock(entry, trailer, reader.intSize)),
    onBytes: s.onBytes,
  });
  reader.once('finish', () => input.writableEnded || input.end());
  reader.once('close', () => {
    if (!reader.writableFinished) input.destroy(new Error('the archive stopped before it ended'));
  });
  const counter: ArchiveFacts = {
    get complete() {
      return sql.counter.complete && (whole || reader.complete);
    },
    get tables() {
      return whole ? sql.counter.tables : reader.tables;
    },
    schema: sql.counter.schema,
    needs: sql.counter.needs,
    get inProcess() {
      return reader.complete && !whole;
    },
  };
  const done = verification(Promise.all([finished(reader), sql.done]));
  return { input: reader, counter, done };
}

/** A dump directory being written. */
export interface DirectorySource extends ArchiveSource {
  /** The directory pg_dump writes. */
  archive: string;
  /** The watch on it: which files pg_dump writes and has finished. */
  watch: DumpWatch;
}

/** A running read of a dump directory: tell `files` what was packed, await `done`. */
export interface DirectoryCheck extends ArchiveCheck {
  files: DirectoryArchiveReader;
}

/**
 * A dump directory read as pg_dump writes it: its data files are read and their rows counted
 * in-process ({@link DirectoryArchiveReader}); pg_restore reads a stand-in directory (the real
 * toc.dat, each data file emptied of its rows), so the schema fingerprint, the names a restore
 * needs and pg_restore's own check of toc.dat stay as they were. An archive the reader does not
 * cover (lz4, INSERT data) is read by pg_restore whole once pg_dump has exited, as before.
 */
export function startDirectoryCheck(s: DirectorySource): DirectoryCheck {
  const files = new DirectoryArchiveReader(s.onBytes);
  files.follow(s.watch);
  const stopped = () => files.fail(new Error('the dump stopped before the archive was read'));
  if (s.signal.aborted) stopped();
  else s.signal.addEventListener('abort', stopped, { once: true });
  const sql: { check?: ArchiveCheck } = {};
  const facts = () => sql.check?.counter;
  const counter: ArchiveFacts = {
    get complete() {
      return Boolean(facts()?.complete) && (!files.inProcess || files.complete);
    },
    get tables() {
      return files.inProcess ? files.tables : (facts()?.tables ?? []);
    },
    schema: { fingerprint: () => (facts() as ArchiveFacts).schema.fingerprint() },
    needs: { needs: () => (facts() as ArchiveFacts).needs.needs() },
    get inProcess() {
      return files.complete;
    },
  };
  return { files, counter, done: verification(readDirectory(s, files, sql)) };
}

/**
 * The in-process read, and pg_restore over the stand-in (or, not in-process, over the directory
 * once pg_dump is done). pg_restore reads the stand-in while the data is being read, with the
 * trailer pg_dump writes after every table's rows; it reads it again, with the trailers found,
 * should any table's data end otherwise.
 */
async function readDirectory(
  s: DirectorySource,
  files: DirectoryArchiveReader,
  sql: { check?: ArchiveCheck },
): Promise<void> {
  await files.tocRead;
  if (!files.inProcess) {
    await s.watch.ended;
    sql.check = startSqlCheck(s);
    await Promise.all([sql.check.done, files.packedAsRead()]);
    return;
  }
  const standIn = await mkdtemp(join(dirname(s.archive), 'stand-in-'));
  const readStandIn = () =>
    (sql.check = startSqlCheck({ ...s, archive: standIn, onBytes: undefined }));
  try {
    await writeStandIn(standIn, files, () => COPY_TRAILER);
    await Promise.all([files.done, readStandIn().done]);
    if (!files.trailersAre(COPY_TRAILER)) {
      await writeStandIn(standIn, files, (id) => files.trailers.get(id) ?? Buffer.alloc(0));
      await readStandIn().done;
    }
  } finally {
    await rm(standIn, { recursive: true, force: true });
  }
  await files.packedAsRead();
}

/** Plain SQL counted as it is; the other formats through `pg_restore -f -`. */
function startSqlCheck(s: ArchiveSource): ArchiveCheck {
  const counter = new RowCounter(s.onBytes);
  if (s.format === 'plain') {
    // finished() also rejects when the counter is destroyed before its end (premature close).
    return { input: counter, counter, done: verification(finished(counter)) };
  }
  const reader = startArchiveRead(s.client, s.archive, s.env, s.signal);
  const parts = [reader.exited, pipeline(reader.stdout, counter, { signal: s.signal })];
  if (s.archive) return { counter, done: verification(Promise.all(parts)) };
  parts.push(stallGuard(reader.stdin, reader.stdout, STALL_MS));
  return { input: slack(reader.stdin), counter, done: verification(Promise.all(parts)) };
}

/**
 * A buffer of {@link SLACK_BYTES} in front of pg_restore's stdin, so the dump does not wait each
 * time pg_restore is busy for a moment: the verifier keeps pace on average, off the critical path.
 * Its errors are left to pg_restore's exit status (an EPIPE after pg_restore exited is an echo).
 */
function slack(stdin: Writable): Writable {
  const buffer = new PassThrough({ highWaterMark: SLACK_BYTES });
  pipeline(buffer, stdin).catch(() => undefined);
  return buffer;
}

/** The rows per table of a finished check; fails when the archive ended before its trailer. */
export function checkedTables(check: ArchiveCheck): TableRows[] {
  if (!check.counter.complete) {
    throw new ConsequenceError(
      'The archive did not verify: it ends before "PostgreSQL database dump complete" (truncated). The backup was not stored.',
    );
  }
  return check.counter.tables;
}

/** The schema fingerprint of a finished check (call after {@link checkedTables} passed). */
export function checkedSchema(check: ArchiveCheck): SchemaFingerprint {
  return check.counter.schema.fingerprint();
}

/** The extensions and roles the archive names (call after {@link checkedTables} passed). */
export function checkedNeeds(check: ArchiveCheck): ArchiveNeeds {
  return check.counter.needs.needs();
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
    if (error instanceof ConsequenceError) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new ConsequenceError(`The archive did not verify: ${why}. The backup was not stored.`, {
      cause: error,
    });
  });
}
