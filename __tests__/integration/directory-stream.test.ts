// runBackupStream with format directory against a real server: the tar stream leaves while pg_dump
// runs, its facts equal pg_restore's read of the finished directory, and a pg_dump that fails after
// writing every file still stores nothing (the stream never ends, the sink is torn down).
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  checkedNeeds,
  checkedSchema,
  checkedTables,
  startArchiveCheck,
} from '../../src/pipeline/archive-check.js';
import { runBackupStream, type BackupStream } from '../../src/pipeline/backup.js';
import { loadSample } from '../helpers/db-compare.js';
import {
  clientBinDir,
  clientEnv,
  runCommand,
  startCluster,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';

let pg: PgCluster;
let work: string;
const client = { binDir: clientBinDir(18) ?? '', version: '18', major: 18 };

beforeAll(async () => {
  pg = await startCluster(18);
  work = await mkdtemp(join(tmpdir(), 'directory-stream-'));
  await loadSample(pg, 'app');
  await pg.psql(
    'CREATE TABLE app.bulk AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 300000) g',
    'app',
  );
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A sink that keeps the bytes and says whether the stream ended or was torn down. */
class Keep extends Writable {
  parts: Buffer[] = [];
  ended = false;
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void): void {
    this.parts.push(chunk);
    done();
  }
  override _final(done: () => void): void {
    this.ended = true;
    done();
  }
}

function stream(name: string, sink: Keep, over: Partial<BackupStream> = {}): BackupStream {
  const spoolDir = join(work, name);
  return {
    client,
    format: 'directory',
    dumpArgs: ['-Fd', '-j', '2', '-Z', 'zstd:3', `--file=${spoolDir}`, '--no-sync', pg.url('app')],
    spoolDir,
    tarRoot: name,
    plan: { dumpCompress: 'zstd:3', encrypted: false, extension: '.tar', label: 'zstd:3' },
    verify: true,
    env: clientEnv(pg),
    sinks: [sink],
    log: () => undefined,
    ...over,
  };
}

describe('runBackupStream, directory format', () => {
  it("streams the tar and reports pg_restore's facts of the finished directory", async () => {
    const sink = new Keep();
    const s = stream('ok', sink);
    const result = await runBackupStream(s);
    const tar = Buffer.concat(sink.parts);
    expect(sink.ended).toBe(true);
    expect(result.sha256).toBe(createHash('sha256').update(tar).digest('hex'));
    expect(result.size).toBe(tar.length);
    const signal = new AbortController().signal;
    const read = startArchiveCheck({
      client,
      format: 'directory',
      archive: s.spoolDir,
      env: {},
      signal,
    });
    await read.done;
    expect(result.tables).toEqual(checkedTables(read));
    expect(result.schema).toEqual(checkedSchema(read));
    expect(result.needs).toEqual(checkedNeeds(read));
    expect(result.tables?.find((t) => t.name === 'bulk')?.rows).toBe(300000);
    await writeFile(join(work, 'ok.tar'), tar);
    await mkdtemp(join(work, 'x-')).then(async (x) => {
      await runCommand('tar', ['-xf', join(work, 'ok.tar'), '-C', x]);
      await runCommand('diff', ['-r', join(x, 'ok'), s.spoolDir ?? '']);
    });
  }, 60_000);

  it('a pg_dump that fails after writing every file stores nothing', async () => {
    // pg_dump behind a script that fails once the real one has finished: every file was closed.
    const bin = await mkdtemp(join(work, 'bin-'));
    const script = `#!/bin/sh\n"${join(client.binDir, 'pg_dump')}" "$@" || exit 2\necho "pg_dump: error: the end failed" >&2\nexit 1\n`;
    await writeFile(join(bin, 'pg_dump'), script);
    await chmod(join(bin, 'pg_dump'), 0o755);
    // The verifier's pg_restore is the real one: without it, a verifier that starts first fails
    // with ENOENT before pg_dump does (seen under load), and that failure is reported instead.
    await symlink(join(client.binDir, 'pg_restore'), join(bin, 'pg_restore'));
    const sink = new Keep();
    const s = stream('fails', sink, { client: { ...client, binDir: bin } });
    await expect(runBackupStream(s)).rejects.toThrow(
      /pg_dump failed \(exit code 1\).*the end failed/,
    );
    expect(sink.ended).toBe(false);
    expect(sink.destroyed).toBe(true);
  }, 60_000);
});
