// The in-process read of a streamed custom archive (custom-archive.ts) against pg_restore's: real
// pg_dump 15 and 18 archives of the sample database (large objects, an owner only large objects
// name, awkward names), every compression pg_dump offers, the same rows, schema fingerprint and
// needs as `pg_restore -f -` reading the same file; lz4 and INSERT data go to pg_restore whole.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  checkedNeeds,
  checkedSchema,
  checkedTables,
  startArchiveCheck,
  type ArchiveCheck,
} from '../../src/pipeline/archive-check.js';
import { loadArchiveSample } from '../helpers/archive-sample.js';
import {
  clientBinDir,
  clientEnv,
  startCluster,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';

let pg15: PgCluster;
let pg18: PgCluster;
let dir: string;
const client = { binDir: clientBinDir(18) ?? '', version: '18', major: 18 };

beforeAll(async () => {
  [pg15, pg18] = await Promise.all([startCluster(15), startCluster(18)]);
  dir = await mkdtemp(join(tmpdir(), 'custom-archive-'));
  for (const pg of [pg15, pg18]) {
    await loadArchiveSample(pg);
  }
}, 300_000);

afterAll(async () => {
  await Promise.all([pg15?.stop(), pg18?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** pg_dump's stdout (a pipe, as in a backup) into the check and into a file. */
async function dumpThrough(pg: PgCluster, args: string[], file: string): Promise<ArchiveCheck> {
  const check = startArchiveCheck({
    client,
    format: 'custom',
    env: process.env,
    signal: new AbortController().signal,
  });
  const bin = clientBinDir(pg.major) ?? '';
  const dump = spawn(join(bin, 'pg_dump'), ['-Fc', ...args, pg.url('app')], {
    env: clientEnv(pg),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const copy = new PassThrough();
  await Promise.all([
    pipeline(dump.stdout, copy, check.input as NodeJS.WritableStream),
    pipeline(copy, createWriteStream(file)),
    check.done,
  ]);
  return check;
}

/** Today's read: pg_restore -f - over the file. */
async function pgRestoreRead(file: string): Promise<ArchiveCheck> {
  const signal = new AbortController().signal;
  const check = startArchiveCheck({ client, format: 'custom', archive: file, env: {}, signal });
  await check.done;
  return check;
}

function facts(check: ArchiveCheck) {
  return { tables: checkedTables(check), schema: checkedSchema(check), needs: checkedNeeds(check) };
}

const CASES: [string, () => PgCluster, string[], boolean][] = [
  ['pg_dump 15, gzip (archive 1.14)', () => pg15, [], true],
  ['pg_dump 15, none (archive 1.14)', () => pg15, ['-Z', '0'], true],
  ['pg_dump 18, gzip (archive 1.16)', () => pg18, ['-Z', 'gzip'], true],
  ['pg_dump 18, zstd (archive 1.16)', () => pg18, ['-Z', 'zstd:3'], true],
  ['pg_dump 18, none (archive 1.16)', () => pg18, ['-Z', 'none'], true],
  ['pg_dump 18, lz4: pg_restore reads it', () => pg18, ['-Z', 'lz4'], false],
  ['pg_dump 18, INSERT data: pg_restore reads it', () => pg18, ['--inserts'], false],
  ['pg_dump 18, schema only (no data blocks)', () => pg18, ['-s'], true],
];

describe('a streamed custom archive read in-process', () => {
  it.each(CASES)(
    '%s: rows, schema and needs as pg_restore finds them',
    async (_n, pg, args, inProcess) => {
      const file = join(dir, `${_n.replace(/\W+/g, '-')}.dump`);
      const streamed = await dumpThrough(pg(), args, file);
      const read = await pgRestoreRead(file);
      expect(Boolean(streamed.counter.inProcess)).toBe(inProcess);
      expect(facts(streamed)).toEqual(facts(read));
      const tables = facts(streamed).tables;
      // Rows of INSERT data are not counted, by pg_restore's read as before; -s dumps no data.
      const counted = !args.includes('--inserts') && !args.includes('-s');
      expect(tables.some((t) => t.name === 'orders')).toBe(counted);
      // The owner only a large object names (-s dumps no large objects).
      expect(facts(streamed).needs.roles.includes('lo_only_owner')).toBe(!args.includes('-s'));
    },
    120_000,
  );

  it('fails an archive cut inside a data block, and one cut between blocks', async () => {
    const file = join(dir, 'whole.dump');
    await dumpThrough(pg18, ['-Z', 'zstd'], file);
    const size = (await stat(file)).size;
    for (const end of [Math.floor(size / 2), size - 40]) {
      const check = startArchiveCheck({
        client,
        format: 'custom',
        env: {},
        signal: new AbortController().signal,
      });
      const fed = pipeline(createReadStream(file, { end }), check.input as NodeJS.WritableStream);
      await expect(Promise.all([fed.catch(() => undefined), check.done])).rejects.toThrow(
        /The archive did not verify: .*truncated/,
      );
    }
  }, 120_000);
});
