import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** What a {@link Measure} saw once the stream ended. */
export interface Measured {
  /** Hex SHA-256 of every byte that passed. */
  sha256: string;
  /** Number of bytes that passed. */
  size: number;
}

/** A pass-through stage that hashes and counts the bytes as stored. */
export class Measure extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  /** The digest and size; call only after the stream finished. */
  result(): Measured {
    return { sha256: this.hash.copy().digest('hex'), size: this.bytes };
  }
}
