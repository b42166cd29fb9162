import { once } from 'node:events';
import { Writable } from 'node:stream';
import {
  tryReadArchiveHead,
  type ArchiveEntry,
  type ArchiveHead,
} from '../postgres/archive-toc.js';
import { CopyRows } from './copy-rows.js';
import { DataStream } from './data-stream.js';
import { parseCopyTarget, type TableRows } from './row-count.js';

// Block kinds of pg_backup_archiver.h, and the custom format's number (archiveFormat).
const BLK_DATA = 1;
const BLK_BLOBS = 3;
const CUSTOM = 1;
const FIRST_TRY = 64 << 10;

/** What the reader tells its owner. */
export interface CustomArchiveHooks {
  /**
   * The header and TOC were read: return a writable to hand the whole archive to instead (an
   * archive {@link readsInProcess} does not cover), or undefined to read it here.
   */
  onHead: (head: ArchiveHead, bytes: Buffer) => Writable | undefined;
  /** One data block has been read in full: `trailer` is what follows its rows. */
  onBlock: (entry: ArchiveEntry, trailer: Buffer) => void;
  /** Told the size of every piece of decompressed data (the progress meter). */
  onBytes?: (n: number) => void;
}

/** Whether the in-process reader reads this archive: custom format, COPY data, gzip/zstd/none. */
export function readsInProcess(head: ArchiveHead): boolean {
  return head.format === CUSTOM && readsDataInProcess(head);
}

/**
 * Whether an archive's data can be read in-process (custom or directory format): compressed with
 * gzip, zstd or not at all, every table's data COPY rows (not INSERTs), large objects as they are.
 */
export function readsDataInProcess(head: ArchiveHead): boolean {
  if (!['none', 'gzip', 'zstd'].includes(head.compression)) return false;
  return head.entries.every(
    (e) =>
      !e.hasData ||
      e.entry.desc === 'BLOBS' ||
      (e.entry.desc === 'TABLE DATA' && e.copyStmt.startsWith('COPY ')),
  );
}

type State = 'type' | 'id' | 'length' | 'payload' | 'oid' | 'rest';

/**
 * Reads a custom-format archive as pg_dump streams it (header, TOC, then one data block per entry
 * with data, pg_backup_custom.c) and counts the COPY rows of every table by decompressing its
 * block in-process: no second program, no SQL text through a pipe. Every block is read in full
 * and decompressed (zlib checks its checksum); an archive that ends early, a block of an unknown
 * kind or entry, or a block out of place fails the stream.
 */
export class CustomArchiveReader extends Writable {
  /** Rows per table, in archive order. */
  readonly tables: TableRows[] = [];
  /** Whether the archive ended after the last data block its TOC announced. */
  complete = false;
  private head?: ArchiveHead;
  private headParts: Buffer[] = [];
  private headLength = 0;
  private nextTry = FIRST_TRY;
  private forward?: Writable;
  private readonly pending = new Map<number, ArchiveEntry>();
  private state: State = 'type';
  private readonly field = Buffer.alloc(16);
  private fieldHave = 0;
  private blockType = 0;
  private entry?: ArchiveEntry;
  private rows?: CopyRows;
  private stream?: DataStream;
  private remaining = 0;

  /** Bytes of an archive integer (known once the header was read). */
  get intSize(): number {
    return this.head?.intSize ?? 4;
  }

