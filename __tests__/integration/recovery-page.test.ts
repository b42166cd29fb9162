// The recovery document followed literally: a backup of the sample database (PostgreSQL 15, real
// local storage and s3rver), its `<id>.recovery.md` read back with stock tools, every `sh` block run
// in order by bash with only the placeholders filled in (PATH holding PostgreSQL 15's clients, age,
// gzip, zstd, tar, sha256sum and the AWS CLI), and the result compared with the source: schema dump
// and every table's rows. Formats custom, plain (gzip, zstd), directory and tar on a directory; custom
// encrypted to an age recipient on S3.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { shellQuote } from '../../src/catalog/recovery-steps.js';
import { backupWith } from '../helpers/command-run.js';
import { loadSample, schemaDump, tableRowCounts } from '../helpers/db-compare.js';
import {
  clientBinDir,
  clientBinDirFor,
  startCluster,
  type PgCluster,
} from '../../scripts/lib/pg-cluster.js';
import {
  awsBinary,
  awsCli,
  S3_CREDENTIALS,
  startS3Server,
  type S3Server,
} from '../../scripts/lib/s3-server.js';
import { collectProcess } from '../../scripts/lib/spawn.js';

let cluster: PgCluster;
let s3: S3Server;
let source: { schema: string; rows: Record<string, number> };
let targets = 0;

beforeAll(async () => {
  cluster = await startCluster(15);
  await loadSample(cluster, 'source');
  await cluster.psql(
    'CREATE ROLE recovery_reader; GRANT SELECT ON ALL TABLES IN SCHEMA app TO recovery_reader;',
    'source',
  );
  source = {
    schema: await schemaDump(cluster, 'source'),
    rows: await tableRowCounts(cluster, 'source'),
  };
  s3 = await startS3Server(['vault']);
  process.env.GITHUB_OUTPUT = join(await mkdtemp(join(tmpdir(), 'recovery-out-')), 'output');
  delete process.env.GITHUB_STEP_SUMMARY;
}, 180_000);

afterAll(async () => {
  await s3?.stop();
  await cluster?.stop();
});

/** The `sh` blocks of a Markdown page, in order. */
function shellBlocks(page: string): string[] {
  return [...page.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

/** Runs the page's commands in an empty directory with the placeholders filled in. */
async function follow(page: string, fill: Record<string, string>) {
  let script = shellBlocks(page).join('\n');
  for (const [placeholder, value] of Object.entries(fill))
    script = script.split(placeholder).join(value);
  const cwd = await mkdtemp(join(tmpdir(), 'recovery-run-'));
  const env = {
    PATH: `${clientBinDir(15) ?? clientBinDirFor(15)}:${dirname(awsBinary())}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    ...S3_CREDENTIALS,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
  };
  return collectProcess('bash', ['--norc', '--noprofile', '-euo', 'pipefail', '-c', script], {
    env,
    cwd,
  });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const cases = [
  { format: 'custom', compression: 'auto' },
  { format: 'plain', compression: 'gzip' },
  { format: 'plain', compression: 'zstd:5' },
  { format: 'directory', compression: 'auto' },
  { format: 'tar', compression: 'none' },
];

describe('the recovery page, followed literally', () => {
  const restoreInto = async () => {
    const name = `recovered_${(targets += 1)}`;
    await cluster.createDatabase(name);
    return name;
  };

  const expectIdentical = async (database: string) => {
    expect(await schemaDump(cluster, database)).toBe(source.schema);
    expect(await tableRowCounts(cluster, database)).toEqual(source.rows);
  };

  it.each(cases)(
    '$format ($compression) on a directory',
    async ({ format, compression }) => {
      const dir = await mkdtemp(join(tmpdir(), 'recovery-store-'));
      const report = await backupWith({
        'database-url': cluster.url('source'),
        storage: dir,
        format,
        compression,
      });
      const m = report.manifest;
      const page = await readFile(join(dir, `${m.id}.recovery.md`), 'utf8');
      expect(m.recovery).toEqual({
        key: `${m.id}.recovery.md`,
        size: Buffer.byteLength(page),
        sha256: sha256(page),
      });
      expect(page).not.toContain(cluster.password);
      expect(page).toContain('`recovery_reader`');
      const target = await restoreInto();
      const run = await follow(page, { '<TARGET_DATABASE_URL>': shellQuote(cluster.url(target)) });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`${m.object.key}: OK`);
      expect(run.stdout).toContain('Row counts match the manifest.');
      await expectIdentical(target);
    },
    120_000,
  );

  it('custom, encrypted to an age recipient, on S3 (aws s3 cp)', async () => {
    const keyDir = await mkdtemp(join(tmpdir(), 'recovery-key-'));
    const identity = join(keyDir, 'key.txt');
    execFileSync('age-keygen', ['-o', identity], { stdio: 'ignore' });
    const recipient = execFileSync('age-keygen', ['-y', identity], { encoding: 'utf8' }).trim();
    Object.assign(process.env, S3_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });
    const report = await backupWith({
      'database-url': cluster.url('source'),
      storage: 's3://vault/nightly/',
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
      'age-recipients': recipient,
    });
    const m = report.manifest;
    const copy = await mkdtemp(join(tmpdir(), 'recovery-page-'));
    const got = await awsCli(
      ['s3', 'cp', `s3://vault/nightly/${m.id}.recovery.md`, copy],
      s3.endpoint,
    );
    expect(got.code).toBe(0);
    const page = await readFile(join(copy, `${m.id}.recovery.md`), 'utf8');
    expect(m.recovery?.sha256).toBe(sha256(page));
    expect(page).toContain(recipient);
    expect(page).not.toContain(S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY);
    const target = await restoreInto();
    const run = await follow(page, {
      '<TARGET_DATABASE_URL>': shellQuote(cluster.url(target)),
      '<AGE_IDENTITY_FILE>': shellQuote(identity),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Row counts match the manifest.');
    await expectIdentical(target);
  }, 120_000);
});
