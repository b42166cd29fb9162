import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ActionError } from '../errors.js';

/** One entry of an archive's table of contents, as pg_dump wrote it (pg_backup_archiver.c). */
export interface TocEntry {
  dumpId: number;
  /** The entry's kind: `TABLE`, `TABLE DATA`, `INDEX`, `ACL`, `EXTENSION`, ... */
  desc: string;
  /** Schema of the object, '' when it has none. */
  namespace: string;
  /** Its name as pg_restore -l shows it (`orders`, `orders orders_pkey`, `TABLE orders`). */
  tag: string;
  owner: string;
  /** The SQL that creates it. */
  defn: string;
  /** The dump ids it depends on. */
  deps: number[];
}

/** One key for a table by schema and name (either may hold dots or any other character). */
export function tableKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

/** The table of contents of a custom, tar or directory archive (a file or an unpacked folder). */
export async function readArchiveToc(path: string): Promise<TocEntry[]> {
  const info = await stat(path);
  const file = await open(info.isDirectory() ? join(path, 'toc.dat') : path, 'r');
  try {
    const head = Buffer.alloc(5);
    await file.read(head, 0, 5, 0);
    if (info.isDirectory() || head.toString('latin1') === 'PGDMP')
      return await leadingToc(file, path);
    return parseToc(await tarMember(file, 'toc.dat'), path);
  } finally {
    await file.close();
  }
}

// The TOC sits at the start of a custom archive, before the data: read a growing window of the
// file (1 MiB, then twice as much) until it parses, instead of a large fixed read for every restore.
const FIRST_WINDOW = 1024 * 1024;

async function leadingToc(file: FileHandle, where: string): Promise<TocEntry[]> {
  const size = (await file.stat()).size;
  for (let window = Math.min(FIRST_WINDOW, size); ; window = Math.min(window * 2, size)) {
    const bytes = Buffer.alloc(window);
    await file.read(bytes, 0, window, 0);
    const toc = window < size ? tryParseToc(bytes, where) : parseToc(bytes, where);
    if (toc) return toc;
  }
}

