import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { backupWith, manifestCounts, readManifest, sha256File } from '../helpers/command-run.js';
import { loadSample, schemaDump, tableRowCounts } from '../helpers/db-compare.js';
import {
  clientBinDir,
  clientBinDirFor,
  clientEnv,
  connArgs,
  runCommand,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';

/** One major, one way of dumping and the way to restore it. */
const CASES: {
  major: ServerMajor;
  format: string;
  compression: string;
  jobs?: string;
  ext: string;
  label: string;
}[] = [
  { major: 13, format: 'custom', compression: 'auto', ext: '.dump', label: 'gzip:6' },
  { major: 15, format: 'plain', compression: 'gzip:4', ext: '.sql.gz', label: 'gzip:4' },
  { major: 17, format: 'directory', compression: 'auto', jobs: '2', ext: '.tar', label: 'zstd:3' },
  { major: 18, format: 'custom', compression: 'auto', ext: '.dump', label: 'zstd:3' },
  { major: 18, format: 'plain', compression: 'zstd', ext: '.sql.zst', label: 'zstd:3' },
  { major: 15, format: 'tar', compression: 'auto', ext: '.tar', label: 'none' },
  { major: 17, format: 'custom', compression: 'lz4', ext: '.dump', label: 'lz4' },
];

// Every major must be there (.ci/run provisions them): a missing server fails the suite.
const majors = [...new Set(CASES.map((c) => c.major))];
const clusters = new Map<number, PgCluster>();

beforeAll(async () => {
  for (const major of majors) {
    const cluster = await startCluster(major);
    clusters.set(major, cluster);
    await loadSample(cluster, 'app');
  }
}, 300_000);

afterAll(async () => {
  await Promise.all([...clusters.values()].map((c) => c.stop()));
});

describe.each(CASES)('PostgreSQL $major, format $format, compression $compression', (c) => {
  it('backs up, verifies, and restores with identical rows and schema', async () => {
    const cluster = clusters.get(c.major) as PgCluster;
    const dir = await mkdtemp(join(tmpdir(), 'store-'));
    const report = await backupWith({
      'database-url': cluster.url('app'),
      storage: dir,
      format: c.format,
      compression: c.compression,
      ...(c.jobs ? { jobs: c.jobs } : {}),
      labels: 'env=test\nmajor=' + c.major,
    });
    const m = report.manifest;
    expect(report.locations[0]).toBe(join(dir, `${m.id}${c.ext}`));
    expect(m.id).toMatch(/^app-\d{8}T\d{6}Z(-\d+)?$/);
    expect(m.dump.compression).toBe(c.label);
    expect(m.server.versionNum).toBeGreaterThanOrEqual(c.major * 10000);
    expect(Number(m.client.pgDumpVersion.split('.')[0])).toBeGreaterThanOrEqual(c.major);
    expect(m.labels).toEqual({ env: 'test', major: String(c.major) });
    expect(m.verification.archive).toBe('passed');
    expect(await sha256File(report.locations[0] ?? '')).toBe(m.object.sha256);
    expect((await readdir(dir)).sort()).toEqual(
      [`${m.id}${c.ext}`, `${m.id}.manifest.json`, `${m.id}.recovery.md`].sort(),
    );
    expect(await readManifest(report.manifestLocation)).toEqual(m);

    const source = await tableRowCounts(cluster, 'app');
    expect(manifestCounts(m)).toEqual(source);
    expect(m.totalRows).toBe(Object.values(source).reduce((a, b) => a + b, 0));

    const target = `restored_${c.format}_${c.major}`;
    await cluster.createDatabase(target);
    await restoreArchive(
      cluster,
      report.locations[0] ?? '',
      c.format,
      target,
      dir,
      m.client.pgDumpVersion,
    );
    expect(await tableRowCounts(cluster, target)).toEqual(source);
    expect(await schemaDump(cluster, target)).toEqual(await schemaDump(cluster, 'app'));
  });
});

/** Restores with the stock tools of the client that wrote the archive, the way a user would by hand. */
async function restoreArchive(
  cluster: PgCluster,
  file: string,
  format: string,
  db: string,
  dir: string,
  client: string,
): Promise<void> {
  const major = Number(client.split('.')[0]);
  const bin = clientBinDir(major) ?? clientBinDirFor(major);
  const env = clientEnv(cluster);
  const conn = connArgs(cluster, db);
  if (format === 'plain') {
    const decompress = file.endsWith('.gz') ? `gzip -dc` : `zstd -dcq`;
    const script = `${decompress} "$1" | "$2"/psql -X -q -v ON_ERROR_STOP=1 ${conn.map((a) => `'${a}'`).join(' ')} >/dev/null`;
    await runCommand('bash', ['-c', script, 'restore', file, bin], { env });
    return;
  }
  let archive = file;
  if (format === 'directory') {
    await runCommand('tar', ['-xf', file, '-C', dir]);
    archive = join(dir, (await readdir(dir)).find((n) => !n.includes('.')) ?? '');
  }
  await runCommand(`${bin}/pg_restore`, ['--exit-on-error', '--no-owner', ...conn, archive], {
    env,
  });
}
