// age encryption with dist/index.js as the runner runs it: backup to recipients (directory and S3)
// and with a passphrase, restore with the key, refusals that leave the target absent, decryption by
// hand with the age CLI and pg_restore, and no secret in the visible log.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { decryptFile } from '../../src/pipeline/encryption.js';
import type { Manifest } from '../../src/catalog/manifest.js';
import { runAction, visibleLog, type ActionRun } from '../helpers/action-process.js';
import { readManifest, sha256File } from '../helpers/command-run.js';
import { loadSample, tableRowCounts } from '../helpers/db-compare.js';
import {
  availableMajors,
  clientBinDir,
  clientBinDirFor,
  quoteLiteral,
  startCluster,
  type PgCluster,
  type ServerMajor,
} from '../../scripts/lib/pg-cluster.js';
import {
  awsCli,
  S3_CREDENTIALS,
  startS3Server,
  type S3Server,
} from '../../scripts/lib/s3-server.js';

const run = promisify(execFile);
const major = (availableMajors().includes(18) ? 18 : 15) as ServerMajor;
const PASSPHRASE = 'e2e passphrase: velvet-otter-41-harbor';
let cluster: PgCluster;
let s3: S3Server;
let work: string;
let keyFile: string;
let keyText: string;
let identity: string;
let recipient: string;
let source: Record<string, number>;
/** Every secret of this file: none may appear in a visible log. */
const secrets: string[] = [PASSPHRASE];

beforeAll(async () => {
  [cluster, s3] = await Promise.all([startCluster(major), startS3Server(['backups'])]);
  await loadSample(cluster, 'app');
  source = await tableRowCounts(cluster, 'app');
  work = await mkdtemp(join(tmpdir(), 'e2e-age-'));
  keyFile = join(work, 'backup-key.txt');
  await run('age-keygen', ['-o', keyFile]);
  keyText = await readFile(keyFile, 'utf8');
  identity = /^AGE-SECRET-KEY-1\S+$/m.exec(keyText)?.[0] ?? '';
  recipient = (await run('age-keygen', ['-y', keyFile])).stdout.trim();
  secrets.push(identity, identity.toLowerCase(), cluster.password);
}, 180_000);

afterAll(async () => {
  await Promise.all([cluster?.stop(), s3?.stop()]);
});

/** The run succeeded, and no secret is in what the user sees. */
function expectSuccess(r: ActionRun): void {
  expect(r.errors).toEqual([]);
  expect(r.code).toBe(0);
  expectNoSecret(r);
}

function expectNoSecret(r: ActionRun): void {
  const log = visibleLog(r);
  for (const secret of secrets) expect(log).not.toContain(secret);
  expect(r.summary).not.toContain(identity);
  expect(r.summary).not.toContain(PASSPHRASE);
}

/** The step failed with exactly one error line, without a stack trace or a secret. */
function expectOneError(r: ActionRun, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(pattern);
  expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  expectNoSecret(r);
}

async function databaseExists(database: string): Promise<boolean> {
  const sql = `SELECT count(*) FROM pg_catalog.pg_database WHERE datname = ${quoteLiteral(database)}`;
  return (await cluster.psql(sql)).trim() === '1';
}

/** The pg_restore of the client major that wrote the backup (from the manifest). */
function pgRestoreFor(manifest: Manifest): string {
  const written = Number(manifest.client.pgDumpVersion.split('.')[0]);
  return join(clientBinDir(written) ?? clientBinDirFor(written), 'pg_restore');
}

