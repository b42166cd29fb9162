import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const BLOCK = 512;

/** Told of every file packed (the verifier checks it read the same bytes). */
export interface PackReader {
  /** `name` was packed whole, `size` bytes. */
  packed(name: string, size: number): void;
  /** Every file has been packed (what the reader finds then, it reports through its own promise). */
  end(): void;
}

/**
 * Packs the files of a flat directory (a directory-format dump) as a ustar stream under `root/`,
 * in the order `names` gives them (each complete by then), so that `tar xf` gives back
 * `root/toc.dat`, `root/NNNN.dat.zst`, ...; tells `reader` of each file packed.
 */
export function packFiles(
  dir: string,
  root: string,
  names: AsyncIterable<string> | Iterable<string>,
  reader?: PackReader,
): Readable {
  return Readable.from(tarEntries(dir, root, names, reader), { objectMode: false });
}

async function* tarEntries(
  dir: string,
  root: string,
  names: AsyncIterable<string> | Iterable<string>,
  reader: PackReader | undefined,
): AsyncGenerator<Buffer> {
  const mtime = Math.floor(Date.now() / 1000);
  yield tarHeader(`${root}/`, 0, mtime, '5');
  for await (const name of names) {
    const path = join(dir, name);
    const { size } = await stat(path);
    yield tarHeader(`${root}/${name}`, size, mtime, '0');
    let packed = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      packed += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (packed !== size) throw new Error(`${name} changed while it was packed`);
    reader?.packed(name, size);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2);
  reader?.end();
}

/** One ustar header block; sizes of 8 GiB and more use the GNU base-256 form. */
export function tarHeader(name: string, size: number, mtime: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, base] = splitName(name);
  h.write(base, 0, 100, 'utf8');
  writeOctal(h, type === '5' ? 0o755 : 0o644, 100, 8);
  writeOctal(h, 0, 108, 8);
  writeOctal(h, 0, 116, 8);
  writeSize(h, size);
  writeOctal(h, mtime, 136, 12);
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return h;
}

function splitName(name: string): [string, string] {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  const cut = body.lastIndexOf('/');
  const [prefix, base] = [body.slice(0, cut), name.slice(cut + 1)];
  if (cut < 1 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(base) > 100) {
    throw new Error(`'${name}' is too long for a tar entry`);
  }
  return [prefix, base];
}

function writeOctal(h: Buffer, value: number, at: number, width: number): void {
  h.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, at, width, 'ascii');
}

function writeSize(h: Buffer, size: number): void {
  if (size < 8 ** 11) {
    writeOctal(h, size, 124, 12);
    return;
  }
  let rest = BigInt(size);
  for (let i = 135; i > 124; i -= 1) {
    h[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  h[124] = 0x80;
}
