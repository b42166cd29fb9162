import { Transform, type TransformCallback } from 'node:stream';
import { ActionError } from '../errors.js';

const BLOCK = 512;

/**
 * A pass-through stage that follows the tar structure (header checksums, member sizes, the two
 * zero blocks at the end) so a truncated or corrupt tar archive fails here, before pg_restore
 * (which can spin for ever on a truncated tar read from a pipe) is trusted with it.
 */
export class TarCheck extends Transform {
  private header = Buffer.alloc(0);
  private skip = 0;
  private zeroBlocks = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.scan(chunk);
      done(null, chunk);
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    done(this.zeroBlocks >= 2 ? null : notVerified('it is truncated (no end-of-archive blocks)'));
  }

  private scan(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const need = BLOCK - this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(at, at + need)]);
      at += Math.min(need, chunk.length - at);
      if (this.header.length === BLOCK) this.onHeader(this.header);
    }
  }

  private onHeader(block: Buffer): void {
    this.header = Buffer.alloc(0);
    if (this.zeroBlocks >= 2) return; // padding after the end
    if (block.every((b) => b === 0)) {
      this.zeroBlocks += 1;
      return;
    }
    if (this.zeroBlocks > 0 || !checksumMatches(block))
      throw notVerified('it has a corrupt tar header');
    const size = parseInt(
      block.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim() || '0',
      8,
    );
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
  }
}

function checksumMatches(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  const stored = parseInt(
    block.subarray(148, 156).toString('ascii').replace(/\0.*$/, '').trim(),
    8,
  );
  return stored === sum;
}

function notVerified(why: string): ActionError {
  return new ActionError(`The archive did not verify: ${why}. The backup was not stored.`);
}