describe('age-recipients, backup to a directory', () => {
  let dir: string;
  let backup: ActionRun;
  let manifest: Manifest;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e2e-age-store-'));
    const other = await identityToRecipient(await generateX25519Identity());
    backup = await runAction({
      'database-url': cluster.url('app'),
      storage: dir,
      'age-recipients': `# ops key\n${recipient}\n\n# break-glass key\n${other}\n`,
    });
    manifest = await readManifest(backup.outputs['manifest-location'] ?? '');
  }, 120_000);

  it('stores <id>.dump.age, records the recipients, and sha256 is of the stored bytes', async () => {
    expectSuccess(backup);
    const o = backup.outputs;
    const id = o['backup-id'] ?? '';
    expect(o.location).toBe(join(dir, `${id}.dump.age`));
    expect(o.encrypted).toBe('true');
    expect(o.verified).toBe('true');
    const sha = (await run('sha256sum', [o.location ?? ''])).stdout.split(' ')[0];
    expect(o.sha256).toBe(sha);
    expect(manifest.encryption).toEqual({
      scheme: 'age',
      recipients: [recipient, expect.stringMatching(/^age1/)],
    });
    expect(manifest.object).toEqual({ key: `${id}.dump.age`, size: Number(o.size), sha256: sha });
    const head = (await readFile(o.location ?? '')).toString('latin1', 0, 40);
    expect(head).toMatch(/^age-encryption\.org\/v1\n-> X25519 /);
    expect(Number(o.rows)).toBe(Object.values(source).reduce((a, b) => a + b, 0));
  });

  it('decrypts by hand with `age -d -i key.txt` to an archive that pg_restore -l reads', async () => {
    const archive = join(work, 'by-hand.dump');
    await run('age', ['-d', '-i', keyFile, '-o', archive, backup.outputs.location ?? '']);
    expect((await readFile(archive)).subarray(0, 5).toString()).toBe('PGDMP');
    const { stdout } = await run(pgRestoreFor(manifest), ['-l', archive], {
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const t of manifest.tables) expect(stdout).toContain(`TABLE DATA ${t.schema} ${t.name} `);
  });

  it('restores with age-identity (the whole key file) and proves the rows', async () => {
    const restore = await runAction({
      command: 'restore',
      'target-database-url': cluster.url('from_key'),
      storage: dir,
      'age-identity': keyText,
    });
    expectSuccess(restore);
    expect(restore.outputs['backup-id']).toBe(backup.outputs['backup-id']);
    expect(restore.outputs.verified).toBe('true');
    expect(restore.stdout).toContain('Decrypted with age.');
    expect(restore.stdout).toContain(`::add-mask::${identity}`);
    expect(await tableRowCounts(cluster, 'from_key')).toEqual(source);
  });

  it('refuses a wrong identity with one error naming the recipient; the target stays absent', async () => {
    const wrong = await generateX25519Identity();
    secrets.push(wrong);
    const restore = await runAction({
      command: 'restore',
      'target-database-url': cluster.url('wrong_key'),
      storage: dir,
      'age-identity': wrong,
    });
    expectOneError(
      restore,
      new RegExp(`Cannot decrypt the backup: it is encrypted to ${recipient}, .*does not match`),
    );
    expect(visibleLog(restore)).not.toContain(wrong);
    expect(await databaseExists('wrong_key')).toBe(false);
  });

  it('refuses a restore without a key with one error saying to set age-identity', async () => {
    const restore = await runAction({
      command: 'restore',
      'target-database-url': cluster.url('no_key'),
      storage: dir,
    });
    expectOneError(
      restore,
      /The backup is encrypted to .*: set age-identity \(or age-passphrase\)/,
    );
    expect(await databaseExists('no_key')).toBe(false);
  });

  it('refuses a restore with a tampered object before decrypting, target absent', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'e2e-age-tampered-'));
    const bytes = await readFile(backup.outputs.location ?? '');
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    await writeFile(join(copy, basename(backup.outputs.location ?? '')), bytes);
    const manifestPath = backup.outputs['manifest-location'] ?? '';
    await writeFile(join(copy, basename(manifestPath)), await readFile(manifestPath));
    const restore = await runAction({
      command: 'restore',
      'target-database-url': cluster.url('tampered'),
      storage: copy,
      'age-identity': keyText,
    });
    expectOneError(restore, /sha-?256/i);
    expect(await databaseExists('tampered')).toBe(false);
  });
});

