import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { ProgressMeter } from './progress.js';

/** What a {@link Measure} saw once the stream ended. */
export interface Measured {
  /** Hex SHA-256 of every byte that passed. */
  sha256: string;
  /** Number of bytes that passed. */
  size: number;
}

/** Buffered per side: four 64 KiB pipe reads, so pg_dump is not paused at every chunk. */
const HIGH_WATER_MARK = 256 << 10;

/** A pass-through stage that hashes and counts the bytes as stored (and tells a progress meter). */
export class Measure extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(private readonly meter?: ProgressMeter) {
    super({ highWaterMark: HIGH_WATER_MARK });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.meter?.add(chunk.length);
    done(null, chunk);
  }

  /** The digest and size; call only after the stream finished. */
  result(): Measured {
    return { sha256: this.hash.copy().digest('hex'), size: this.bytes };
  }
}
