// Shared helpers for the unit tests: action.yml defaults, a fake input reader, stream helpers.
import { Readable } from 'node:stream';

export { ACTION_YML, DEFAULTS, rawReaderOf, readerOf, REPO } from '../../scripts/lib/repo.js';

/** A mask that records every secret it is given. */
export function maskRecorder(): { mask: (secret: string) => void; masked: string[] } {
  const masked: string[] = [];
  return { mask: (secret: string) => void masked.push(secret), masked };
}

/** Runs `fn`, expecting it to throw; returns the error. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a throw, but the call returned');
}

/** Splits a buffer into chunks of `size` bytes. */
export function chunksOf(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** A readable that emits the given chunks one by one (bytes, not objects). */
export function readableOf(chunks: Buffer[]): Readable {
  return Readable.from(chunks, { objectMode: false });
}

/** Reads a whole readable into one buffer. */
export async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts);
}

/** Deterministic pseudo-random bytes. */
export function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