  constructor(private readonly hooks: CustomArchiveHooks) {
    super({ highWaterMark: 2 << 20 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.take(chunk).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.finish().then(() => done(), done);
  }

  private async take(chunk: Buffer): Promise<void> {
    if (this.forward) return this.forwardChunk(chunk);
    if (this.head) return this.blocks(chunk, 0);
    this.headParts.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength >= this.nextTry) await this.tryHead(false);
  }

  private async tryHead(last: boolean): Promise<void> {
    const bytes = Buffer.concat(this.headParts, this.headLength);
    const head = tryReadArchiveHead(bytes, 'the archive');
    if (!head) {
      if (last) throw new Error('the archive ends inside its table of contents (truncated)');
      this.nextTry = this.headLength * 2;
      return;
    }
    this.headParts = [];
    this.forward = this.hooks.onHead(head, bytes.subarray(0, head.end));
    if (this.forward) return this.forwardChunk(bytes);
    this.head = head;
    for (const e of head.entries) if (e.hasData) this.pending.set(e.entry.dumpId, e);
    if (this.pending.size === 0) this.state = 'rest';
    await this.blocks(bytes, head.end);
  }

  private async forwardChunk(chunk: Buffer): Promise<void> {
    const target = this.forward as Writable;
    if (!target.write(chunk)) await once(target, 'drain');
  }

  private async finish(): Promise<void> {
    if (!this.head && !this.forward) await this.tryHead(true);
    if (this.forward) {
      this.forward.end();
      return;
    }
    if (this.state !== 'rest' && (this.state !== 'type' || this.fieldHave > 0))
      throw new Error('the archive ends inside a data block (truncated)');
    const missing = [...this.pending.values()][0];
    if (missing)
      throw new Error(`the archive ends before the data of ${describe(missing)} (truncated)`);
    this.complete = true;
  }

  /** Parses data blocks from `chunk` at `at` on. */
  private async blocks(chunk: Buffer, at: number): Promise<void> {
    let pos = at;
    while (pos < chunk.length && this.state !== 'rest') {
      if (this.state === 'payload') {
        const piece = chunk.subarray(pos, pos + this.remaining);
        pos += piece.length;
        this.remaining -= piece.length;
        if (this.remaining === 0) this.state = 'length';
        await this.stream?.write(piece);
        continue;
      }
      const size = this.state === 'type' ? 1 : 1 + (this.head as ArchiveHead).intSize;
      const n = Math.min(size - this.fieldHave, chunk.length - pos);
      chunk.copy(this.field, this.fieldHave, pos, pos + n);
      this.fieldHave += n;
      pos += n;
      if (this.fieldHave < size) break;
      this.fieldHave = 0;
      await this.onField(this.state === 'type' ? (this.field[0] ?? 0) : this.int(size));
    }
  }

  private int(size: number): number {
    let value = 0;
    for (let i = size - 1; i >= 1; i--) value = value * 256 + (this.field[i] ?? 0);
    return this.field[0] ? -value : value;
  }

  private async onField(value: number): Promise<void> {
    if (this.state === 'type') return this.onBlockType(value);
    if (this.state === 'id') return this.onBlockId(value);
    if (this.state === 'oid') return this.onOid(value);
    if (value < 0) throw new Error(`a data block has a chunk of negative length ${value}`);
    if (value > 0) {
      this.remaining = value;
      this.state = 'payload';
      return;
    }
    await this.stream?.end();
    this.stream = undefined;
    if (this.blockType === BLK_BLOBS) this.state = 'oid';
    else this.endBlock();
  }

  private onBlockType(type: number): void {
    if (type !== BLK_DATA && type !== BLK_BLOBS)
      throw new Error(`the archive holds a data block of unknown kind ${type}`);
    this.blockType = type;
    this.state = 'id';
  }

  private onBlockId(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) throw new Error(`the archive holds a data block for an unknown entry (${id})`);
    this.pending.delete(id);
    this.entry = entry;
    const isBlobs = entry.entry.desc === 'BLOBS';
    if (isBlobs !== (this.blockType === BLK_BLOBS))
      throw new Error(`the data block of ${describe(entry)} is of the wrong kind`);
    if (isBlobs) {
      this.state = 'oid';
      return;
    }
    const rows = new CopyRows();
    this.rows = rows;
    this.stream = new DataStream(this.compression(), (data) => {
      this.hooks.onBytes?.(data.length);
      rows.feed(data);
    });
    this.state = 'length';
  }

  private onOid(oid: number): void {
    if (oid === 0) {
      this.endBlock();
      return;
    }
    // Each large object is compressed on its own; it is read in full, its bytes not kept.
    this.stream = new DataStream(this.compression(), (data) => this.hooks.onBytes?.(data.length));
    this.state = 'length';
  }

  private endBlock(): void {
    const entry = this.entry as ArchiveEntry;
    const rows = this.rows;
    if (rows) {
      rows.end();
      const statement = entry.copyStmt.replace(/\n$/, '');
      const [schema, name] = parseCopyTarget(statement.slice(5), entry.entry.namespace);
      this.tables.push({ schema, name, rows: rows.rows });
    }
    this.hooks.onBlock(entry, rows?.trailer() ?? Buffer.alloc(0));
    this.entry = undefined;
    this.rows = undefined;
    // What follows the last block is not read, as by pg_restore (a file pg_dump could seek in
    // has its TOC written again there).
    this.state = this.pending.size === 0 ? 'rest' : 'type';
  }

  private compression(): string {
    return (this.head as ArchiveHead).compression;
  }
}

function describe(e: ArchiveEntry): string {
  const where = e.entry.namespace ? `${e.entry.namespace}.` : '';
  return `${e.entry.desc} ${where}${e.entry.tag}`;
}