/** Reads the member whose base name is `name` from a ustar stream (pg_dump -Ft, or our packed folder). */
async function tarMember(file: FileHandle, name: string): Promise<Buffer> {
  const header = Buffer.alloc(512);
  for (let at = 0; ;) {
    const { bytesRead } = await file.read(header, 0, 512, at);
    if (bytesRead < 512 || header[0] === 0) break;
    const member = header.toString('latin1', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(header.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim(), 8);
    if (member.split('/').pop() === name) {
      const body = Buffer.alloc(size);
      await file.read(body, 0, size, at + 512);
      return body;
    }
    at += 512 + Math.ceil((size || 0) / 512) * 512;
  }
  throw new ActionError(`The archive has no ${name}: it is not a pg_dump archive.`);
}

/** A cursor over the archive's integers and strings (ReadInt / ReadStr of pg_backup_archiver.c). */
class TocReader {
  at = 0;
  intSize = 4;
  offSize = 8;
  private readonly b: Buffer;
  constructor(bytes: Buffer) {
    this.b = bytes;
  }

  byte(): number {
    if (this.at >= this.b.length) throw new RangeError('end of TOC');
    return this.b[this.at++] ?? 0;
  }

  int(): number {
    const negative = this.byte() !== 0;
    let value = 0;
    for (let i = 0, scale = 1; i < this.intSize; i++, scale *= 256) value += this.byte() * scale;
    return negative ? -value : value;
  }

  str(): string | undefined {
    const length = this.int();
    if (length < 0) return undefined;
    if (this.at + length > this.b.length) throw new RangeError('end of TOC');
    const text = this.b.toString('utf8', this.at, this.at + length);
    this.at += length;
    return text;
  }

  skip(n: number): void {
    this.at += n;
  }
}

const version = (maj: number, min: number) => maj * 256 + min;

/** Parses header and TOC; `where` names the archive in errors. */
export function parseToc(bytes: Buffer, where: string): TocEntry[] {
  const toc = tryParseToc(bytes, where);
  if (!toc) throw new ActionError(`The table of contents of ${where} is truncated or damaged.`);
  return toc;
}

/** The TOC, or undefined when the bytes end before it does. */
function tryParseToc(bytes: Buffer, where: string): TocEntry[] | undefined {
  return tryReadArchiveHead(bytes, where)?.entries.map((e) => e.entry);
}

/** How the data blocks of a custom archive are compressed (the header's compression field). */
export type ArchiveCompression = 'none' | 'gzip' | 'lz4' | 'zstd' | 'unknown';

/** A TOC entry with what reading its data needs. */
export interface ArchiveEntry {
  entry: TocEntry;
  /** The COPY statement of a TABLE DATA entry dumped as COPY; '' otherwise. */
  copyStmt: string;
  /** Whether data belongs to it (custom: its offset is not "no data"; directory: it names a file). */
  hasData: boolean;
  /** Directory and tar formats: the file of its data (`3001.dat`, `blobs_3002.toc`), '' if none. */
  file: string;
}

/** The header and TOC of an archive, and where they end. */
export interface ArchiveHead {
  /** The archive version as major × 256 + minor (1.16 = 272). */
  version: number;
  format: number;
  compression: ArchiveCompression;
  /** Bytes of an archive integer (its sign byte not counted). */
  intSize: number;
  /** Where the compression field starts, and how many bytes it takes. */
  compressionField: { at: number; length: number };
  entries: ArchiveEntry[];
  /** Offset of the first byte after the TOC (the first data block of a custom archive). */
  end: number;
}

/** The header and TOC, or undefined when the bytes end before they do; throws on a damaged one. */
export function tryReadArchiveHead(bytes: Buffer, where: string): ArchiveHead | undefined {
  if (bytes.subarray(0, 5).toString('latin1') !== 'PGDMP')
    throw new ActionError(`${where} is not a pg_dump archive (no PGDMP header).`);
  try {
    const r = new TocReader(bytes);
    const h = readHeader(r);
    const count = r.int();
    const entries: ArchiveEntry[] = [];
    for (let i = 0; i < count; i++) entries.push(readEntry(r, h));
    const { v: version, format, compression, compressionField } = h;
    const intSize = r.intSize;
    return { version, format, compression, compressionField, intSize, entries, end: r.at };
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

interface Header {
  v: number;
  format: number;
  compression: ArchiveCompression;
  compressionField: { at: number; length: number };
}

// pg_compress_algorithm (common/compression.h), the header's byte since archive version 1.15.
const ALGORITHMS: ArchiveCompression[] = ['none', 'gzip', 'lz4', 'zstd'];

/** Reads the header (ReadHead) and returns the archive version; sets int and offset sizes. */
function readHeader(r: TocReader): Header {
  r.skip(5);
  const maj = r.byte();
  const min = r.byte();
  r.byte(); // revision
  const v = version(maj, min);
  if (v < version(1, 12))
    throw new ActionError(`archive version ${maj}.${min} is too old to read (pg_dump 9.x).`);
  r.intSize = r.byte();
  r.offSize = r.byte();
  const format = r.byte();
  const at = r.at;
  // Before 1.15 a zlib level (0 none, -1 default, 1-9); since, the algorithm.
  const compression =
    v >= version(1, 15) ? (ALGORITHMS[r.byte()] ?? 'unknown') : r.int() === 0 ? 'none' : 'gzip';
  const compressionField = { at, length: r.at - at };
  for (let i = 0; i < 7; i++) r.int(); // creation time
  r.str(); // database name
  r.str(); // server version
  r.str(); // pg_dump version
  return { v, format, compression, compressionField };
}

// Archive formats (archiveFormat): 1 custom, 3 tar, 5 directory.
const CUSTOM = 1;

// A custom archive's data state of an entry (K_OFFSET_NO_DATA of pg_backup_archiver.h).
const NO_DATA = 3;

function readEntry(r: TocReader, h: Header): ArchiveEntry {
  const dumpId = r.int();
  r.int(); // had a data dumper
  r.str(); // table oid
  r.str(); // oid
  const tag = r.str() ?? '';
  const desc = r.str() ?? '';
  r.int(); // section
  const defn = r.str() ?? '';
  r.str(); // drop statement
  const copyStmt = r.str() ?? '';
  const namespace = r.str() ?? '';
  r.str(); // tablespace
  if (h.v >= version(1, 14)) r.str(); // table access method
  if (h.v >= version(1, 16)) r.int(); // relkind
  const owner = r.str() ?? '';
  r.str(); // with oids
  const deps: number[] = [];
  for (let dep = r.str(); dep !== undefined; dep = r.str()) deps.push(Number(dep));
  const entry = { dumpId, desc, namespace, tag, owner, defn, deps };
  if (h.format === CUSTOM) {
    const hasData = r.byte() !== NO_DATA;
    r.skip(r.offSize);
    return { entry, copyStmt, hasData, file: '' };
  }
  // The member that holds its data ('' for none): _WriteExtraToc of pg_backup_directory.c.
  const file = r.str() ?? '';
  return { entry, copyStmt, hasData: file !== '', file };
}
