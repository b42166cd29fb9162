// Shared helpers for the unit tests: action.yml defaults, a fake input reader, stream helpers.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseActionDefaults } from '../../src/action-defaults.js';
import type { Read } from '../../src/inputs.js';

/** The repository root. */
export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The text of the real action.yml. */
export const ACTION_YML = readFileSync(join(REPO, 'action.yml'), 'utf8');

/** The defaults of the real action.yml. */
export const DEFAULTS = parseActionDefaults(ACTION_YML);

/** A reader over the action.yml defaults with `given` merged over them (values trimmed, as core does). */
export function readerOf(given: Record<string, string>): Read {
  const values = { ...DEFAULTS, ...given };
  return (name: string) => (values[name] ?? '').trim();
}

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
