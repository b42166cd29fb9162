import {
  tryReadArchiveHead,
  type ArchiveEntry,
  type ArchiveHead,
} from '../postgres/archive-toc.js';
import { CopyRows } from './copy-rows.js';
import { readsDataInProcess } from './custom-archive.js';
import { DataStream } from './data-stream.js';
import { parseCopyTarget, type TableRows } from './row-count.js';
import type { DumpWatch } from './dump-watch.js';
import { FileFollower, wholeFile, type FileReader } from './file-follow.js';
import type { PackReader } from './tar-pack.js';

/** The name of the file that holds the header and TOC. */
export const TOC = 'toc.dat';
// Archive 1.16 (pg_dump 17) names each BLOBS entry's list blobs_<dumpId>.toc; before, blobs.toc.
const V1_16 = 1 * 256 + 16;
const BLOB_FILE = /^blob_\d+\.dat(\.gz|\.zst|\.lz4)?$/;
const LIST_LINE = /^(\d+) (\S+)$/;

/**
 * Reads a directory-format archive as pg_dump writes it, each file from its first bytes to its end
 * ({@link FileFollower}), toc.dat first, and counts the COPY rows of every table by decompressing
 * its data file in-process, as pg_restore reads them (pg_backup_directory.c: the compression by the
 * file's suffix). Every data file and large object is read in full and decompressed (gzip checks its
 * CRC, zstd its frame); a data file cut short, damaged or missing, a large object its list names but
 * the archive lacks, or a file packed other than it was read fails {@link done} or {@link packedAsRead}.
 * An archive it does not cover (lz4, INSERT data) it leaves alone: {@link inProcess} is false.
 */
export class DirectoryArchiveReader implements PackReader {
  /** Settles when toc.dat was read and, when {@link inProcess}, when every file was. */
  readonly done: Promise<void>;
  /** Settles when toc.dat was read ({@link head} and {@link inProcess} are known). */
  readonly tocRead: Promise<void>;
  /** The header and TOC, once toc.dat was read. */
  head?: ArchiveHead;
  /** toc.dat's bytes. */
  toc: Buffer = Buffer.alloc(0);
  /** Whether the data files are read here (else the archive is for pg_restore to read whole). */
  inProcess = false;
  /** Whether every data file the TOC names was read in full. */
  complete = false;
  /** Rows per table, in TOC order (once complete). */
  readonly tables: TableRows[] = [];
  /** What followed each table's rows (its `\.` line and blank lines), by dump id. */
  readonly trailers = new Map<number, Buffer>();
  private readonly rows = new Map<number, number>();
  private readonly byFile = new Map<string, ArchiveEntry>();
  private readonly listed = new Set<string>();
  private readonly blobs = new Set<string>();
  private readonly lists = new Set<string>();
  private readonly readSizes = new Map<string, number>();
  private readonly packedSizes = new Map<string, number>();
  private readonly reading: Promise<void>[] = [];
  private readonly headRead = deferred();
  private readonly allPacked = deferred();
  private readonly settled = deferred();
  private failed = false;

  /** `onBytes` is told the size of every piece of decompressed data (the progress meter). */
  constructor(private readonly onBytes?: (n: number) => void) {
    this.done = this.settled.promise;
    this.tocRead = this.headRead.promise;
  }

  /** Reads every file of `watch`'s directory as pg_dump writes it; settles {@link done}. */
  follow(watch: DumpWatch): void {
    const follower = new FileFollower(watch);
    watch.on((name) => {
      if (!this.readSizes.has(name)) this.reading.push(this.readFile(follower, name));
    });
    watch.ended.then(
      () => this.afterDump(),
      () => this.fail(new Error('pg_dump did not finish the archive')),
    );
  }

  /** The file a BLOBS entry's list is in (the name in the TOC, or blobs.toc before 1.16). */
  listFile(e: ArchiveEntry): string {
    return e.entry.desc === 'BLOBS' && (this.head?.version ?? 0) < V1_16 ? 'blobs.toc' : e.file;
  }

