import { describe, expect, it } from '@jest/globals';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { DataStream } from '../../../src/pipeline/data-stream.js';

/** The data a DataStream gives for `input` written in pieces of `size`. */
async function through(compression: string, input: Buffer, size = 7): Promise<Buffer> {
  const out: Buffer[] = [];
  const stream = new DataStream(compression, (data) => out.push(Buffer.from(data)));
  for (let at = 0; at < input.length; at += size) await stream.write(input.subarray(at, at + size));
  await stream.end();
  return Buffer.concat(out);
}

const text = Buffer.from('1\tone\n2\ttwo\n'.repeat(1000));

describe('DataStream', () => {
  it.each([
    ['zstd', zstdCompressSync(text)],
    ['gz', gzipSync(text)],
    ['none', text],
  ])('gives back the data of a whole %s stream', async (compression, input) => {
    expect((await through(compression, input)).equals(text)).toBe(true);
  });

  it.each(['zstd', 'gz', 'gzip'])(
    'takes no bytes at all as no data (%s): pg_dump writes an empty large object so, with zstd',
    async (compression) => {
      expect((await through(compression, Buffer.alloc(0))).length).toBe(0);
    },
  );

  it.each([
    ['zstd', zstdCompressSync(text)],
    ['gz', gzipSync(text)],
  ])('fails on a %s stream cut short, down to its first byte', async (compression, input) => {
    await expect(through(compression, input.subarray(0, input.length - 1))).rejects.toThrow();
    await expect(through(compression, input.subarray(0, 1))).rejects.toThrow();
  });
});
