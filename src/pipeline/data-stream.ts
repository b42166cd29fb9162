import { finished } from 'node:stream/promises';
import {
  createGunzip,
  createInflate,
  createZstdDecompress,
  type Gunzip,
  type Inflate,
  type ZstdDecompress,
} from 'node:zlib';

// Decompressed in batches of this size, so a gzip archive's 4 KiB chunks are not one job each.
const BATCH = 256 << 10;
// Decompressed output in pieces of this size: fewer callbacks than zlib's 16 KiB, and (measured at
// 1 GiB) the same peak RSS as before the in-process read, where 1 MiB pieces added 24 MB.
const OUT_CHUNK = 256 << 10;

type Decompressor = Inflate | Gunzip | ZstdDecompress;

/**
 * One stream of compressed data (a table's block, or one large object) being decompressed:
 * `compression` is `none`, `zstd`, `gzip` (a zlib stream, as a custom archive's blocks) or `gz`
 * (a gzip file with its header and CRC, as a directory archive's `.gz` files).
 */
export class DataStream {
  private readonly z?: Decompressor;
  /** Where uncompressed data goes straight (no decompressor). */
  private readonly onData?: (data: Buffer) => void;
  private readonly ended?: Promise<void>;
  private batch: Buffer[] = [];
  private batchLength = 0;
  /** Compressed bytes handed to the decompressor. */
  private written = 0;

  constructor(compression: string, onData: (data: Buffer) => void) {
    if (compression === 'none') {
      this.onData = onData;
      return;
    }
    const options = { chunkSize: OUT_CHUNK };
    const z =
      compression === 'zstd'
        ? createZstdDecompress(options)
        : compression === 'gz'
          ? createGunzip(options)
          : createInflate(options);
    z.on('data', onData);
    this.z = z;
    this.ended = finished(z);
    this.ended.catch(() => undefined);
  }

  /** Takes a piece of compressed data; resolves when it may take more. */
  async write(piece: Buffer): Promise<void> {
    this.batch.push(piece);
    this.batchLength += piece.length;
    if (this.batchLength >= BATCH) await this.flush();
  }

  /**
   * Ends the data and waits until all of it is decompressed: rejects on damaged data, on data cut
   * short and on bytes after the end of the compressed stream (which zstd would leave unread).
   */
  async end(): Promise<void> {
    await this.flush();
    if (!this.z) return;
    if (this.written === 0) {
      // No bytes at all: what pg_dump writes for an empty large object with zstd (no frame), and
      // what pg_restore reads as empty. Any byte short of a whole stream still fails below.
      this.z.destroy();
      return;
    }
    this.z.end();
    await this.ended;
    if (this.z.bytesWritten < this.written)
      throw new Error(`${this.written - this.z.bytesWritten} bytes follow the compressed data`);
  }

  private async flush(): Promise<void> {
    if (this.batchLength === 0) return;
    const data = this.batch.length === 1 ? this.batch[0] : Buffer.concat(this.batch);
    this.batch = [];
    this.batchLength = 0;
    if (!this.z) {
      this.onData?.(data);
      return;
    }
    // A decompressor that failed takes no more: its error is the answer.
    if (this.z.destroyed) return this.ended;
    this.written += data.length;
    if (!this.z.write(data)) await drained(this.z);
  }
}

/** Resolves when `z` drains or closes (its error then surfaces through `finished`). */
function drained(z: Decompressor): Promise<void> {
  return new Promise((resolve) => {
    if (z.destroyed) {
      resolve();
      return;
    }
    const settle = () => {
      z.off('drain', settle).off('close', settle);
      resolve();
    };
    z.on('drain', settle).on('close', settle);
  });
}
