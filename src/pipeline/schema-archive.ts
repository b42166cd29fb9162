// The archive pg_restore reads beside the in-process row count, so its SQL output is that of the
// whole archive without the COPY rows and large object bytes. Custom format: the real header and
// TOC (compression set to none) and one data block per entry with the rows left out. Directory
// format: a directory with the real toc.dat and each data file emptied of its rows.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveEntry, ArchiveHead } from '../postgres/archive-toc.js';
import { TOC, type DirectoryArchiveReader } from './directory-archive.js';

// Block kinds of pg_backup_archiver.h.
const BLK_DATA = 1;
const BLK_BLOBS = 3;

/** The archive's header and TOC with the compression field set to none. */
export function schemaPrefix(head: ArchiveHead, bytes: Buffer): Buffer {
  const prefix = Buffer.from(bytes.subarray(0, head.end));
  const { at, length } = head.compressionField;
  prefix.fill(0, at, at + length);
  return prefix;
}

/**
 * An uncompressed data block for `entry`: a table's `trailer` (what followed its rows: the `\.`
 * line pg_dump stores with the data) as its one chunk; large objects none (an empty list).
 */
export function schemaBlock(entry: ArchiveEntry, trailer: Buffer, intSize: number): Buffer {
  const isBlobs = entry.entry.desc === 'BLOBS';
  const parts = [
    Buffer.from([isBlobs ? BLK_BLOBS : BLK_DATA]),
    archiveInt(entry.entry.dumpId, intSize),
  ];
  if (trailer.length > 0) parts.push(archiveInt(trailer.length, intSize), trailer);
  parts.push(archiveInt(0, intSize));
  return Buffer.concat(parts);
}

/** An integer as WriteInt writes it: a sign byte, then `intSize` bytes, least significant first. */
function archiveInt(value: number, intSize: number): Buffer {
  const bytes = Buffer.alloc(1 + intSize);
  bytes[0] = value < 0 ? 1 : 0;
  for (let i = 1, rest = Math.abs(value); i <= intSize; i++, rest = Math.floor(rest / 256))
    bytes[i] = rest % 256;
  return bytes;
}

/** What pg_dump writes after a table's COPY rows (dumpTableData_copy of pg_dump.c). */
export const COPY_TRAILER = Buffer.from('\\.\n\n\n');

/**
 * Writes the directory archive pg_restore reads beside the in-process row count: the real toc.dat,
 * each table's data file holding only what followed its rows (`trailerOf` its dump id;
 * uncompressed: pg_restore goes by the file's name), each list of large objects empty. Its
 * `pg_restore -f -` output is that of the whole archive without the COPY rows and large object bytes.
 */
export async function writeStandIn(
  dir: string,
  reader: DirectoryArchiveReader,
  trailerOf: (dumpId: number) => Buffer,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, TOC), reader.toc);
  for (const e of reader.head?.entries ?? []) {
    if (!e.hasData) continue;
    const content = e.entry.desc === 'BLOBS' ? Buffer.alloc(0) : trailerOf(e.entry.dumpId);
    await writeFile(join(dir, reader.listFile(e)), content);
  }
}
