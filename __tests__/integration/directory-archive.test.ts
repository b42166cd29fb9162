// The directory format streamed (dump-watch.ts, tar-pack.ts, directory-archive.ts) against the
// read it replaces: real pg_dump 15 and 18 directories of the sample database (newlines and
// backslashes in data, an empty table, partitions, inheritance, large objects (empty ones too), awkward names), every
// compression pg_dump offers, jobs 1 and 2; the same rows, schema fingerprint and needs as
// `pg_restore -f -` reading the whole directory; the tar unpacks to the same files; lz4 and INSERT
// data go to pg_restore whole; a data file cut short, damaged or missing fails as before.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import {
  appendFile,
  mkdtemp,
  readdir,
  readFile,
  rm,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  checkedNeeds,
  checkedSchema,
  checkedTables,
  startArchiveCheck,
  startDirectoryCheck,
  type ArchiveCheck,
} from '../../src/pipeline/archive-check.js';
import { DumpWatch, type DumpProcess } from '../../src/pipeline/dump-watch.js';
import { packFiles } from '../../src/pipeline/tar-pack.js';
import { loadArchiveSample } from '../helpers/archive-sample.js';
import {
  clientBinDir,
  clientEnv,
  runCommand,
  startCluster,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';

let pg15: PgCluster;
let pg18: PgCluster;
let dir: string;
const client = { binDir: clientBinDir(18) ?? '', version: '18', major: 18 };

beforeAll(async () => {
  [pg15, pg18] = await Promise.all([startCluster(15), startCluster(18)]);
  dir = await mkdtemp(join(tmpdir(), 'directory-archive-'));
  for (const pg of [pg15, pg18]) {
    await loadArchiveSample(pg);
    // Enough rows that a data file spans several of the packer's 1 MiB reads.
    await pg.psql(
      "CREATE TABLE app.bulk AS SELECT g AS id, md5(g::text) || E'\\\\\\n' || g AS t FROM generate_series(1, 200000) g",
      'app',
    );
  }
}, 300_000);

afterAll(async () => {
  await Promise.all([pg15?.stop(), pg18?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** pg_dump -Fd into `out`, each file read as pg_dump writes it and packed into `tar` once closed. */
async function dumpStreamed(pg: PgCluster, args: string[], out: string, tar: string) {
  const bin = clientBinDir(pg.major) ?? '';
  const child = spawn(join(bin, 'pg_dump'), ['-Fd', '-f', out, ...args, pg.url('app')], {
    env: clientEnv(pg),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`)))),
  );
  const dump: DumpProcess = { pid: child.pid, exited };
  const order: string[] = [];
  const watch = new DumpWatch(out, dump);
  const check = startDirectoryCheck({ ...source(out), watch });
  const names = (async function* () {
    for await (const name of watch.closed()) {
      order.push(name);
      yield name;
    }
  })();
  const packed = packFiles(out, 'root', names, check.files);
  await Promise.all([exited, pipeline(packed, createWriteStream(tar)), check.done]);
  return { check, order };
}

function source(archive: string) {
  const signal = new AbortController().signal;
  return { client, format: 'directory' as const, archive, env: {}, signal };
}

/** Today's read: pg_restore -f - over the whole directory. */
async function pgRestoreRead(out: string): Promise<ArchiveCheck> {
  const check = startArchiveCheck(source(out));
  await check.done;
  return check;
}

const done = { exited: Promise.resolve() };

/** The streamed read of a directory pg_dump has finished (the files in name order, toc.dat first). */
async function readFinished(out: string): Promise<ArchiveCheck> {
  const watch = new DumpWatch(out, done);
  const check = startDirectoryCheck({ ...source(out), watch });
  const packed = packFiles(out, 'root', watch.closed(), check.files);
  await Promise.all([pipeline(packed, createWriteStream(`${out}.tar`)), check.done]);
  return check;
}

function facts(check: ArchiveCheck) {
  return { tables: checkedTables(check), schema: checkedSchema(check), needs: checkedNeeds(check) };
}

async function sameTree(out: string, tar: string): Promise<void> {
  const unpacked = await mkdtemp(join(dir, 'unpacked-'));
  await runCommand('tar', ['-xf', tar, '-C', unpacked]);
  const names = (await readdir(out)).sort();
  expect((await readdir(join(unpacked, 'root'))).sort()).toEqual(names);
  for (const name of names) {
    const [packed, written] = [join(unpacked, 'root', name), join(out, name)];
    expect((await readFile(packed)).equals(await readFile(written))).toBe(true);
  }
}

const CASES: [string, () => PgCluster, string[], boolean][] = [
  ['pg_dump 15, gzip (archive 1.14)', () => pg15, [], true],
  ['pg_dump 15, none, jobs 2 (archive 1.14)', () => pg15, ['-Z', '0', '-j', '2'], true],
  ['pg_dump 18, gzip', () => pg18, ['-Z', 'gzip'], true],
  ['pg_dump 18, gzip, jobs 2', () => pg18, ['-Z', 'gzip', '-j', '2'], true],
  ['pg_dump 18, zstd', () => pg18, ['-Z', 'zstd:3'], true],
  ['pg_dump 18, zstd, jobs 2', () => pg18, ['-Z', 'zstd:3', '-j', '2'], true],
  ['pg_dump 18, none, jobs 2', () => pg18, ['-Z', 'none', '-j', '2'], true],
  ['pg_dump 18, lz4: pg_restore reads it', () => pg18, ['-Z', 'lz4', '-j', '2'], false],
  ['pg_dump 18, INSERT data: pg_restore reads it', () => pg18, ['--inserts'], false],
  ['pg_dump 18, schema only (no data files)', () => pg18, ['-s'], true],
];

describe('a directory archive packed and read as pg_dump writes it', () => {
  it.each(CASES)(
    '%s: rows, schema and needs as pg_restore finds them; the tar unpacks to the same files',
    async (name, pg, args, inProcess) => {
      const out = join(dir, name.replace(/\W+/g, '-'));
      const { check, order } = await dumpStreamed(pg(), args, out, `${out}.tar`);
      const read = await pgRestoreRead(out);
      expect(Boolean(check.counter.inProcess)).toBe(inProcess);
      expect(facts(check)).toEqual(facts(read));
      expect(order[0]).toBe('toc.dat');
      expect([...order].sort()).toEqual((await readdir(out)).sort());
      await sameTree(out, `${out}.tar`);
      const tables = facts(check).tables;
      const counted = !args.includes('--inserts') && !args.includes('-s');
      expect(tables.find((t) => t.name === 'bulk')?.rows).toBe(counted ? 200000 : undefined);
      expect(tables.find((t) => t.name === 'empty_table')?.rows).toBe(counted ? 0 : undefined);
      expect(facts(check).needs.roles.includes('lo_only_owner')).toBe(!args.includes('-s'));
    },
    120_000,
  );
});

describe('a damaged directory archive fails as it did', () => {
  const bases: Record<string, string> = {};
  beforeAll(async () => {
    for (const z of ['zstd', 'gzip', 'none']) {
      bases[z] = join(dir, `damaged-${z}`);
      await dumpStreamed(pg18, ['-Z', z], bases[z], `${bases[z]}.tar`);
    }
  }, 120_000);

  /** A copy of a dump with `damage` done to the data file of app.bulk (the largest). */
  async function damaged(z: string, damage: (file: string) => Promise<void>): Promise<string> {
    const out = await mkdtemp(join(dir, `${z}-`));
    await runCommand('cp', ['-r', `${bases[z]}/.`, out]);
    const files = await readdir(out);
    const sizes = await Promise.all(files.map(async (f) => (await readFile(join(out, f))).length));
    const largest = files[sizes.indexOf(Math.max(...sizes))] ?? '';
    await damage(join(out, largest));
    return out;
  }

  const bulk = (suffix: string) => String.raw`\d+\.dat${suffix} \(TABLE DATA app\.bulk\)`;
  const cut = (f: string) => truncate(f, 5000);
  const garbage = (f: string) => appendFile(f, 'garbage');
  // What pg_restore made of each (today's read): it takes a zstd or uncompressed file cut short
  // for whole.
  it.each([
    ['zstd', 'cut short', 'passed', `${bulk('\\.zst')}: unexpected end of file`, cut],
    ['zstd', 'with a damaged byte', 'failed', `${bulk('\\.zst')}: .*corrupt`, flipByte],
    ['zstd', 'with bytes after its end', 'failed', `${bulk('\\.zst')}: 7 bytes follow`, garbage],
    ['zstd', 'missing', 'failed', `the archive has no ${bulk('')}`, unlink],
    ['gzip', 'cut short', 'failed', `${bulk('\\.gz')}: unexpected end of file`, cut],
    ['gzip', 'with a damaged byte', 'failed', `${bulk('\\.gz')}: `, flipByte],
    ['none', 'cut short', 'passed', `${bulk('')}: it ends before its \\\\\\. line`, cut],
  ])(
    '%s: a data file %s fails the streamed read (pg_restore: %s)',
    async (z, _name, before, why, damage) => {
      const out = await damaged(z, damage);
      const old = await outcome(pgRestoreRead(out));
      expect(old).toEqual(
        before === 'passed' ? 'passed' : expect.stringMatching(/^The archive did not verify: /),
      );
      const streamed = await outcome(readFinished(out));
      expect(streamed).toMatch(new RegExp(`^The archive did not verify: ${why}`, 'i'));
      expect(streamed).toMatch(/The backup was not stored\.$/);
    },
  );

  it('a table whose data ends otherwise than pg_dump writes it: the same facts as pg_restore', async () => {
    const out = await damaged('none', (f) => appendFile(f, '\n'));
    const check = await readFinished(out);
    expect(facts(check)).toEqual(facts(await pgRestoreRead(out)));
    expect(facts(check).tables.find((t) => t.name === 'bulk')?.rows).toBe(200000);
  });
});

async function outcome(read: Promise<unknown>): Promise<string> {
  const timeout = new Promise<string>((resolve) =>
    setTimeout(() => resolve('timed out'), 20_000).unref(),
  );
  const settled = read.then(
    () => 'passed',
    (error: unknown) => (error as Error).message,
  );
  return Promise.race([settled, timeout]);
}

async function flipByte(file: string): Promise<void> {
  const bytes = await readFile(file);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  await writeFile(file, bytes);
}
