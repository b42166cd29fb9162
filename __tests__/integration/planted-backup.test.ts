// A backup planted by someone who can write to the storage (and recompute object.sha256) must not
// run a psql meta-command on the runner: psql is restricted (`\restrict` with a key of the run)
// and the SQL filter refuses meta-commands outside quotes and COPY data. Every case restores a
// real backup with planted text through the SQL path (real psql, real pg_restore, real files) and
// checks that the restore failed with one clear error, that the planted command left no trace,
// and that the target is as it was.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupWith, restoreWith } from '../helpers/command-run.js';
import { requireRestrictingPsql } from '../../src/postgres/psql-restrict.js';
import { tableRowCounts } from '../helpers/db-compare.js';
import { startCluster, type PgCluster } from '../../scripts/lib/pg-cluster.js';

let cluster: PgCluster;
let work: string;
/** Where the planted commands would leave their mark. */
let mark: string;
const PLACEHOLDER = 'P'.repeat(120);

beforeAll(async () => {
  cluster = await startCluster(15);
  work = await mkdtemp(join(tmpdir(), 'planted-'));
  mark = join(work, 'PWNED');
  await cluster.createDatabase('src');
  await cluster.psql(
    `CREATE TABLE t (id int PRIMARY KEY, note text);
     INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 50) g;
     INSERT INTO t VALUES (51, E'copy data\\n\\\\! touch ${mark}');
     CREATE TABLE decoy (id int);
     COMMENT ON TABLE decoy IS '${PLACEHOLDER}';
     COMMENT ON TABLE t IS E'quoted\\n\\\\! touch ${mark}\\n\\\\o |touch ${mark}';`,
    'src',
  );
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A fresh backup of `src` in its own storage directory: the data object's path and the manifest's. */
async function freshBackup(
  inputs: Record<string, string>,
): Promise<{ data: string; manifest: string }> {
  const dir = await mkdtemp(join(work, 'store-'));
  await backupWith({ 'database-url': cluster.url('src'), storage: dir, ...inputs });
  const names = await readdir(dir);
  const manifest = names.find((n) => n.endsWith('.manifest.json'));
  const data = names.find((n) => /\.(dump|sql|sql\.gz)$/.test(n));
  if (!manifest || !data) throw new Error(`harness: no backup in ${names.join(', ')}`);
  return { data: join(dir, data), manifest: join(dir, manifest) };
}

/** Rewrites the data object and, as a storage writer can, its size and SHA-256 in the manifest. */
async function plant(backup: { data: string; manifest: string }, bytes: Buffer): Promise<void> {
  await writeFile(backup.data, bytes);
  const manifest = JSON.parse(await readFile(backup.manifest, 'utf8')) as {
    object: { size: number; sha256: string };
  };
  manifest.object.size = bytes.length;
  manifest.object.sha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFile(backup.manifest, JSON.stringify(manifest, null, 2));
}

/**
 * A plain backup with `lines` planted after the data, before the dump's own closing lines. The
 * dump's own `\restrict KEY` … `\unrestrict KEY` lines (pg_dump 15.14+) are taken out, as whoever
 * plants a backup would, unless `keepRestrict`.
 */
async function plantedPlain(lines: string, gzip: boolean, keepRestrict = false): Promise<string> {
  const backup = await freshBackup({ format: 'plain', compression: gzip ? 'gzip' : 'none' });
  const raw = await readFile(backup.data);
  let sql = (gzip ? gunzipSync(raw) : raw).toString('utf8');
  if (!keepRestrict) sql = sql.replace(/^\\(un)?restrict .*\n/gm, '');
  const at = sql.indexOf('--\n-- PostgreSQL database dump complete');
  expect(at).toBeGreaterThan(0);
  const planted = Buffer.from(`${sql.slice(0, at)}${lines}\n${sql.slice(at)}`);
  await plant(backup, gzip ? gzipSync(planted) : planted);
  return join(backup.data, '..');
}

/** The error a restore failed with (undefined when it succeeded). */
async function failureOf(inputs: Record<string, string>): Promise<string | undefined> {
  return restoreWith(inputs).then(
    () => undefined,
    (error: unknown) => (error as Error).message,
  );
}

const databaseExists = async (db: string) =>
  (await cluster.psql(`SELECT count(*) FROM pg_database WHERE datname = '${db}'`)).trim() === '1';

describe('a planted plain backup', () => {
  const cases: [string, string, boolean, boolean][] = [
    ['\\! at a line start', '\\! touch MARK', false, false],
    ['\\! in the middle of a line', 'SELECT 1; \\! touch MARK', true, false],
    ['\\copy to a program', "\\copy (select 1) to program 'touch MARK'", false, false],
    ['\\o to a pipe', '\\o |touch MARK', true, false],
    ['\\setenv', '\\setenv PGPASSFILE MARK', false, false],
    ['\\unrestrict with a wrong key', '\\unrestrict wrongkey\n\\! touch MARK', true, true],
  ];

  it.each(cases)(
    'with %s fails, runs nothing and creates nothing',
    async (_name, lines, gz, keep) => {
      await rm(mark, { force: true });
      const dir = await plantedPlain(lines.replaceAll('MARK', mark), gz, keep);
      const target = `p${Math.random().toString(36).slice(2, 8)}`;
      const error = await failureOf({ 'target-database-url': cluster.url(target), storage: dir });
      expect(existsSync(mark)).toBe(false);
      expect(error).toMatch(/psql meta-command \\[a-z!]+ at line \d+.*was refused/);
      expect(await databaseExists(target)).toBe(false);
    },
  );

  it('that hides a meta-command from the filter is refused by the restricted psql', async () => {
    // With standard_conforming_strings off, psql reads 'x\'' as a closed string and the \! after
    // it as a command; the filter (standard strings) reads it as a string going on.
    await rm(mark, { force: true });
    const dir = await plantedPlain(
      `SELECT pg_catalog.set_config('standard_conforming_strings', 'off', false);\nSELECT 'x\\'' \\! touch ${mark}\n;`,
      false,
    );
    const target = 'hidden';
    const error = await failureOf({ 'target-database-url': cluster.url(target), storage: dir });
    expect(existsSync(mark)).toBe(false);
    expect(error).toMatch(/meta-command .*the restricted psql refused it/);
    expect(await databaseExists(target)).toBe(false);
  });
});

describe('a custom backup', () => {
  /** A database with user tables, which an overwrite restore must leave as it was when it fails. */
  async function existingTarget(name: string): Promise<Record<string, number>> {
    await cluster.createDatabase(name);
    await cluster.psql('CREATE TABLE keep (id int); INSERT INTO keep VALUES (1), (2), (3);', name);
    return tableRowCounts(cluster, name);
  }

  it('whose TOC definition was planted with a \\! line is refused on the SQL path', async () => {
    await rm(mark, { force: true });
    const backup = await freshBackup({});
    const archive = await readFile(backup.data);
    const from = archive.indexOf(`'${PLACEHOLDER}'`);
    expect(from).toBeGreaterThan(0);
    // Same length, so the archive stays readable: the comment ends, a command line follows, and
    // the rest of the original line becomes a SQL comment.
    const text = `'x';\n\\! touch ${mark}\n--`;
    archive.write(text.padEnd(PLACEHOLDER.length + 2, ' '), from, 'latin1');
    await plant(backup, archive);
    const before = await existingTarget('custom_ow');
    const error = await failureOf({
      'target-database-url': cluster.url('custom_ow'),
      storage: join(backup.data, '..'),
      overwrite: 'true',
      confirm: 'custom_ow',
    });
    expect(existsSync(mark)).toBe(false);
    expect(error).toMatch(/psql meta-command \\! at line \d+.*was refused/);
    expect(await tableRowCounts(cluster, 'custom_ow')).toEqual(before);
  });

  it('with meta-command text inside quotes (as pg_dump writes it) restores it as data', async () => {
    const backup = await freshBackup({});
    await existingTarget('custom_quoted');
    await restoreWith({
      'target-database-url': cluster.url('custom_quoted'),
      storage: join(backup.data, '..'),
      overwrite: 'true',
      confirm: 'custom_quoted',
    });
    const query = `SELECT obj_description('t'::regclass) || '|' || note FROM t WHERE id = 51`;
    expect((await cluster.psql(query, 'custom_quoted')).trim()).toBe(
      (await cluster.psql(query, 'src')).trim(),
    );
    expect(existsSync(mark)).toBe(false);
  });
});

describe('the psql of a restore through psql', () => {
  /** A bin directory with this machine's pg_dump and pg_restore and a psql that says `15.13`. */
  async function oldPsqlDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'old-psql-'));
    for (const tool of ['pg_dump', 'pg_restore'])
      await symlink(`/usr/lib/postgresql/15/bin/${tool}`, join(dir, tool));
    await writeFile(join(dir, 'psql'), '#!/bin/sh\necho "psql (PostgreSQL) 15.13"\n');
    await chmod(join(dir, 'psql'), 0o755);
    return dir;
  }
  const TOO_OLD =
    /psql 15\.13 .* cannot restrict meta-commands .*use psql 13\.22, 14\.19, 15\.14, 16\.10, 17\.6, 18\.0 or newer/;

  it('refuses a psql without \\restrict, naming the versions needed', async () => {
    const client = { binDir: await oldPsqlDir(), version: '15.13', major: 15 };
    await expect(requireRestrictingPsql(client, process.env)).rejects.toThrow(TOO_OLD);
  });

  it('fails a plain restore with that psql, leaving no target behind', async () => {
    const backup = await freshBackup({ format: 'plain' });
    const error = await failureOf({
      'target-database-url': cluster.url('old_psql'),
      storage: join(backup.data, '..'),
      'pg-bin-dir': await oldPsqlDir(),
    });
    expect(error).toMatch(TOO_OLD);
    expect(await databaseExists('old_psql')).toBe(false);
  });

  it('accepts the psql of this machine (Debian 15.18)', async () => {
    const client = { binDir: '/usr/lib/postgresql/15/bin', version: '15.18', major: 15 };
    await expect(requireRestrictingPsql(client, process.env)).resolves.toBe('15.18');
  });
});