  /** Stops reading with `error` (the first one counts). */
  fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.settled.reject(error);
    this.headRead.reject(error);
  }

  /** The tar packer packed `name` whole, `size` bytes. */
  packed(name: string, size: number): void {
    this.packedSizes.set(name, size);
  }

  /** The tar packer packed every file. */
  end(): void {
    this.allPacked.resolve();
  }

  /** Whether every table's data ended with `trailer` after its rows. */
  trailersAre(trailer: Buffer): boolean {
    return [...this.trailers.values()].every((t) => t.equals(trailer));
  }

  /** Resolves once every file was packed with the size it was read with. */
  async packedAsRead(): Promise<void> {
    await this.allPacked.promise;
    for (const [name, size] of this.readSizes) {
      const packed = this.packedSizes.get(name);
      if (packed !== size)
        throw new Error(`${name} was read as ${size} bytes, packed as ${packed}`);
    }
  }

  private async readFile(follower: FileFollower, name: string): Promise<void> {
    this.readSizes.set(name, -1);
    try {
      if (name !== TOC) await this.headRead.promise;
      const reader = this.failed ? undefined : this.readerOf(name);
      if (!reader) return void this.readSizes.delete(name);
      this.readSizes.set(name, await follower.read(name, this.guard(reader, name)));
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** pg_dump finished: every file is being read; checks the archive once they all were. */
  private async afterDump(): Promise<void> {
    try {
      for (let n = 0; n < this.reading.length; n = this.reading.length)
        await Promise.all(this.reading.slice(n));
      if (this.failed || (this.head && !this.inProcess)) return;
      if (!this.head) throw new Error('the archive has no toc.dat');
      this.checkWhole();
      this.complete = true;
      this.settled.resolve();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private readerOf(name: string): FileReader | undefined {
    if (name === TOC) return wholeFile((bytes) => this.onToc(bytes));
    if (!this.inProcess) return undefined;
    if (BLOB_FILE.test(name)) return this.blob(name);
    const entry = this.byFile.get(withoutCompression(name));
    if (entry?.entry.desc === 'TABLE DATA') return this.tableData(entry, name);
    if (entry) return wholeFile((bytes) => this.onList(name, bytes));
    return undefined; // not a file of the archive's: pg_restore does not read it either
  }

  private onToc(bytes: Buffer): void {
    const head = tryReadArchiveHead(bytes, TOC);
    if (!head) throw new Error('it ends inside the table of contents (truncated)');
    this.head = head;
    this.toc = bytes;
    this.inProcess = readsDataInProcess(head);
    for (const e of head.entries) if (e.hasData) this.byFile.set(this.listFile(e), e);
    this.headRead.resolve();
    if (!this.inProcess) this.settled.resolve();
  }

  private tableData(entry: ArchiveEntry, name: string): FileReader {
    const rows = new CopyRows();
    const stream = new DataStream(readableCompression(name), (data) => {
      this.onBytes?.(data.length);
      rows.feed(data);
    });
    return {
      write: (chunk) => stream.write(chunk),
      end: async () => {
        await stream.end();
        rows.end();
        if (!rows.ended) throw new Error('it ends before its \\. line (truncated)');
        this.rows.set(entry.entry.dumpId, rows.rows);
        this.trailers.set(entry.entry.dumpId, rows.trailer());
      },
    };
  }

  /** One large object: read in full and decompressed, its bytes not kept. */
  private blob(name: string): FileReader {
    const stream = new DataStream(readableCompression(name), (data) => this.onBytes?.(data.length));
    return {
      write: (chunk) => stream.write(chunk),
      end: async () => {
        await stream.end();
        this.blobs.add(withoutCompression(name));
      },
    };
  }

  /** A BLOBS entry's list: one `OID blob_OID.dat` line per large object. */
  private onList(name: string, bytes: Buffer): void {
    for (const line of bytes.toString('utf8').split('\n')) {
      if (line === '') continue;
      const file = LIST_LINE.exec(line)?.[2];
      if (!file) throw new Error(`it holds an invalid line "${line}"`);
      this.listed.add(file);
    }
    this.lists.add(name);
  }

  /** Every data file the TOC names and every large object a list names was read. */
  private checkWhole(): void {
    const entries = (this.head as ArchiveHead).entries.filter((e) => e.hasData);
    for (const e of entries) {
      const file = this.listFile(e);
      const read = e.entry.desc === 'BLOBS' ? this.lists.has(file) : this.rows.has(e.entry.dumpId);
      if (!read) throw new Error(`the archive has no ${file} (${describe(e)}): it is incomplete`);
    }
    for (const file of this.listed)
      if (!this.blobs.has(file)) throw new Error(`the archive has no ${file}: it is incomplete`);
    for (const e of entries) {
      if (e.entry.desc !== 'TABLE DATA') continue;
      const statement = e.copyStmt.replace(/\n$/, '');
      const [schema, name] = parseCopyTarget(statement.slice(5), e.entry.namespace);
      this.tables.push({ schema, name, rows: this.rows.get(e.entry.dumpId) ?? 0 });
    }
  }

  /** A file's name in errors: `3001.dat.zst (TABLE DATA public.orders)`. */
  private label(name: string): string {
    const entry = this.byFile.get(withoutCompression(name));
    return entry ? `${name} (${describe(entry)})` : name;
  }

  /** `reader` whose first failure stops the read, named after its file. */
  private guard(reader: FileReader, name: string): FileReader {
    const label = this.label(name);
    const guarded = async (step: () => Promise<void>) => {
      if (this.failed) throw new Error('the read stopped');
      await step().catch((error: unknown) => {
        // Not instanceof Error: zlib's errors may come from another realm (as under jest).
        const why = (error as { message?: string } | undefined)?.message ?? String(error);
        this.fail(new Error(`${label}: ${why}`, { cause: error }));
        throw error;
      });
    };
    return {
      write: (chunk) => guarded(() => reader.write(chunk)),
      end: () => guarded(() => reader.end()),
    };
  }
}

/**
 * How a data file is compressed, by its suffix as pg_restore tells it (InitDiscoverCompressFileHandle);
 * an lz4 file in an archive whose header names another compression is not read here.
 */
function readableCompression(name: string): string {
  if (name.endsWith('.gz')) return 'gz';
  if (name.endsWith('.zst')) return 'zstd';
  if (name.endsWith('.lz4'))
    throw new Error(`${name} is lz4-compressed, unlike the archive's header`);
  return 'none';
}

/** A data file's name as the TOC gives it: without the suffix of its compression. */
function withoutCompression(name: string): string {
  return name.replace(/\.(gz|zst|lz4)$/, '');
}

function describe(e: ArchiveEntry): string {
  const where = e.entry.namespace ? `${e.entry.namespace}.` : '';
  return `${e.entry.desc} ${where}${e.entry.tag}`;
}

/** A promise with its resolve and reject at hand (its rejection handled, to be awaited later). */
function deferred(): {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
} {
  let resolve = () => undefined as void;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