describe('age-passphrase, plain format with zstd', () => {
  let dir: string;
  let backup: ActionRun;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e2e-age-pass-'));
    backup = await runAction({
      'database-url': cluster.url('app'),
      storage: dir,
      format: 'plain',
      compression: 'zstd',
      'age-passphrase': PASSPHRASE,
    });
  }, 120_000);

  it('stores <id>.sql.zst.age and records only that a passphrase was used', async () => {
    expectSuccess(backup);
    const id = backup.outputs['backup-id'] ?? '';
    expect(backup.outputs.location).toBe(join(dir, `${id}.sql.zst.age`));
    expect(backup.outputs.encrypted).toBe('true');
    expect(backup.stdout).toContain(`::add-mask::${PASSPHRASE}`);
    const text = await readFile(backup.outputs['manifest-location'] ?? '', 'utf8');
    expect((JSON.parse(text) as Manifest).encryption).toEqual({ scheme: 'age', passphrase: true });
    expect(text).not.toContain(PASSPHRASE);
    const head = (await readFile(backup.outputs.location ?? '')).toString('latin1', 0, 40);
    expect(head).toMatch(/^age-encryption\.org\/v1\n-> scrypt /);
  });

  it('decrypts to a zstd stream of the plain SQL dump', async () => {
    const plain = join(work, 'by-hand.sql.zst');
    await decryptFile(
      backup.outputs.location ?? '',
      plain,
      {
        identities: [],
        passphrase: PASSPHRASE,
      },
      { passphrase: true },
    );
    const { stdout } = await run('zstd', ['-dc', plain], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toContain('PostgreSQL database dump');
  });

  it('restores with age-passphrase and proves the rows', async () => {
    const restore = await runAction({
      command: 'restore',
      'target-database-url': cluster.url('from_passphrase'),
      storage: dir,
      'age-passphrase': PASSPHRASE,
    });
    expectSuccess(restore);
    expect(restore.outputs.verified).toBe('true');
    expect(await tableRowCounts(cluster, 'from_passphrase')).toEqual(source);
  });

  it('refuses a wrong passphrase with one error; the target stays absent', async () => {
    const restore = await runAction({
      command: 'restore',
      'target-database-url': cluster.url('wrong_passphrase'),
      storage: dir,
      'age-passphrase': 'not the passphrase',
    });
    expectOneError(restore, /encrypted with a passphrase, and .*does not match/);
    expect(visibleLog(restore)).not.toContain('not the passphrase');
    expect(await databaseExists('wrong_passphrase')).toBe(false);
  });
});

describe('age-recipients on S3 storage', () => {
  it('backs up to s3:// as <id>.dump.age and restores from it with the key', async () => {
    const s3Inputs = {
      storage: 's3://backups/encrypted/',
      's3-endpoint': s3.endpoint,
      's3-force-path-style': 'true',
    };
    const env = { ...S3_CREDENTIALS, AWS_REGION: 'us-east-1' };
    const backup = await runAction(
      { 'database-url': cluster.url('app'), 'age-recipients': recipient, ...s3Inputs },
      { env },
    );
    expectSuccess(backup);
    const id = backup.outputs['backup-id'] ?? '';
    expect(backup.outputs.location).toBe(`s3://backups/encrypted/${id}.dump.age`);
    expect(backup.outputs.encrypted).toBe('true');
    const stored = join(work, `${id}.dump.age`);
    const cp = await awsCli(['s3', 'cp', backup.outputs.location ?? '', stored], s3.endpoint);
    expect(cp.code).toBe(0);
    expect(await sha256File(stored)).toBe(backup.outputs.sha256);
    const { stdout } = await run('age', ['-d', '-i', keyFile, stored], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout.subarray(0, 5).toString()).toBe('PGDMP');

    const restore = await runAction(
      {
        command: 'restore',
        'target-database-url': cluster.url('from_s3'),
        'age-identity': keyText,
        ...s3Inputs,
      },
      { env },
    );
    expectSuccess(restore);
    expect(restore.outputs['backup-id']).toBe(id);
    expect(restore.outputs.verified).toBe('true');
    expect(await tableRowCounts(cluster, 'from_s3')).toEqual(source);
  });
});

describe('a secret key given as age-recipients', () => {
  it('fails before connecting, with one error, and never shows the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-age-wrong-input-'));
    const backup = await runAction({
      'database-url': cluster.url('app'),
      storage: dir,
      'age-recipients': keyText,
    });
    expectOneError(backup, /Input 'age-recipients': holds a secret key/);
    expect(backup.stdout).toContain(`::add-mask::${identity}`);
  });
});
